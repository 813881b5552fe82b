"""Checklists: the template format and its validation, the condition evaluator, the checker,
XLSForm import and the shipped library.

Layer: a domain package over otto.accounts and the core (README "Layout", enforced by
import-linter); its authoring pages live in otto.web.checklists, its JSON API in `routes.py`.

Convention: a service's first argument is the `user` for reads and the `actor`
(otto.auth.Actor) for writes; reads of templates take no user, as templates hold nothing
confidential. Services flush; the request commits.
"""
