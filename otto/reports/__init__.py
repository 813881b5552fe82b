"""Inspection reports: each agency's own PDF report of a visit and the joint report, and
their issued versions with their SHA-256.

Layer: a domain package over otto.inspections (and below it) and the core (README "Layout",
enforced by import-linter); the dossier's report links live in otto.web.reports, the JSON
API in `routes.py`.

Convention: a service's first argument is the `user` for reads and the `actor`
(otto.auth.Actor) for writes. Services flush; the request commits.
"""
