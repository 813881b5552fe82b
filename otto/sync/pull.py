"""The pull side of sync: the ordered change feed, filtered by what the user may see.

A page holds at most `limit` feed entries after the cursor. Each changed entity is sent once
per page, in its current state, and only if the user may see it now; an entity the user may
no longer see (deleted, or made agency-only by another agency) is sent as a tombstone, so a
device drops what it must not keep.
"""

from sqlalchemy import select

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
    visible_changes,
    visible_items,
    visible_persons,
    visible_photo_links,
    visible_visits,
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
    """Per entity: how to load rows the user may see now, and how to serialise them."""
    return {
        "visit": (Visit, str, visible_visits(user), _VISIT.dump),
        "answer": (Answer, int, visible_items(user, Answer), _ANSWER.dump),
        "finding": (Finding, str, visible_items(user, Finding), _FINDING.dump),
        "photo_link": (PhotoLink, str, visible_photo_links(user), _photo_link),
        "signature": (
            Signature,
            str,
            Signature.visit_id.in_(select(Visit.id).where(visible_visits(user))),
            _SIGNATURE.dump,
        ),
        "conflict": (Conflict, int, visible_items(user, Conflict), _CONFLICT.dump),
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
            visible_items(user, PersonObservation),
            persons.observation_payload,
        ),
        "template_version": (
            TemplateVersion,
            int,
            TemplateVersion.status != VersionStatus.DRAFT,
            _template_version,
        ),
    }


def parse_cursor(cursor: str, epoch: str) -> int:
    """The sequence number after which to read; 409 epoch_reset for another epoch's cursor."""
    if cursor in ("", "0"):
        return 0
    cursor_epoch, _, seq = cursor.rpartition(":")
    if cursor_epoch != epoch:
        raise errors.Conflict(
            "The server was restored from a backup; push what you hold and pull from 0.",
            {"epoch": epoch},
            code="epoch_reset",
        )
    # ASCII digits only ("²".isdigit() is true), and no larger than the seq column holds.
    if not (seq.isascii() and seq.isdigit()) or int(seq) > MAX_INT:
        raise errors.Invalid("The cursor is not valid.", {"cursor": ["Use EPOCH:SEQ or 0."]})
    return int(seq)


def _bootstrap_templates() -> list[Change]:
    """At cursor 0: every published or retired template version, as synthetic changes."""
    ids = db.session.scalars(
        select(TemplateVersion.id).where(TemplateVersion.status != VersionStatus.DRAFT)
    )
    return [Change(seq=0, entity="template_version", entity_id=str(i)) for i in ids]


def pull(user, device: Device, cursor: str, limit: int) -> dict:
    """Return the changes after `cursor` that `user` may see, with the next cursor."""
    state = db.session.get(SyncState, 1)
    epoch, high = state.epoch, state.last_change_seq
    after = parse_cursor(cursor, epoch)
    rows = list(
        db.session.scalars(
            select(Change)
            .where(Change.seq > after, Change.seq <= high, visible_changes(user))
            .order_by(Change.seq)
            .limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_seq = rows[-1].seq if has_more else high
    if after == 0:
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
        "next_cursor": f"{epoch}:{next_seq}",
        "has_more": has_more,
        "acked_seq": device.last_seq,
    }
