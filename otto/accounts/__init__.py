"""Accounts: agencies, users, passwords, login throttling, and devices (tablets and calendar
feeds) with their bearer tokens.

Layer: the lowest domain package; it imports only the core (README "Layout", enforced by
import-linter). The other domain packages, sync and the pages build on it; its login pages
live in otto.web.accounts, its JSON API in `routes.py`.

Convention: a service's first argument is the `user` for reads and the `actor`
(otto.auth.Actor) for writes. Services flush; the request commits.
"""
