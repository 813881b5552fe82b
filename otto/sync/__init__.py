"""Sync: device registration and tokens, the push/pull protocol, idempotency, the change feed."""
