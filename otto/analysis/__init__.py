"""Analysis: exports of findings and follow-ups, and the statistics for the situation picture.

Layer: a domain package over otto.inspections (and below it) and the core (README "Layout",
enforced by import-linter); its pages live in otto.web.analysis, the JSON API in `routes.py`.

Convention: a service's first argument is the `user` for reads and the `actor`
(otto.auth.Actor) for writes. Services flush; the request commits.
"""
