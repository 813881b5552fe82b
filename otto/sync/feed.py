"""The change feed devices pull: every synced write appends one entry in its transaction.

The sequence number comes from the single `sync_state` row, incremented by an UPDATE inside
the writing transaction. The row lock makes concurrent writers queue, so commit order equals
sequence order and a cursor can never skip a late commit (a database sequence would allow it).
"""

from sqlalchemy import select, update

from otto.extensions import db
from otto.sync.models import Change, SyncState


def record_change(
    entity: str,
    entity_id,
    *,
    visit_id: str | None,
    agency_code: str | None = None,
    visibility: str = "joint",
) -> Change:
    """Append a change for an entity to the feed and return it (flushed)."""
    seq = db.session.execute(
        update(SyncState)
        .where(SyncState.id == 1)
        .values(last_change_seq=SyncState.last_change_seq + 1)
        .returning(SyncState.last_change_seq)
    ).scalar_one()
    change = Change(
        seq=seq,
        entity=entity,
        entity_id=str(entity_id),
        visit_id=visit_id,
        agency_code=agency_code,
        visibility=visibility,
    )
    db.session.add(change)
    db.session.flush()
    return change


def current_epoch() -> str:
    """The server's epoch; it changes when the database is restored from a backup."""
    return db.session.scalar(select(SyncState.epoch).where(SyncState.id == 1))
