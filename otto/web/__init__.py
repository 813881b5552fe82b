"""Server-rendered pages for coordinators and admins."""
