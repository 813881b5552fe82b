"""The change feed and the per-field merge: the core every synced write goes through.

Domain services record their writes here (`feed.record_change`) and merge edits by the
per-field rule (`merge.merge`, with `merge.Write` saying who writes on what basis); the sync
transport (otto.sync) reads the feed and replays pushed mutations through those services.
This package imports no domain package, no page and no transport: it sits below them all
(the import-linter contracts in pyproject.toml say so).
"""
