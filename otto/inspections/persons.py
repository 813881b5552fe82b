"""Persons on site: who was found working at a visited business, recorded offline on the
tablet, and each agency's own observations on them (in the staff ledger, right to work, free
text).

Protection of personal data:
- an identity number is validated (otto.inspections.identity), then stored only encrypted
  (Fernet, key PERSON_NUMBER_KEY) with a keyed hash (HMAC-SHA256, key PERSON_HASH_KEY) that
  recognises the same person on this visit (recording them twice merges) and on other visits
  ("seen at 3 businesses in 14 days") without decrypting;
- a person is agency-only unless the recording inspector makes them joint: other participants
  see only that a person was recorded, with the stated role (visibility.person_in_full);
- observations are each agency's own items under `visibility.visible_items`;
- persons are removed PERSON_RETENTION_DAYS after their visit (`remove_expired_persons`),
  leaving only the counts (PersonTally); they never appear in the joint report.
"""

import dataclasses
import datetime as dt
import hashlib
import hmac

from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import delete, distinct, func, select

from otto import audit
from otto.changes.feed import record_change
from otto.changes.merge import MergeResult, Write
from otto.changes.models import Conflict as ConflictRow
from otto.errors import Forbidden, Invalid, NotFound
from otto.extensions import db, lock_row
from otto.inspections import read_log
from otto.inspections.conflicts import merge
from otto.inspections.identity import InvalidIdentityNumber, parse_identity_number
from otto.inspections.models import (
    PersonObservation,
    PersonTally,
    SitePerson,
    Visibility,
    Visit,
    VisitStatus,
)
from otto.inspections.org_number import normalize_org_number
from otto.inspections.visibility import (
    is_participant,
    item_announcement,
    person_in_full,
    require_own_agency,
    visible_items,
    visible_persons,
)
from otto.inspections.visits import get_visit, require_open
from otto.labels import IDENTITY_ERRORS
from otto.timeutil import LOCAL_TZ, utcnow

MISSING = "missing"  # id_kind of a person without a number (then reason and date of birth)
ID_DOCUMENTS = ("pass", "id_card", "driving_licence", "residence_permit", "other", "none")
IN_LEDGER = ("yes", "no", "not_checked")
RIGHT_TO_WORK = ("yes", "no", "na")
PERSON_FIELDS = (
    "name",
    "id_kind",
    "number_token",
    "number_hash",
    "missing_reason",
    "birth_date",
    "role",
    "employer_name",
    "employer_org_number",
    "id_document",
    "visibility",
)
OBSERVATION_FIELDS = ("in_ledger", "right_to_work", "note", "visibility")
IDENTITY_FIELDS = ("id_kind", "number_token", "number_hash", "missing_reason", "birth_date")
SIGNAL_DAYS = 14  # a person seen at several businesses within this many days is a signal


# --- identity numbers: encrypted at rest, recognised by a keyed hash ------------------------


def _fernet() -> Fernet:
    return Fernet(current_app.config["PERSON_NUMBER_KEY"].encode())


def number_hash(number: str) -> str:
    """The keyed hash of a normalised identity number (the same person → the same hash)."""
    key = current_app.config["PERSON_HASH_KEY"].encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def decrypt_number(person: SitePerson) -> str | None:
    """The person's identity number in clear text (None when missing)."""
    if person.number_token is None:
        return None
    return _fernet().decrypt(person.number_token.encode()).decode()


def _identity(id_number: str | None, missing_reason: str, birth_date, today) -> dict:
    """The stored identity fields of a person, or Invalid naming what is wrong in Swedish."""
    if id_number:
        try:
            parsed = parse_identity_number(id_number, today)
        except InvalidIdentityNumber as error:
            # In Swedish: the field app shows a refused push's message as it is.
            raise Invalid(
                f"Personnumret eller samordningsnumret: {IDENTITY_ERRORS[error.code]}",
                {"id_number": [IDENTITY_ERRORS[error.code]]},
                code="invalid_identity_number",
            ) from None
        return {
            "id_kind": parsed.kind,
            "number_token": _fernet().encrypt(parsed.number.encode()).decode(),
            "number_hash": number_hash(parsed.number),
            "birth_date": parsed.birth_date,
            "missing_reason": "",
        }
    errors = {}
    if not (missing_reason or "").strip():
        errors["missing_reason"] = [IDENTITY_ERRORS["missing_reason"]]
    if birth_date is None or birth_date > today:
        errors["birth_date"] = [IDENTITY_ERRORS["birth_date"]]
    if errors:
        raise Invalid("Without an identity number: give a reason and a birth date.", errors)
    return {
        "id_kind": MISSING,
        "number_token": None,  # nosec B105: no number, so no token
        "number_hash": None,
        "birth_date": birth_date,
        "missing_reason": missing_reason.strip(),
    }


def _details(fields: dict) -> dict:
    """The stated details of a person (name, role, employer, ID document), checked."""
    errors, details = {}, {}
    if "name" in fields:
        details["name"] = (fields["name"] or "").strip()
        if not details["name"]:  # its longest: the schema's and the column's (otto.limits)
            errors["name"] = ["Ange personens namn."]
    for name in ("role", "employer_name"):
        if name in fields:
            details[name] = (fields[name] or "").strip()
    if fields.get("employer_org_number"):
        try:
            details["employer_org_number"] = normalize_org_number(fields["employer_org_number"])
        except ValueError:
            errors["employer_org_number"] = [IDENTITY_ERRORS["org_number"]]
    elif "employer_org_number" in fields:
        details["employer_org_number"] = ""
    if "id_document" in fields:
        if fields["id_document"] not in ("", *ID_DOCUMENTS):
            errors["id_document"] = [f"Must be one of {', '.join(ID_DOCUMENTS)}."]
        details["id_document"] = fields["id_document"]
    if "visibility" in fields:
        if fields["visibility"] not in set(Visibility):
            errors["visibility"] = [f"Must be one of {', '.join(Visibility)}."]
        details["visibility"] = fields["visibility"]
    if errors:
        raise Invalid("The person has invalid fields.", errors)
    return details


# --- persons ---------------------------------------------------------------------------------


def person_snapshot(person: SitePerson) -> dict:
    """The audited fields of a person: never the identity number, nor its token or hash."""
    snapshot = {f: getattr(person, f) for f in PERSON_FIELDS if not f.startswith("number_")}
    snapshot["birth_date"] = person.birth_date.isoformat() if person.birth_date else None
    return snapshot


def _changed(person: SitePerson) -> None:
    # Every participant learns that a person was recorded (with role); what each may see of
    # them is decided when the feed is read (person_payload).
    person.updated_at = utcnow()
    record_change("site_person", person.id, visit_id=person.visit_id, visibility="joint")


def _same_person(visit_id: str, identity: dict, name: str) -> SitePerson | None:
    """The person already recorded on this visit with the same number (or, without one, the
    same name and date of birth)."""
    query = select(SitePerson).where(SitePerson.visit_id == visit_id)
    if identity["number_hash"]:
        query = query.where(SitePerson.number_hash == identity["number_hash"])
    else:
        query = query.where(
            SitePerson.number_hash.is_(None),
            func.lower(SitePerson.name) == name.lower(),
            SitePerson.birth_date == identity["birth_date"],
        )
    return db.session.scalar(query.limit(1))


def record_person(
    write: Write,
    *,
    visit_id: str,
    person_id: str,
    name: str = "",
    id_number: str | None = None,
    missing_reason: str = "",
    birth_date: dt.date | None = None,
    **details,
) -> tuple[SitePerson, MergeResult]:
    """Record a person on a visit the writer takes part in, for the writer's agency.

    Recording the same person twice on one visit (same number; without one, same name and
    date of birth) merges into the first record, field by field, and never duplicates; the
    second id is announced as gone so devices drop their copy. Audited (without the number).
    """
    actor = write.actor
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    if not is_participant(actor.user, visit.id) and not actor.is_coordinator:
        raise Forbidden("Only participants of the visit record persons.")
    if actor.user.agency_code is None:
        raise Forbidden("Only an agency's inspector records persons.")
    today = dt.datetime.now(LOCAL_TZ).date()
    identity = _identity(id_number, missing_reason, birth_date, today)
    fields = _details({"name": name, **details})
    same = _same_person(visit.id, identity, fields["name"])
    if same is not None:
        if same.id != person_id:  # this tablet's copy becomes the existing person
            record_change("site_person", person_id, visit_id=visit.id, visibility="joint")
        if same.agency_code != actor.user.agency_code:
            # Another agency's person: its details stay that agency's; the writer's agency
            # adds its own observations to it.
            return same, MergeResult()

        # The first record stands; the second fills in what it left empty (no conflict:
        # both describe the same person, and neither writer had seen the other's record).
        def unset(given: dict) -> dict:
            return {k: v for k, v in given.items() if v and not getattr(same, k)}

        blind = dataclasses.replace(write, base_version=None, prev_id=None)
        return update_person(blind, same.id, _identity_fields=unset(identity), **unset(fields))
    person = SitePerson(
        id=person_id,
        visit_id=visit.id,
        agency_code=actor.user.agency_code,
        created_by_id=actor.user.id,
        device_id=actor.device_id,
        version=0,
        field_meta={},
        **{f: None for f in PERSON_FIELDS},
    )
    merge(
        person,
        {"role": "", "employer_name": "", "employer_org_number": "", "id_document": ""}
        | {"visibility": Visibility.AGENCY}
        | identity
        | fields,
        write,
        entity="site_person",
        entity_id=person.id,
    )
    db.session.add(person)
    _changed(person)
    db.session.flush()
    audit.record(
        actor,
        "create",
        "site_person",
        person.id,
        after=person_snapshot(person),
        visit_id=visit.id,
        client_time=write.client_time,
    )
    return person, MergeResult()


def update_person(
    write: Write, person_id: str, *, _identity_fields: dict | None = None, **fields
) -> tuple[SitePerson, MergeResult]:
    """Change a person's stated details (the recording agency or a coordinator); a new
    identity number is validated and stored encrypted. Merged per field like findings."""
    actor = write.actor
    person = get_person(actor.user, person_id)
    require_own_agency(actor, person, "change the person")
    require_open(get_visit(actor.user, person.visit_id))
    person = lock_row(select(SitePerson).where(SitePerson.id == person_id))
    incoming = _details(fields)
    if _identity_fields is not None:
        incoming |= _identity_fields
    elif {"id_number", "missing_reason", "birth_date"} & set(fields):
        today = dt.datetime.now(LOCAL_TZ).date()
        number, reason = fields.get("id_number"), fields.get("missing_reason", "")
        incoming |= _identity(number, reason, fields.get("birth_date"), today)
    # The same number encrypts differently each time: keep the stored token for it.
    if incoming.get("number_hash") and incoming["number_hash"] == person.number_hash:
        incoming["number_token"] = person.number_token
    before = person_snapshot(person)
    # The identity is taken as last written (no conflict): its token and hash cannot be
    # weighed against each other by a person, and a wrong number is corrected by a new one.
    identity = {k: incoming.pop(k) for k in IDENTITY_FIELDS if k in incoming}
    blind = dataclasses.replace(write, base_version=None, prev_id=None)
    result = merge(person, identity, blind, entity="site_person", entity_id=person.id)
    rest = merge(person, incoming, write, entity="site_person", entity_id=person.id)
    result = MergeResult(
        changed=result.changed + rest.changed,
        conflicts=result.conflicts + rest.conflicts,
        version=person.version,
    )
    if result.changed:
        _changed(person)
        db.session.flush()
        audit.record(
            actor,
            "update",
            "site_person",
            person.id,
            before=before,
            after=person_snapshot(person),
            visit_id=person.visit_id,
            client_time=write.client_time,
        )
    return person, result


def get_person(user, person_id: str) -> SitePerson:
    """A person recorded on a visit the user may open, or NotFound."""
    person = db.session.scalar(
        select(SitePerson).where(SitePerson.id == person_id, visible_persons(user))
    )
    if person is None:
        raise NotFound(f"No person with id {person_id}.")
    return person


def person_payload(user, person: SitePerson) -> dict:
    """A person as `user` may see them: in full (with the identity number, decrypted) for
    the recording agency, coordinators, and everyone when joint; otherwise only that a person
    was recorded, with the stated role."""
    shown = {
        "id": person.id,
        "visit_id": person.visit_id,
        "agency": person.agency_code,
        "role": person.role,
        "version": person.version,
    }
    if not person_in_full(user, person):
        return shown | {"limited": True}
    return shown | {
        "limited": False,
        "name": person.name,
        "id_kind": person.id_kind,
        "id_number": decrypt_number(person),
        "missing_reason": person.missing_reason,
        "birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "employer_name": person.employer_name,
        "employer_org_number": person.employer_org_number,
        "id_document": person.id_document,
        "visibility": person.visibility,
    }


def list_persons(user, visit_id: str) -> list[dict]:
    """The persons of a visit as `user` may see them, each with the observations the user
    may see (the dossier's list: every agency's observations merged per person)."""
    visit = get_visit(user, visit_id)
    persons = db.session.scalars(
        select(SitePerson).where(SitePerson.visit_id == visit.id).order_by(SitePerson.created_at)
    )
    persons = list(persons)
    observations: dict[str, list] = {}
    rows = list(
        db.session.scalars(
            select(PersonObservation).where(
                PersonObservation.visit_id == visit.id, visible_items(user, PersonObservation)
            )
        )
    )
    for row in rows:
        observations.setdefault(row.person_id, []).append(observation_payload(row))
    # Reads of agency-only persons (shown in full) and observations go to the read log.
    read_log.saw(user, [p for p in persons if person_in_full(user, p)] + rows)
    listed = []
    for person in persons:
        shown = person_payload(user, person) | {"observations": observations.get(person.id, [])}
        if not shown["limited"]:
            shown["businesses_seen"] = businesses_seen_at(person)
        listed.append(shown)
    return listed


# --- observations ---------------------------------------------------------------------------


def observation_payload(row: PersonObservation) -> dict:
    return {
        "id": row.id,
        "person_id": row.person_id,
        "visit_id": row.visit_id,
        "agency": row.agency_code,
        "in_ledger": row.in_ledger,
        "right_to_work": row.right_to_work,
        "note": row.note,
        "visibility": row.visibility,
        "version": row.version,
    }


def _observation_fields(fields: dict) -> dict:
    errors = {}
    for name, allowed in (
        ("in_ledger", IN_LEDGER),
        ("right_to_work", RIGHT_TO_WORK),
        ("visibility", tuple(Visibility)),
    ):
        if fields.get(name) is not None and fields[name] not in allowed:
            errors[name] = [f"Must be one of {', '.join(allowed)}."]
    if errors:
        raise Invalid("The observation has invalid fields.", errors)
    return {k: v for k, v in fields.items() if k in OBSERVATION_FIELDS}


def observe_person(
    write: Write, *, person_id: str, observation_id: str, **fields
) -> tuple[PersonObservation, MergeResult]:
    """Record or change the writer's agency's observations on a person (one row per person
    and agency, whichever tablet made it; fields merge like a finding's). Agency-only unless
    made joint. Audited."""
    actor = write.actor
    person = get_person(actor.user, person_id)
    require_open(get_visit(actor.user, person.visit_id))
    if not is_participant(actor.user, person.visit_id):
        raise Forbidden("Only participants of the visit record observations.")
    fields = _observation_fields(fields)
    agency = actor.user.agency_code
    row = db.session.scalar(
        select(PersonObservation).where(
            PersonObservation.person_id == person.id, PersonObservation.agency_code == agency
        )
    )
    if row is not None and row.id != observation_id:
        # Another tablet of the same agency made the row: merge into it, drop this id.
        record_change(
            "person_observation", observation_id, **item_announcement(row, row.visibility)
        )
    if row is None:
        row = PersonObservation(
            id=observation_id,
            person_id=person.id,
            visit_id=person.visit_id,
            agency_code=agency,
            created_by_id=actor.user.id,
            device_id=actor.device_id,
            version=0,
            field_meta={},
            in_ledger=None,
            right_to_work=None,
            # Defaults, not writes: another tablet's first value for them is no conflict.
            note="",
            visibility=Visibility.AGENCY,
        )
        action, before = "create", None
    else:
        row = lock_row(select(PersonObservation).where(PersonObservation.id == row.id))
        action, before = "update", observation_payload(row)
    before_visibility = row.visibility
    result = merge(row, fields, write, entity="person_observation", entity_id=row.id)
    if action == "create":
        db.session.add(row)
    if result.changed or action == "create":
        row.updated_at = utcnow()
        record_change("person_observation", row.id, **item_announcement(row, before_visibility))
        db.session.flush()
        audit.record(
            actor,
            action,
            "person_observation",
            row.id,
            before=before,
            after=observation_payload(row),
            visit_id=row.visit_id,
            client_time=write.client_time,
        )
    return row, result


def update_observation(
    write: Write, observation_id: str, **fields
) -> tuple[PersonObservation, MergeResult]:
    """Change fields of an observation (its own agency or a coordinator: resolving a
    conflict on it). Audited."""
    actor = write.actor
    row = db.session.scalar(
        select(PersonObservation).where(
            PersonObservation.id == observation_id, visible_items(actor.user, PersonObservation)
        )
    )
    if row is None:
        raise NotFound(f"No observation with id {observation_id}.")
    require_own_agency(actor, row, "change the observation")
    require_open(get_visit(actor.user, row.visit_id))
    fields = _observation_fields(fields)
    row = lock_row(select(PersonObservation).where(PersonObservation.id == row.id))
    before, before_visibility = observation_payload(row), row.visibility
    result = merge(row, fields, write, entity="person_observation", entity_id=row.id)
    if result.changed:
        row.updated_at = utcnow()
        record_change("person_observation", row.id, **item_announcement(row, before_visibility))
        db.session.flush()
        audit.record(
            actor,
            "update",
            "person_observation",
            row.id,
            before=before,
            after=observation_payload(row),
            visit_id=row.visit_id,
        )
    return row, result


# --- signals, statistics and retention ------------------------------------------------------


def businesses_seen_at(person: SitePerson, days: int = SIGNAL_DAYS) -> int:
    """At how many businesses the same person (by the keyed hash) was recorded within `days`
    before this visit, this one included: a signal for the coordinator's selection."""
    if person.number_hash is None:
        return 1
    visit = db.session.get(Visit, person.visit_id)
    since = visit.planned_start - dt.timedelta(days=days)
    return db.session.scalar(
        select(func.count(distinct(Visit.business_id)))
        .join(SitePerson, SitePerson.visit_id == Visit.id)
        .where(
            SitePerson.number_hash == person.number_hash,
            Visit.planned_start >= since,
            Visit.planned_start <= visit.planned_start,
        )
    )


def repeat_persons(user, since: dt.datetime, days: int = SIGNAL_DAYS) -> dict[int, int]:
    """For each business: how many persons recorded there since `since` were also recorded
    at another business within `days` of it (recognised by the keyed hash, never decrypted),
    counting only the records `user` may see in full — a police record makes no signal for
    the tax agency. Cancelled visits do not count."""
    window = dt.timedelta(days=days)
    rows = db.session.execute(
        select(SitePerson.number_hash, Visit.business_id, Visit.planned_start)
        .join(Visit, Visit.id == SitePerson.visit_id)
        .where(
            SitePerson.number_hash.is_not(None),
            Visit.planned_start >= since - window,
            Visit.status != VisitStatus.CANCELLED,
            visible_items(user, SitePerson),
        )
    ).all()
    sightings: dict[str, list[tuple[int, dt.datetime]]] = {}
    for number_hash, business_id, start in rows:
        sightings.setdefault(number_hash, []).append((business_id, start))
    repeats: set[tuple[int, str]] = set()
    for number_hash, seen in sightings.items():
        for business_id, start in seen:
            if start >= since and any(
                other != business_id and abs(start - when) <= window for other, when in seen
            ):
                repeats.add((business_id, number_hash))
    counts: dict[int, int] = {}
    for business_id, _ in repeats:
        counts[business_id] = counts.get(business_id, 0) + 1
    return counts


@dataclasses.dataclass
class PersonCounts:
    persons: int = 0
    not_in_ledger: int = 0
    no_right_to_work: int = 0


def _observed(answer_column, value, visit_ids):
    return (
        select(func.count(distinct(PersonObservation.person_id)))
        .where(PersonObservation.visit_id.in_(visit_ids), answer_column == value)
        .scalar_subquery()
    )


def person_counts(visit_ids) -> PersonCounts:
    """Persons checked on the visits `visit_ids` (a subquery), how many some agency found
    missing from the ledger and how many without right to work; visits whose persons were
    removed by retention count from their tallies."""
    live = db.session.execute(
        select(
            select(func.count(SitePerson.id))
            .where(SitePerson.visit_id.in_(visit_ids))
            .scalar_subquery(),
            _observed(PersonObservation.in_ledger, "no", visit_ids),
            _observed(PersonObservation.right_to_work, "no", visit_ids),
        )
    ).one()
    kept = db.session.execute(
        select(
            func.coalesce(func.sum(PersonTally.persons), 0),
            func.coalesce(func.sum(PersonTally.not_in_ledger), 0),
            func.coalesce(func.sum(PersonTally.no_right_to_work), 0),
        ).where(PersonTally.visit_id.in_(visit_ids))
    ).one()
    return PersonCounts(*(a + b for a, b in zip(live, kept, strict=True)))


def agency_person_counts(visit_id: str, agency_code: str) -> PersonCounts:
    """What an agency's own report says of persons on site, as counts only (never names):
    the persons it recorded or observed on the visit, those it found missing from the staff
    ledger and those it found without right to work."""
    own = PersonObservation.agency_code == agency_code
    observed = select(PersonObservation.person_id).where(
        PersonObservation.visit_id == visit_id, own
    )
    recorded = select(SitePerson.id).where(
        SitePerson.visit_id == visit_id,
        (SitePerson.agency_code == agency_code) | SitePerson.id.in_(observed),
    )

    def count(clause) -> int:
        query = select(func.count(PersonObservation.id)).where(
            PersonObservation.visit_id == visit_id, own, clause
        )
        return db.session.scalar(query)

    return PersonCounts(
        persons=db.session.scalar(select(func.count()).select_from(recorded.subquery())),
        not_in_ledger=count(PersonObservation.in_ledger == "no"),
        no_right_to_work=count(PersonObservation.right_to_work == "no"),
    )


def remove_expired_persons(actor, now: dt.datetime, days: int) -> int:
    """Remove the persons and observations of visits carried out more than `days` ago,
    keeping their counts (PersonTally). Devices are told to drop them. Audited per visit.
    Returns how many persons were removed."""
    done = (VisitStatus.COMPLETED, VisitStatus.CLOSED)
    cutoff = now - dt.timedelta(days=days)
    visit_ids = list(
        db.session.scalars(
            select(SitePerson.visit_id)
            .join(Visit, Visit.id == SitePerson.visit_id)
            .where(Visit.status.in_(done), Visit.planned_end < cutoff)
            .distinct()
        )
    )
    removed = 0
    for visit_id in visit_ids:
        one = select(Visit.id).where(Visit.id == visit_id)
        counts = person_counts(one)
        tally = db.session.get(PersonTally, visit_id) or PersonTally(
            visit_id=visit_id, persons=0, not_in_ledger=0, no_right_to_work=0
        )
        tally.persons, tally.not_in_ledger, tally.no_right_to_work = (
            counts.persons,
            counts.not_in_ledger,
            counts.no_right_to_work,
        )
        tally.removed_at = now
        db.session.add(tally)
        for row in db.session.scalars(
            select(PersonObservation).where(PersonObservation.visit_id == visit_id)
        ):
            record_change("person_observation", row.id, **item_announcement(row, row.visibility))
        person_ids = list(
            db.session.scalars(select(SitePerson.id).where(SitePerson.visit_id == visit_id))
        )
        for person_id in person_ids:
            record_change("site_person", person_id, visit_id=visit_id, visibility="joint")
        db.session.execute(
            delete(ConflictRow).where(
                ConflictRow.entity.in_(("site_person", "person_observation")),
                ConflictRow.visit_id == visit_id,
            )
        )
        db.session.execute(delete(PersonObservation).where(PersonObservation.visit_id == visit_id))
        db.session.execute(delete(SitePerson).where(SitePerson.visit_id == visit_id))
        removed += len(person_ids)
        audit.record(
            actor,
            "retention",
            "site_person",
            visit_id,
            after={"removed": len(person_ids)},
            visit_id=visit_id,
        )
    db.session.flush()
    return removed
