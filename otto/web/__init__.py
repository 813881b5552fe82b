"""The page layer: every server-rendered page (coordinators, admins, the login) and the
field app's server side.

Layer: the top (README "Layout", enforced by import-linter): pages call the domain services
and never hold a query or a rule of their own; nothing below imports them.
"""
