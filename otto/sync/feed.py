"""The change feed devices pull: every synced write appends one entry in its transaction.

Entries get their sequence number when the writing transaction commits: a `before_commit`
hook increments the single `sync_state` counter row by the number of this transaction's new
entries and numbers them. The counter's row lock is held from then until the commit, so
commit order equals sequence order and a cursor can never skip a late commit (a database
sequence would allow it). Taking that lock last, at commit, and not at the first write,
means a transaction never waits for another row while holding the counter, so writers
cannot deadlock on it.
"""

from sqlalchemy import event, select, update

from otto.extensions import Session, db
from otto.sync.models import Change, SyncState


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
        entity=entity,
        entity_id=str(entity_id),
        visit_id=visit_id,
        agency_code=agency_code,
        visibility=visibility,
    )
    db.session.add(change)  # flushed with the next query or the commit, with its neighbours
    return change


def number_new_changes(session) -> None:
    """Give this transaction's unnumbered changes the next sequence numbers, in order.

    Rows of a rolled-back savepoint are gone from the database, and other transactions'
    unnumbered rows are invisible, so `seq IS NULL` selects exactly this transaction's.
    Releasing a savepoint also fires before_commit; only the real commit numbers.
    """
    if session.in_nested_transaction():
        return
    session.flush()
    ids = list(session.scalars(select(Change.id).where(Change.seq.is_(None)).order_by(Change.id)))
    if not ids:
        return
    last = session.execute(
        update(SyncState)
        .where(SyncState.id == 1)
        .values(last_change_seq=SyncState.last_change_seq + len(ids))
        .returning(SyncState.last_change_seq)
    ).scalar_one()
    first = last - len(ids) + 1
    session.execute(update(Change), [{"id": i, "seq": first + n} for n, i in enumerate(ids)])


def init_app(app) -> None:
    """Number feed entries at every commit of the application's sessions."""
    if not event.contains(Session, "before_commit", number_new_changes):
        event.listen(Session, "before_commit", number_new_changes)


def current_epoch() -> str:
    """The server's epoch; it changes when the database is restored from a backup."""
    return db.session.scalar(select(SyncState.epoch).where(SyncState.id == 1))
