"""The pull side of sync: the ordered change feed, filtered by what the user may see.

A page holds at most `limit` feed entries after the cursor. Each changed entity is sent once
per page, in its current state, and only if the user may see it now; an entity the user may
no longer see (deleted, or made agency-only by another agency) is sent as a tombstone, so a
device drops what it must not keep.

A device holds its user's working set (otto.inspections.visibility.working_set_visits), not
their history. Bootstrap (cursor 0) sends the working set's current state: the newest feed
entry of each entity of its visits up to the feed's end when the bootstrap began, read from
those visits' entries only; its later pages carry that end in the cursor (EPOCH:SEQ:UNTIL).
After it, pulls read the feed after the cursor, checking each entry by correlated EXISTS, so
a page costs the rows it reads at any length of history. A visit that leaves the working set
(archived, or its participant taken off) arrives as a visit tombstone: an eviction, on which
the device drops the visit with everything of it once its own unsent work there is
acknowledged.
"""

from sqlalchemy import select
from sqlalchemy.orm import aliased

from otto import errors
from otto.accounts.models import Device
from otto.changes.models import Change, Conflict, SyncState
from otto.checklists.models import TemplateVersion, VersionStatus
from otto.extensions import db
from otto.inspections import persons, read_log
from otto.inspections.models import (
    Answer,
    Finding,
    PersonObservation,
    PhotoLink,
    Signature,
    SitePerson,
    Visit,
)
from otto.inspections.schemas import AnswerSchema, FindingSchema, SignatureSchema, VisitSchema
from otto.inspections.visibility import (
    visible_items,
    visible_persons,
    visible_photo_links,
    working_set_changes,
    working_set_visits,
)
from otto.schemas import MAX_INT
from otto.sync.schemas import ConflictSchema

_VISIT = VisitSchema()
_ANSWER = AnswerSchema()
_FINDING = FindingSchema()
_SIGNATURE = SignatureSchema()
_CONFLICT = ConflictSchema()


def _template_version(version: TemplateVersion) -> dict:
    return {
        "id": version.id,
        "key": version.template.key,
        "agency": version.template.agency_code,
        "title": version.template.title,
        "version": version.version,
        "status": version.status,
        "body": version.body,
    }


def _photo_link(link: PhotoLink) -> dict:
    return {
        "id": link.id,
        "visit_id": link.visit_id,
        "agency": link.agency_code,
        "photo_sha256": link.photo_sha256,
        "finding_id": link.finding_id,
        "question_id": link.question_id,
        "caption": link.caption,
        "visibility": link.visibility,
        "version": link.version,
        "deleted": link.deleted_at is not None,
    }


def _loaders(user):
    """Per entity: how to load rows the user may see now, and how to serialise them. A
    page's rows are picked by key and checked row by row (`per_row`)."""
    return {
        "visit": (Visit, str, working_set_visits(user), _VISIT.dump),
        "answer": (Answer, int, visible_items(user, Answer, per_row=True), _ANSWER.dump),
        "finding": (Finding, str, visible_items(user, Finding, per_row=True), _FINDING.dump),
        "photo_link": (PhotoLink, str, visible_photo_links(user, per_row=True), _photo_link),
        "signature": (
            Signature,
            str,
            Signature.visit_id.in_(select(Visit.id).where(working_set_visits(user))),
            _SIGNATURE.dump,
        ),
        "conflict": (Conflict, int, visible_items(user, Conflict, per_row=True), _CONFLICT.dump),
        # Persons on site: each participant sees that a person was recorded; what of them is
        # persons.person_payload's decision (visibility.person_in_full).
        "site_person": (
            SitePerson,
            str,
            visible_persons(user),
            lambda person: persons.person_payload(user, person),
        ),
        "person_observation": (
            PersonObservation,
            str,
            visible_items(user, PersonObservation, per_row=True),
            persons.observation_payload,
        ),
        "template_version": (
            TemplateVersion,
            int,
            TemplateVersion.status != VersionStatus.DRAFT,
            _template_version,
        ),
    }


def parse_cursor(cursor: str, epoch: str) -> tuple[int, int | None]:
    """The sequence number after which to read and, while a bootstrap is under way, the end
    of the feed it reads up to (else None); 409 epoch_reset for another epoch's cursor."""
    if cursor in ("", "0"):
        return 0, None
    cursor_epoch, _, rest = cursor.partition(":")
    if cursor_epoch != epoch:
        raise errors.Conflict(
            "The server was restored from a backup; push what you hold and pull from 0.",
            {"epoch": epoch},
            code="epoch_reset",
        )
    parts = rest.split(":")
    # ASCII digits only ("²".isdigit() is true), and no larger than the seq column holds.
    if len(parts) > 2 or not all(p.isascii() and p.isdigit() and int(p) <= MAX_INT for p in parts):
        raise errors.Invalid(
            "The cursor is not valid.", {"cursor": ["Use the next_cursor of a pull, or 0."]}
        )
    return int(parts[0]), int(parts[1]) if len(parts) == 2 else None


def _bootstrap_templates() -> list[Change]:
    """At cursor 0: every published or retired template version, as synthetic changes."""
    ids = db.session.scalars(
        select(TemplateVersion.id).where(TemplateVersion.status != VersionStatus.DRAFT)
    )
    return [Change(seq=0, entity="template_version", entity_id=str(i)) for i in ids]


def bootstrap_query(user, after: int, until: int, limit: int):
    """The working set's current state: of each of its entities, the newest entry up to
    `until` (a later one for the same entity and visit means this one is not sent).

    The working set's visits are read first and named in the query, so that every database
    reads their entries by `change(visit_id, seq)` and never walks the whole feed (given a
    subquery instead, PostgreSQL walks the feed from seq 0)."""
    visit_ids = list(db.session.scalars(select(Visit.id).where(working_set_visits(user))))
    later = aliased(Change)
    superseded = (
        select(later.id)
        .where(
            later.entity == Change.entity,
            later.entity_id == Change.entity_id,
            later.visit_id == Change.visit_id,
            later.seq > Change.seq,
            later.seq <= until,
        )
        .exists()
    )
    return (
        select(Change)
        .where(Change.visit_id.in_(visit_ids), Change.seq > after, Change.seq <= until)
        .where(visible_items(user, Change, per_row=True), ~superseded)
        .order_by(Change.seq)
        .limit(limit)
    )


def feed_query(user, after: int, high: int, limit: int):
    """The entries after `after` that reach the user's devices (`working_set_changes`)."""
    return (
        select(Change)
        .where(Change.seq > after, Change.seq <= high, working_set_changes(user))
        .order_by(Change.seq)
        .limit(limit)
    )


def pull(user, device: Device, cursor: str, limit: int) -> dict:
    """Return the changes after `cursor` that `user` may see, with the next cursor.

    Cursor 0 starts a bootstrap of the working set (`bootstrap_query`); when it is done, the
    next cursor continues with the feed written meanwhile (`has_more` says so).
    """
    state = db.session.get(SyncState, 1)
    epoch, high = state.epoch, state.last_change_seq
    after, until = parse_cursor(cursor, epoch)
    starting = cursor in ("", "0")
    if starting:
        until = high
    if until is not None:
        query = bootstrap_query(user, after, until, limit + 1)
    else:
        query = feed_query(user, after, high, limit + 1)
    rows = list(db.session.scalars(query))
    has_more = len(rows) > limit
    rows = rows[:limit]
    if has_more:
        tail = f":{until}" if until is not None else ""
        next_cursor = f"{epoch}:{rows[-1].seq}{tail}"
    else:
        end = high if until is None else until
        has_more = end < high  # a finished bootstrap goes on with what was written meanwhile
        next_cursor = f"{epoch}:{end}"
    if starting:
        rows = _bootstrap_templates() + rows
    latest: dict[tuple[str, str], Change] = {}
    for change in rows:
        latest.pop((change.entity, change.entity_id), None)
        latest[(change.entity, change.entity_id)] = change  # keeps feed order of last change
    changes = []
    loaders = _loaders(user)
    by_entity: dict[str, list[str]] = {}
    for entity, entity_id in latest:
        by_entity.setdefault(entity, []).append(entity_id)
    loaded = {}
    for entity, ids in by_entity.items():
        model, convert, visible, dump = loaders[entity]
        pk = model.__mapper__.primary_key[0]
        query = select(model).where(pk.in_([convert(i) for i in ids]), visible)
        rows = list(db.session.scalars(query))
        read_log.saw(user, rows)  # one log row per visit for the page, not one per item
        for row in rows:
            loaded[(entity, str(getattr(row, pk.key)))] = dump(row)
    for (entity, entity_id), change in latest.items():
        data = loaded.get((entity, entity_id))
        entry = {"seq": change.seq, "entity": entity, "id": entity_id}
        if data is None:
            entry["deleted"] = True
        else:
            entry["data"] = data
        changes.append(entry)
    return {
        "changes": changes,
        "next_cursor": next_cursor,
        "has_more": has_more,
        "acked_seq": device.last_seq,
    }
