"""The read log: who saw which agency-only item, when and how, in one append-only table.

Every service that hands a user rows through the confidentiality rule (API lists and
single items, sync pull, the visit page, reports, exports) passes the rows it returns to
`saw()`. Only agency-only items (`visibility.is_agency_only`) are kept. Reads are gathered
per request and written when the request's transaction commits: one row per request and
visit, listing the items read (so a pull page of 500 answers is one row per visit, not 500
rows). A request that fails writes nothing: nothing was shown. Pages that do not commit
otherwise are committed after the response is made (`init_app`).

Who and how come from the request (the logged-in user or the device's token, the route),
so no caller can name its own path wrongly; outside a request (CLI, scheduled jobs) no
person reads and nothing is recorded.

The table is append-only: nothing here updates or deletes a row, except `prune()`, run by
the retention job for events older than RETENTION_YEARS.
"""

import datetime as dt

from flask import g, has_request_context, request
from sqlalchemy import ForeignKey, Integer, String, Text, delete, event, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from otto.dbtypes import UTCDateTime
from otto.extensions import Session, db, insert_rows
from otto.inspections.visibility import is_agency_only
from otto.timeutil import utcnow

# How an item was read (otto.labels.READ_HOWS), by the request's endpoint or else its
# blueprint (anything else under /api/ is "api", the rest "page").
HOW_BY_ENDPOINT = {"sync.sync_pull": "pull"}
HOW_BY_BLUEPRINT = {
    "reports": "report",
    "report_pages": "report",
    "exports": "export",
    "analysis": "export",
}
_PENDING = "read_log"  # session.info key: {(user_id, visit_id): {item key: None}}


class ReadEvent(db.Model):
    """One request's reads of agency-only items of one visit (or of no visit: signals)."""

    __tablename__ = "read_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(36))
    how: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(200))
    visit_id: Mapped[str | None] = mapped_column(String(36), index=True)
    item_count: Mapped[int] = mapped_column(Integer)
    # " finding:<id> answer:<id> ": space-separated and space-framed, so one item is found
    # with LIKE '% finding:<id> %' on every database.
    items: Mapped[str] = mapped_column(Text)

    @property
    def item_keys(self) -> list[str]:
        return self.items.split()


@event.listens_for(ReadEvent, "before_update")
@event.listens_for(ReadEvent, "before_delete")
def _append_only(_mapper, _connection, event_row) -> None:
    """No code changes or removes a logged read (`prune` deletes in bulk, by age only)."""
    raise PermissionError(f"The read log is append-only (read event {event_row.id}).")


def item_key(item) -> str:
    """How the log names an item: its table and id, e.g. `finding:3f2c…`."""
    pk = item.__mapper__.primary_key[0]
    return f"{item.__tablename__}:{getattr(item, pk.key)}"


def saw(user, items) -> None:
    """Note that `user` is being shown `items` (rows that passed the confidentiality rule);
    the agency-only ones are written to the log when this request's transaction commits."""
    if not has_request_context():
        return
    pending = db.session.info.setdefault(_PENDING, {})
    for item in items:
        if is_agency_only(item):
            keys = pending.setdefault((user.id, getattr(item, "visit_id", None)), {})
            keys[item_key(item)] = None


def saw_keys(user, visit_id: str | None, keys) -> None:
    """`saw` for items read as plain values (exports): `keys` from `item_key`, already known
    to be agency-only."""
    if not has_request_context():
        return
    pending = db.session.info.setdefault(_PENDING, {})
    bucket = pending.setdefault((user.id, visit_id), {})
    for key in keys:
        bucket[key] = None


def _how() -> str:
    if request.endpoint in HOW_BY_ENDPOINT:
        return HOW_BY_ENDPOINT[request.endpoint]
    if request.blueprint in HOW_BY_BLUEPRINT:
        return HOW_BY_BLUEPRINT[request.blueprint]
    return "api" if request.path.startswith("/api/") else "page"


def _write_pending(session) -> None:
    """Before a commit: append the reads gathered in this transaction, one row per user and
    visit, in one multi-row INSERT."""
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_request_context():
        return
    actor = g.get("actor")
    device_id = actor.device_id if actor is not None else None
    how, route = _how(), f"{request.method} {request.path}"[:200]
    now = utcnow()
    rows = [
        {
            "at": now,
            "user_id": user_id,
            "device_id": device_id,
            "how": how,
            "route": route,
            "visit_id": visit_id,
            "item_count": len(keys),
            "items": f" {' '.join(keys)} ",
        }
        for (user_id, visit_id), keys in pending.items()
    ]
    insert_rows(insert(ReadEvent.__table__), rows)


def _forget_pending(session, _previous_transaction=None) -> None:
    """After a rollback: what was gathered was never shown."""
    session.info.pop(_PENDING, None)


def _commit_reads(response):
    """After a page that made no commit of its own: commit the reads it showed (only for a
    successful response)."""
    if db.session.info.get(_PENDING) and response.status_code < 400:
        db.session.commit()
    return response


def init_app(app) -> None:
    """Write gathered reads at every commit, forget them at a rollback, and commit a
    successful request's reads when its view did not."""
    if not event.contains(Session, "before_commit", _write_pending):
        event.listen(Session, "before_commit", _write_pending)
        event.listen(Session, "after_soft_rollback", _forget_pending)
    app.after_request(_commit_reads)


def events(*, user_id: int | None = None, visit_id: str | None = None, item: str | None = None):
    """A query for read events, newest first, optionally of one user, one visit, or one item
    (an item's id, or `entity:id`)."""
    query = select(ReadEvent).order_by(ReadEvent.at.desc(), ReadEvent.id.desc())
    if user_id is not None:
        query = query.where(ReadEvent.user_id == user_id)
    if visit_id:
        query = query.where(ReadEvent.visit_id == visit_id)
    if item:
        item = item.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"% {item} %" if ":" in item else f"%:{item} %"
        query = query.where(ReadEvent.items.like(pattern, escape="\\"))
    return query


def prune(before: dt.datetime) -> int:
    """Delete the read events older than `before` (the retention job's, and the only
    delete of this table); returns how many."""
    result = db.session.execute(delete(ReadEvent).where(ReadEvent.at < before))
    return result.rowcount
