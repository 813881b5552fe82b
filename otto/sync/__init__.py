"""Sync: the push/pull protocol of the field app, and the idempotency of pushed mutations.

Layer: an adapter over the domain (README "Layout", enforced by import-linter): it replays
pushed mutations through the domain services and schemas, and serves the change feed
(otto.changes) filtered by the visibility rule. No domain package imports it.
"""
