"""The change feed devices pull: every synced write appends one entry in its transaction.

Entries get their sequence number when the writing transaction commits: a `before_commit`
hook increments the single `sync_state` counter row by the number of this transaction's new
entries and numbers them. The counter's row lock is held from then until the commit, so
commit order equals sequence order and a cursor can never skip a late commit (a database
sequence would allow it). Taking that lock last, at commit, and not at the first write,
means a transaction never waits for another row while holding the counter, so writers
cannot deadlock on it.
"""

from sqlalchemy import event, func, select, update

from otto.changes.models import Change, SyncState
from otto.extensions import Session, append_rows, db


def record_change(
    entity: str,
    entity_id,
    *,
    visit_id: str | None,
    agency_code: str | None = None,
    visibility: str = "joint",
) -> Change:
    """Append a change for an entity to the feed; it is numbered when the transaction commits."""
    change = Change(
        **change_values(
            entity, entity_id, visit_id=visit_id, agency_code=agency_code, visibility=visibility
        )
    )
    db.session.add(change)  # flushed with the next query or the commit, with its neighbours
    return change


def change_values(
    entity: str,
    entity_id,
    *,
    visit_id: str | None,
    agency_code: str | None = None,
    visibility: str = "joint",
) -> dict:
    """The column values of the feed entry `record_change` would append (for `record_changes`)."""
    return {
        "entity": entity,
        "entity_id": str(entity_id),
        "visit_id": visit_id,
        "agency_code": agency_code,
        "visibility": str(visibility),
    }


def record_changes(changes: list[dict]) -> None:
    """Append many feed entries (from `change_values`) with multi-row INSERTs, in list order;
    like record_change's, they are numbered when the transaction commits. Whatever the
    session still holds is flushed first, so entries keep the order they were made in."""
    if changes:
        db.session.flush()
        append_rows(Change.__table__, changes)


def number_new_changes(session) -> None:
    """Give this transaction's unnumbered changes the next sequence numbers, in order.

    Rows of a rolled-back savepoint are gone from the database, and other transactions'
    unnumbered rows are invisible, so `seq IS NULL` selects exactly this transaction's.
    Releasing a savepoint also fires before_commit; only the real commit numbers.
    """
    if session.in_nested_transaction():
        return
    session.flush()
    count = session.scalar(select(func.count()).where(Change.seq.is_(None)))
    if not count:
        return
    last = session.execute(
        update(SyncState)
        .where(SyncState.id == 1)
        .values(last_change_seq=SyncState.last_change_seq + count)
        .returning(SyncState.last_change_seq)
    ).scalar_one()
    # One set-based UPDATE numbers them first, first + 1, … in id order.
    table = Change.__table__
    numbered = (
        select(table.c.id, (func.row_number().over(order_by=table.c.id) + last - count).label("n"))
        .where(table.c.seq.is_(None))
        .subquery()
    )
    session.execute(update(table).where(table.c.id == numbered.c.id).values(seq=numbered.c.n))


def init_app(app) -> None:
    """Number feed entries at every commit of the application's sessions."""
    if not event.contains(Session, "before_commit", number_new_changes):
        event.listen(Session, "before_commit", number_new_changes)


def current_epoch() -> str:
    """The server's epoch; it changes when the database is restored from a backup."""
    return db.session.scalar(select(SyncState.epoch).where(SyncState.id == 1))
