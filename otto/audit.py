"""The audit trail: one append-only table and the one function that writes to it.

Every change to a visit, answer, finding, follow-up, user or device calls `record()` (or,
for a batch of writes, `record_many()`) inside the same transaction as the change, so the
trail and the data can never disagree.
"""

import datetime as dt
import json
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from otto.dbtypes import UTCDateTime
from otto.extensions import append_rows, db
from otto.timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    visit_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # When the device says the change was made on site (its own clock; display only).
    client_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    before: Mapped[Any | None] = mapped_column(JSON)
    after: Mapped[Any | None] = mapped_column(JSON)


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON so dates and decimals are stored as plain values."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def record(
    actor,
    action: str,
    entity: str,
    entity_id,
    *,
    before: dict | None = None,
    after: dict | None = None,
    visit_id: str | None = None,
    client_time: dt.datetime | None = None,
) -> AuditEvent:
    """Append an audit event for `actor` (an `Actor`, or None for the system).

    Only the fields that changed are kept in before/after when both are given.
    `client_time` is the device's clock for an offline change, shown beside `at`.
    """
    event = AuditEvent(
        **event_values(
            actor,
            action,
            entity,
            entity_id,
            before=before,
            after=after,
            visit_id=visit_id,
            client_time=client_time,
        )
    )
    db.session.add(event)  # flushed with the next query or the commit, in this transaction
    return event


def event_values(
    actor,
    action: str,
    entity: str,
    entity_id,
    *,
    before: dict | None = None,
    after: dict | None = None,
    visit_id: str | None = None,
    client_time: dt.datetime | None = None,
) -> dict:
    """The column values of the audit event `record()` would append (for `record_many`)."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    return {
        "user_id": actor.user.id if actor else None,
        "device_id": actor.device_id if actor else None,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "visit_id": visit_id,
        "client_time": client_time,
        "before": _jsonable(before),
        "after": _jsonable(after),
    }


def record_many(events: list[dict]) -> None:
    """Append many audit events (from `event_values`) with multi-row INSERTs, in list order,
    in this transaction. Whatever the session still holds is flushed first, so events
    keep the order in which they were made."""
    if events:
        db.session.flush()
        append_rows(AuditEvent.__table__, events)
