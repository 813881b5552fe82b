"""Applying a device's pushed operation log (DESIGN.md "Sync protocol", push).

One device's pushes are applied one at a time in device_seq order: the device row is locked
(SQLite: every transaction takes the write lock at BEGIN). Each mutation runs in its own
savepoint through the same service functions the API and pages use, and its outcome is
recorded with `(device, mutation id)` in the same transaction, so a retried batch replays
the recorded outcomes instead of applying anything twice.
"""

import datetime as dt
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select

from otto import errors
from otto.extensions import db
from otto.inspections import answers, findings, signatures, visits
from otto.sync.feed import current_epoch
from otto.sync.merge import MergeResult, Write
from otto.sync.models import Device, SyncMutation
from otto.sync.schemas import MUTATION_FIELDS


class SeqGap(errors.Conflict):
    code = "seq_gap"


def _parse_time(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise errors.Invalid(f"'{field}' is not an ISO 8601 time.", code="invalid_field") from None
    if parsed.tzinfo is None:
        raise errors.Invalid(f"'{field}' needs a time zone offset.", code="invalid_field")
    return parsed


def _outcome(row, result: MergeResult) -> dict:
    if result.conflicts:
        return {
            "status": "conflict",
            "version": row.version,
            "conflicts": [
                {"conflict_id": c.id, "field": c.field, "candidates": c.candidates}
                for c in result.conflicts
            ],
        }
    return {"status": "applied", "version": getattr(row, "version", 1)}


def _apply_answer(write: Write, mutation: dict) -> dict:
    fields = mutation["fields"]
    if mutation.get("template_version") is None:
        raise errors.Invalid("An answer needs its template_version.", code="invalid_field")
    answer, result = answers.set_answer(
        write,
        visit_id=mutation["visit_id"],
        template_version_id=mutation["template_version"],
        question_id=mutation["entity_id"],
        value=fields.get("value"),
        note=fields.get("note"),
        visibility=fields.get("visibility"),
    )
    return _outcome(answer, result)


def _apply_finding(write: Write, mutation: dict) -> dict:
    fields = dict(mutation["fields"])
    existing = db.session.get(findings.Finding, mutation["entity_id"])
    if existing is None:
        if fields.get("deleted"):
            return {"status": "applied", "version": 0}  # created and deleted offline
        finding = findings.create_finding(
            write, visit_id=mutation["visit_id"], finding_id=mutation["entity_id"], **fields
        )
        return _outcome(finding, MergeResult())
    if existing.visit_id != mutation["visit_id"]:
        raise errors.Invalid("The finding belongs to another visit.", code="invalid_field")
    if fields.get("deleted"):
        finding, result = findings.delete_finding(write, existing.id)
    else:
        finding, result = findings.update_finding(write, existing.id, **fields)
    return _outcome(finding, result)


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


_APPLY = {
    "answer": _apply_answer,
    "finding": _apply_finding,
    "photo_link": _apply_photo_link,
    "signature": _apply_signature,
    "visit_status": _apply_visit_status,
}


def apply_mutation(actor, mutation: dict) -> dict:
    """Apply one mutation through the domain services and return its outcome.

    Raises a DomainError when the mutation is refused; the caller records it as rejected.
    """
    try:
        mutation = mutation | {
            "fields": MUTATION_FIELDS[mutation["entity"]].load(mutation["fields"])
        }
    except ValidationError as error:
        raise errors.Invalid(
            "The mutation's fields are not valid.", error.messages, code="invalid_fields"
        ) from None
    write = Write(
        actor,
        mutation_id=mutation["id"],
        prev_id=mutation.get("prev_id"),
        base_version=mutation.get("base_version") or 0,
        client_time=_parse_time(mutation.get("client_time"), "client_time"),
        strict=False,
    )
    return _APPLY[mutation["entity"]](write, mutation)


def _recorded(device_id: str, mutation_ids: list[str]) -> dict[str, SyncMutation]:
    """The recorded outcomes of those mutations this device has pushed before."""
    query = select(SyncMutation).where(
        SyncMutation.device_id == device_id, SyncMutation.mutation_id.in_(mutation_ids)
    )
    return {m.mutation_id: m for m in db.session.scalars(query)}


def _check_sequence(mutations: list[dict], last_seq: int) -> None:
    """Refuse the whole batch when it skips a sequence number (nothing is applied)."""
    expected = last_seq + 1
    for seq in sorted({m["device_seq"] for m in mutations if m["device_seq"] > last_seq}):
        if seq != expected:
            raise SeqGap(
                f"Mutation {expected} is missing; send the outbox from there.",
                {"expected_seq": expected},
                code="seq_gap",
            )
        expected += 1


def push(actor, device_id: str, epoch: str, mutations: list[dict]) -> dict[str, Any]:
    """Apply a pushed batch for a device and return each mutation's outcome and acked_seq.

    Outcomes: applied, duplicate (replayed from the record), conflict, or rejected (with a
    machine code). A rejected mutation still uses up its sequence number, so a device's
    queue can never jam.
    """
    if epoch != current_epoch():
        raise errors.Conflict(
            "The server was restored from a backup; push everything you still hold again.",
            {"epoch": current_epoch()},
            code="epoch_reset",
        )
    device = db.session.scalar(select(Device).where(Device.id == device_id).with_for_update())
    _check_sequence(mutations, device.last_seq)
    last_seq = device.last_seq  # written back once: one UPDATE per push, not per mutation
    results = []
    recorded_before = _recorded(device.id, [m["id"] for m in mutations])
    for mutation in sorted(mutations, key=lambda m: m["device_seq"]):
        recorded = recorded_before.get(mutation["id"])
        if mutation["device_seq"] <= last_seq or recorded is not None:
            original = recorded.result if recorded else {"status": "unknown"}
            outcome = {"status": "duplicate", "original": original}
        else:
            try:
                with db.session.begin_nested():
                    outcome = apply_mutation(actor, mutation)
            except errors.DomainError as error:
                outcome = {"status": "rejected", "code": error.code, "message": error.message}
            record = SyncMutation(
                device_id=device.id,
                mutation_id=mutation["id"],
                device_seq=mutation["device_seq"],
                result=outcome,
            )
            db.session.add(record)
            recorded_before[mutation["id"]] = record  # the same mutation twice in one batch
        last_seq = max(last_seq, mutation["device_seq"])
        results.append({"id": mutation["id"], "device_seq": mutation["device_seq"], **outcome})
    device.last_seq = last_seq
    db.session.flush()
    return {"results": results, "acked_seq": last_seq}
