"""The idempotency record of pushed mutations (the devices themselves are accounts')."""

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from otto.dbtypes import UUID, UTCDateTime
from otto.extensions import db
from otto.timeutil import utcnow


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
