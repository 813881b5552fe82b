"""Hard conflicts on answers and findings: merging with them recorded, every candidate
value kept, and counting open ones.

A conflict has the agency and CURRENT visibility of the row it is about, so it and its
candidates reach exactly the people who may see that row now: recorded after the row's
fields are set, and moved with the row (otto.inspections.visibility.follow_row_visibility).
"""

from sqlalchemy import func, select

from otto import audit
from otto.changes import merge as per_field
from otto.changes.feed import record_change
from otto.changes.merge import MergeResult, Write
from otto.changes.models import Conflict, ConflictStatus
from otto.extensions import db
from otto.inspections.visibility import conflict_follows_row


def merge(row, incoming: dict, write: Write, *, entity: str, entity_id: str) -> MergeResult:
    """Apply a write to an answer or finding under the per-field rule (otto.changes.merge),
    recording each hard conflict on the row's field (`record_conflict`)."""
    return per_field.merge(
        row,
        incoming,
        write,
        record_conflict=lambda field, candidates: record_conflict(
            row, entity=entity, entity_id=entity_id, field=field, candidates=candidates
        ),
    )


def record_conflict(row, *, entity: str, entity_id: str, field: str, candidates: list) -> Conflict:
    """Record a hard conflict on one field of `row`, once.

    When the field already has an open conflict, new candidates are added to it, so each
    true conflict is recorded once however many writers take part.
    """
    conflict = db.session.scalar(
        select(Conflict).where(
            Conflict.entity == entity,
            Conflict.entity_id == entity_id,
            Conflict.field == field,
            Conflict.status == ConflictStatus.OPEN,
        )
    )
    if conflict is None:
        conflict = Conflict(
            visit_id=row.visit_id,
            entity=entity,
            entity_id=entity_id,
            field=field,
            candidates=[],
        )
        db.session.add(conflict)
    feed = conflict_follows_row(conflict, row)
    known = {_identity(c) for c in conflict.candidates}
    conflict.candidates = conflict.candidates + [c for c in candidates if _identity(c) not in known]
    announce(conflict, visibility=feed)
    # Audited under the row's id, as its other events are (an answer's conflict key may be
    # longer than an audit entity id).
    audit.record(
        None,
        "conflict",
        entity,
        str(row.id),
        after={"field": field, "conflict_id": conflict.id},
        visit_id=conflict.visit_id,
    )
    return conflict


def announce(conflict: Conflict, *, visibility: str | None = None) -> None:
    """Put a conflict (new, grown, resolved or moved with its row's visibility) on the change
    feed for those who may see it (`visibility`: the entry's, from
    visibility.conflict_follows_row; the conflict's own by default)."""
    db.session.flush()
    record_change(
        "conflict",
        conflict.id,
        visit_id=conflict.visit_id,
        agency_code=conflict.agency_code,
        visibility=visibility or conflict.visibility,
    )


def _identity(candidate: dict) -> tuple:
    """Two candidates are the same write when they share a mutation (or author and value)."""
    if candidate.get("mutation_id"):
        return ("m", candidate["mutation_id"])
    return ("w", candidate.get("user_id"), candidate.get("device_id"), repr(candidate["value"]))


def open_conflict_count(visit_id: str) -> int:
    """How many unresolved conflicts a visit has (a visit cannot close while any is open)."""
    return db.session.scalar(
        select(func.count()).where(
            Conflict.visit_id == visit_id, Conflict.status == ConflictStatus.OPEN
        )
    )
