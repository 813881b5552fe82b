"""Applying a device's pushed operation log (DESIGN.md "Sync protocol", push).

One device's pushes are applied one at a time in device_seq order: the device row is locked
(SQLite: every transaction takes the write lock at BEGIN). Each mutation goes through the
same service functions the API and pages use, and its outcome is recorded with
`(device, mutation id)` in the same transaction, so a retried batch replays the recorded
outcomes instead of applying anything twice.

Answers, the bulk of every push, are applied a run at a time: consecutive answer mutations
go to `answers.set_answers`, which checks and merges each one as `set_answer` would, in
order, but creates, locks and writes the rows in a few statements. Their checks come
before any write, so a refused answer needs no savepoint. Every other mutation runs alone
in its own savepoint (`apply_mutation`), between the runs, so the order of effects is the
device_seq order.
"""

import dataclasses
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from otto import errors
from otto.accounts.models import Device
from otto.changes.feed import current_epoch
from otto.changes.merge import MergeResult, Write
from otto.extensions import append_rows, db, one_of
from otto.inspections import answers, findings, persons, signatures, visits
from otto.sync import tablet_resolution
from otto.sync.models import SyncMutation
from otto.sync.schemas import MUTATION_FIELDS, NEW_FINDING, MutationSchema


class SeqGap(errors.Conflict):
    code = "seq_gap"


def _outcome(version: int, result: MergeResult) -> dict:
    if result.conflicts:
        return {
            "status": "conflict",
            "version": version,
            "conflicts": [
                {"conflict_id": c.id, "field": c.field, "candidates": c.candidates}
                for c in result.conflicts
            ],
        }
    return {"status": "applied", "version": version}


def _rejected(error: errors.DomainError) -> dict:
    outcome = {"status": "rejected", "code": error.code, "message": error.message}
    if error.details:  # e.g. which field is too long and its limit (otto.limits)
        outcome["details"] = error.details
    return outcome


def _require_template_version(mutation: dict) -> None:
    if mutation.get("template_version") is None:
        raise errors.Invalid("An answer needs its template_version.", code="invalid_field")


def _answer_write(write: Write, mutation: dict) -> answers.AnswerWrite:
    """The answer a mutation writes (refused without its template version)."""
    _require_template_version(mutation)
    fields = mutation["fields"]
    return answers.AnswerWrite(
        write,
        visit_id=mutation["visit_id"],
        template_version_id=mutation["template_version"],
        question_id=mutation["entity_id"],
        value=fields.get("value"),
        note=fields.get("note"),
        visibility=fields.get("visibility"),
    )


def _apply_answer(write: Write, mutation: dict) -> dict:
    item = _answer_write(write, mutation)
    answer, result = answers.set_answer(
        **{field.name: getattr(item, field.name) for field in dataclasses.fields(item)}
    )
    return _outcome(answer.version, result)


def _apply_finding(write: Write, mutation: dict) -> dict:
    fields = mutation["fields"]
    existing = db.session.get(findings.Finding, mutation["entity_id"])
    if existing is None:
        if fields.get("deleted") is True and set(fields) == {"deleted"}:
            return {"status": "applied", "version": 0}  # created and deleted offline
        fields = _load_fields(NEW_FINDING, mutation["raw_fields"])
        finding = findings.create_finding(
            write, visit_id=mutation["visit_id"], finding_id=mutation["entity_id"], **fields
        )
        return _outcome(finding.version, MergeResult())
    if existing.visit_id != mutation["visit_id"]:
        raise errors.Invalid("The finding belongs to another visit.", code="invalid_field")
    fields = dict(fields)
    if fields.pop("deleted", False):
        finding, result = findings.delete_finding(write, existing.id)
    else:
        finding, result = findings.update_finding(write, existing.id, **fields)
    return _outcome(finding.version, result)


def _apply_photo_link(write: Write, mutation: dict) -> dict:
    from otto.inspections import photos

    fields = mutation["fields"]
    if fields.get("deleted"):
        link = photos.unlink_photo(write.actor, mutation["entity_id"])
    else:
        link = photos.link_photo(
            write.actor,
            visit_id=mutation["visit_id"],
            link_id=mutation["entity_id"],
            photo_sha256=fields.get("photo_sha256", ""),
            finding_id=fields.get("finding_id"),
            question_id=fields.get("question_id"),
            caption=fields.get("caption", ""),
        )
    return {"status": "applied", "version": link.version}


def _apply_signature(write: Write, mutation: dict) -> dict:
    fields = mutation["fields"]
    signatures.add_signature(
        write.actor,
        visit_id=mutation["visit_id"],
        signature_id=mutation["entity_id"],
        signer_name=fields["signer_name"],
        signer_role=fields["signer_role"],
        image_sha256=fields["image_sha256"],
        signed_at=fields["signed_at"],
    )
    return {"status": "applied", "version": 1}


def _apply_visit_status(write: Write, mutation: dict) -> dict:
    visit = visits.set_visit_status(write.actor, mutation["visit_id"], mutation["fields"]["status"])
    return {"status": "applied", "version": visit.version}


def _apply_person(write: Write, mutation: dict) -> dict:
    existing = db.session.get(persons.SitePerson, mutation["entity_id"])
    if existing is None:
        person, result = persons.record_person(
            write,
            visit_id=mutation["visit_id"],
            person_id=mutation["entity_id"],
            **mutation["fields"],
        )
    elif existing.visit_id != mutation["visit_id"]:
        raise errors.Invalid("The person belongs to another visit.", code="invalid_field")
    else:
        person, result = persons.update_person(write, existing.id, **mutation["fields"])
    return _outcome(person.version, result)


def _apply_observation(write: Write, mutation: dict) -> dict:
    row, result = persons.observe_person(
        write, observation_id=mutation["entity_id"], **mutation["fields"]
    )
    if row.visit_id != mutation["visit_id"]:
        raise errors.Invalid("The person belongs to another visit.", code="invalid_field")
    return _outcome(row.version, result)


_APPLY = {
    "answer": _apply_answer,
    "finding": _apply_finding,
    "photo_link": _apply_photo_link,
    "signature": _apply_signature,
    "visit_status": _apply_visit_status,
    "site_person": _apply_person,
    "person_observation": _apply_observation,
    tablet_resolution.ENTITY: tablet_resolution.apply_conflict_resolution,
}
_FIELDS = MUTATION_FIELDS | {tablet_resolution.ENTITY: tablet_resolution.ConflictResolutionFields()}


def _load_fields(schema, fields: dict) -> dict:
    try:
        return schema.load(fields)
    except ValidationError as error:
        raise errors.Invalid(
            "The mutation's fields are not valid.", error.messages, code="invalid_fields"
        ) from None


def _prepare(actor, mutation: dict) -> tuple[dict, Write]:
    """The mutation with its fields loaded, and its Write; DomainError when malformed."""
    raw = mutation["fields"]
    mutation = mutation | {
        "fields": _load_fields(_FIELDS[mutation["entity"]], raw),
        "raw_fields": raw,
    }
    write = Write(
        actor,
        mutation_id=mutation["id"],
        prev_id=mutation.get("prev_id"),
        base_version=mutation.get("base_version") or 0,
        client_time=mutation.get("client_time"),
        strict=False,
    )
    return mutation, write


def apply_mutation(actor, mutation: dict) -> dict:
    """Apply one mutation through the domain services and return its outcome.

    Raises a DomainError when the mutation is refused; the caller records it as rejected.
    """
    mutation, write = _prepare(actor, mutation)
    return _APPLY[mutation["entity"]](write, mutation)


def apply_answers(actor, mutations: list[dict]) -> list[dict]:
    """Apply a run of answer mutations in order and return their outcomes (rejected ones
    included): the same outcomes and effects as `apply_mutation` on each in turn."""
    outcomes: list[dict | None] = [None] * len(mutations)
    items, positions = [], []
    for position, mutation in enumerate(mutations):
        try:
            mutation, write = _prepare(actor, mutation)
            items.append(_answer_write(write, mutation))
        except errors.DomainError as error:
            outcomes[position] = _rejected(error)
            continue
        positions.append(position)
    for position, result in zip(positions, answers.set_answers(actor, items), strict=True):
        if isinstance(result, errors.DomainError):
            outcomes[position] = _rejected(result)
        else:
            outcomes[position] = _outcome(result.version, result)
    return outcomes


def _recorded(device_id: str, mutation_ids: list[str]) -> dict[str, dict]:
    """The recorded outcomes of those mutations this device has pushed before, by id."""
    query = select(SyncMutation.mutation_id, SyncMutation.result).where(
        SyncMutation.device_id == device_id, one_of(SyncMutation.mutation_id, mutation_ids)
    )
    return {mutation_id: result for mutation_id, result in db.session.execute(query)}


def _record(device_id: str, mutation: dict, outcome: dict) -> dict:
    """Record a mutation's outcome under (device, mutation id), in this transaction."""
    db.session.add(
        SyncMutation(
            device_id=device_id,
            mutation_id=mutation["id"],
            device_seq=mutation["device_seq"],
            result=outcome,
        )
    )
    return outcome


def _record_many(device_id: str, mutations: list[dict], outcomes: list[dict]) -> None:
    """`_record` for a run of mutations, in multi-row INSERTs (after what the session holds,
    so the records keep device_seq order)."""
    if not mutations:
        return
    db.session.flush()
    rows = [
        {
            "device_id": device_id,
            "mutation_id": mutation["id"],
            "device_seq": mutation["device_seq"],
            "result": outcome,
        }
        for mutation, outcome in zip(mutations, outcomes, strict=True)
    ]
    append_rows(SyncMutation.__table__, rows)


def _check_sequence(mutations: list[dict], last_seq: int) -> None:
    """Refuse the whole batch when it skips a sequence number (nothing is applied); the
    device is told to send its outbox from the first mutation not acknowledged."""
    expected = last_seq + 1
    for seq in sorted({m["device_seq"] for m in mutations if m["device_seq"] > last_seq}):
        if seq != expected:
            raise SeqGap(
                f"Mutation {expected} is missing; send the outbox from {last_seq + 1}.",
                {"expected_seq": last_seq + 1},
                code="seq_gap",
            )
        expected += 1


_ENVELOPE = MutationSchema()


def _envelope_field(raw: dict, name: str, schema_field) -> Any:
    """One envelope field of a malformed mutation, when it is valid on its own (else None)."""
    try:
        return schema_field.deserialize(raw.get(name))
    except ValidationError:
        return None


def _text(value) -> str | None:
    return None if value is None else str(value)[:80]


def _load_envelopes(raw_mutations: list[dict]) -> tuple[list[dict], list[dict]]:
    """The mutations with a valid envelope, and the results of the others: `rejected` with
    code `invalid_mutation`. A malformed mutation whose id and device_seq are valid keeps
    its sequence number (recorded when its id is valid, so a retry replays it); one
    without a valid device_seq has no place in the sequence."""
    loaded, refused = [], []
    for raw in raw_mutations:
        try:
            loaded.append(_ENVELOPE.load(raw))
            continue
        except ValidationError as error:
            messages = error.messages
        mutation_id = _envelope_field(raw, "id", _ENVELOPE.fields["id"])
        seq = _envelope_field(raw, "device_seq", _ENVELOPE.fields["device_seq"])
        outcome = {
            "status": "rejected",
            "code": "invalid_mutation",
            "message": f"The mutation is not valid: {messages}",
        }
        if seq is not None:  # it keeps its place in the sequence, so nothing jams
            loaded.append(
                {"id": mutation_id, "device_seq": seq, "refused": outcome, "raw_id": raw.get("id")}
            )
        else:
            refused.append({"id": _text(raw.get("id")), "device_seq": None, **outcome})
    return loaded, refused


def push(
    actor, device_id: str, epoch: str, mutations: list[dict], *, batch_answers: bool = True
) -> dict[str, Any]:
    """Apply a pushed batch for a device and return each mutation's outcome and acked_seq.

    Outcomes: applied, duplicate (replayed from the record), conflict, or rejected (with a
    machine code: `invalid_mutation` for a malformed envelope, `invalid_fields` for fields
    the entity's schema refuses, `seq_reused` for a device_seq already used by another
    mutation id, or the service's own). A rejected mutation still uses up its sequence
    number, so a device's queue can never jam. `batch_answers=False` applies answers one at
    a time like every other mutation: the reference the batched path is tested against.
    """
    if epoch != current_epoch():
        raise errors.Conflict(
            "The server was restored from a backup; push everything you still hold again.",
            {"epoch": current_epoch()},
            code="epoch_reset",
        )
    mutations, refused = _load_envelopes(mutations)
    device = db.session.scalar(select(Device).where(Device.id == device_id).with_for_update())
    _check_sequence(mutations, device.last_seq)
    last_seq = device.last_seq  # written back once: one UPDATE per push, not per mutation
    recorded = _recorded(
        device.id, [m["id"] for m in mutations if m["id"]]
    )  # mutation id → outcome
    taken = set(recorded)  # ids recorded before or taken by this push: later ones replay
    entries = []  # (mutation, applied here?) in device_seq order
    run = []  # answer mutations waiting to be applied together

    def apply_run():
        if not run:
            return
        outcomes = apply_answers(actor, run)
        _record_many(device.id, run, outcomes)
        recorded.update((m["id"], outcome) for m, outcome in zip(run, outcomes, strict=True))
        run.clear()

    for mutation in sorted(mutations, key=lambda m: m["device_seq"]):
        if mutation["id"] is None:  # malformed id: rejected in its place, not recorded
            entries.append((mutation, True))
            last_seq = max(last_seq, mutation["device_seq"])
            continue
        duplicate = mutation["id"] in taken
        entries.append((mutation, not duplicate))
        if duplicate:
            continue
        taken.add(mutation["id"])
        if mutation["device_seq"] <= last_seq:
            outcome = _rejected(
                errors.Conflict(
                    f"device_seq {mutation['device_seq']} was used by another mutation.",
                    code="seq_reused",
                )
            )
        elif "refused" in mutation:
            outcome = mutation["refused"]
        elif mutation["entity"] == "answer" and batch_answers:
            last_seq = mutation["device_seq"]
            run.append(mutation)
            continue
        else:
            apply_run()  # the answers before this mutation take effect first
            try:
                with db.session.begin_nested():
                    outcome = apply_mutation(actor, mutation)
            except errors.DomainError as error:
                outcome = _rejected(error)
        last_seq = max(last_seq, mutation["device_seq"])
        apply_run()
        recorded[mutation["id"]] = _record(device.id, mutation, outcome)
    apply_run()
    device.last_seq = last_seq
    db.session.flush()
    results = []
    for mutation, applied_here in entries:
        if mutation["id"] is None:
            results.append(
                {"id": _text(mutation["raw_id"]), "device_seq": mutation["device_seq"]}
                | mutation["refused"]
            )
            continue
        outcome = recorded[mutation["id"]]
        if not applied_here:
            outcome = {"status": "duplicate", "original": outcome}
        results.append({"id": mutation["id"], "device_seq": mutation["device_seq"], **outcome})
    return {"results": results + refused, "acked_seq": last_seq}
