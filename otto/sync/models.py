"""Devices, the idempotency record of pushed mutations, and the ordered change feed."""

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from otto.accounts.models import User
from otto.dbtypes import UUID, UTCDateTime
from otto.extensions import db
from otto.timeutil import utcnow


class Device(db.Model):
    """A tablet registered by a user; its id is a UUID made by the client."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(UUID, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Highest device_seq applied from this device (the sync protocol's acked_seq).
    last_seq: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()


class SyncMutation(db.Model):
    """One pushed mutation and its outcome, recorded in the transaction of its effect."""

    __tablename__ = "sync_mutation"
    __table_args__ = (UniqueConstraint("device_id", "mutation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    mutation_id: Mapped[str] = mapped_column(UUID)
    device_seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[Any] = mapped_column(JSON)


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

    `seq` is NULL until the writing transaction commits (see otto.sync.feed).
    """

    __tablename__ = "change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True, index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    visit_id: Mapped[str | None] = mapped_column(UUID, index=True)
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
