"""Inspections: businesses, visits (dossiers), assignments, answers, findings, photos,
signatures, follow-ups, hard conflicts and their resolution, and the visibility rule.

Layer: a domain package over otto.checklists, otto.accounts and the core (README "Layout",
enforced by import-linter). Writes go on the change feed and merge through otto.changes;
nothing here knows the sync transport (otto.sync) or the pages (otto.web), which call these
services. The JSON API is `routes.py` and `photo_routes.py`.

Convention: a service's first argument is the `user` for reads and the `actor`
(otto.auth.Actor) for writes. The services that merge an edit by the per-field rule
(`set_answer`, `create_finding`, `update_finding`, `delete_finding`, `set_finding_deleted`)
take a `Write` (otto.changes.merge) instead: the actor, as `write.actor`, with the basis of
the edit. Services flush; the request commits.
"""
