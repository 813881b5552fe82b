"""The ordered change feed devices pull, its counter, and the hard conflicts a merge records."""

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from otto.dbtypes import UUID, UTCDateTime
from otto.extensions import db
from otto.timeutil import utcnow


class SyncState(db.Model):
    """The single counter row: the server's epoch and the last change sequence number.

    The change feed's seq is taken by updating this row inside the writing transaction, so
    commit order equals sequence order.
    """

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(36))
    last_change_seq: Mapped[int] = mapped_column(Integer, default=0)


class Change(db.Model):
    """One entry of the feed devices pull: which entity changed, and who may see it.

    `seq` is NULL until the writing transaction commits (see otto.changes.feed).
    """

    __tablename__ = "change"
    # (visit_id, seq): a bootstrap reads only its working set's entries, in feed order;
    # (entity, entity_id, seq): whether a later entry for the same entity exists.
    __table_args__ = (
        Index("ix_change_visit_id_seq", "visit_id", "seq"),
        Index("ix_change_entity_entity_id_seq", "entity", "entity_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True, index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    visit_id: Mapped[str | None] = mapped_column(UUID)
    agency_code: Mapped[str | None] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10), default="joint")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConflictStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Conflict(db.Model):
    """A hard conflict on one field: every candidate value is kept until a coordinator
    resolves it. While any is open, the visit cannot be closed."""

    __tablename__ = "conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    # A finding's UUID, or an answer's "visit:template version:question" (36 + 1 + 10 + 1
    # + a question id of at most 80): sized for the longest key the schemas allow.
    entity_id: Mapped[str] = mapped_column(String(160))
    field: Mapped[str] = mapped_column(String(40))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agency.code"))
    visibility: Mapped[str] = mapped_column(String(10), default="joint")
    # [{value, user_id, user_name, device_id, mutation_id, at, client_time}]
    candidates: Mapped[Any] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=ConflictStatus.OPEN)
    resolution: Mapped[Any | None] = mapped_column(JSON)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
