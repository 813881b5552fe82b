"""Resolving hard conflicts: the coordinator picks a candidate or types a new value.

The chosen value is written through the same services as any other change (so it is
audited and reaches devices through pull), then the conflict is marked resolved.
"""

from marshmallow import ValidationError
from sqlalchemy import select

from otto import audit, errors
from otto.changes.merge import Write
from otto.changes.models import Conflict, ConflictStatus
from otto.extensions import db
from otto.inspections import answers, findings, read_log
from otto.inspections.conflicts import announce
from otto.inspections.models import Answer
from otto.inspections.schemas import AnswerFieldsSchema, FindingChangeFieldsSchema
from otto.inspections.visibility import visible_items
from otto.timeutil import utcnow

# The entities a conflict can be about, and the schema a chosen value is checked by: the
# API's own, as sync checks a mutation's (otto.sync.schemas.MUTATION_FIELDS).
CONFLICT_FIELDS = {"answer": AnswerFieldsSchema(), "finding": FindingChangeFieldsSchema()}


def list_conflicts(user, visit_id: str, *, include_resolved: bool = False) -> list[Conflict]:
    """The conflicts of a visit that the user may see."""
    query = select(Conflict).where(Conflict.visit_id == visit_id, visible_items(user, Conflict))
    if not include_resolved:
        query = query.where(Conflict.status == ConflictStatus.OPEN)
    rows = list(db.session.scalars(query.order_by(Conflict.id)))
    read_log.saw(user, rows)
    return rows


def _checked_value(conflict: Conflict, value):
    """The chosen value, checked by the entity's own schema (as the API and sync check it)."""
    schema = CONFLICT_FIELDS[conflict.entity]
    if conflict.field not in schema.fields:
        raise errors.Invalid(f"Cannot resolve conflicts on {conflict.entity}.{conflict.field}.")
    try:
        return schema.load({conflict.field: value}, partial=True)[conflict.field]
    except ValidationError as error:
        raise errors.Invalid("The value is not valid.", error.messages) from None


def _write_value(actor, conflict: Conflict, value) -> None:
    """Write the chosen value of the conflict's field (answer value, note or visibility;
    any finding field, `deleted` included) through the entity's service."""
    write = Write(actor)  # blind write: the coordinator has seen every candidate
    value = _checked_value(conflict, value)
    if conflict.entity == "answer":
        visit_id, version_id, question_id = conflict.entity_id.split(":", 2)
        answer = db.session.scalar(
            select(Answer).where(
                Answer.visit_id == visit_id,
                Answer.template_version_id == int(version_id),
                Answer.question_id == question_id,
            )
        )
        fields = {"value": answer.value if answer else None, conflict.field: value}
        answers.set_answer(
            write,
            visit_id=visit_id,
            template_version_id=int(version_id),
            question_id=question_id,
            **fields,
        )
    elif conflict.field == "deleted":
        findings.set_finding_deleted(write, conflict.entity_id, bool(value))
    else:
        findings.update_finding(write, conflict.entity_id, **{conflict.field: value})


def resolve_conflict(actor, conflict_id: int, *, candidate: int | None = None, value=None):
    """Resolve a conflict with one of its candidates (by index) or a new value. Audited.

    Coordinators and admins only. The visit may be closed once no conflict is open.
    """
    if not actor.is_coordinator:
        raise errors.Forbidden("Only coordinators resolve conflicts.")
    return apply_resolution(actor, conflict_id, candidate=candidate, value=value)


def apply_resolution(actor, conflict_id: int, *, candidate: int | None = None, value=None):
    """Resolve a conflict for an actor whose right to do so the caller has checked."""
    conflict = db.session.get(Conflict, conflict_id)
    if conflict is None:
        raise errors.NotFound(f"No conflict with id {conflict_id}.")
    if conflict.status != ConflictStatus.OPEN:
        raise errors.Conflict("The conflict is already resolved.", code="already_resolved")
    if candidate is not None:
        if not 0 <= candidate < len(conflict.candidates):
            raise errors.Invalid("No such candidate.", {"candidate": ["Out of range."]})
        value = conflict.candidates[candidate]["value"]
    _write_value(actor, conflict, value)
    conflict.status = ConflictStatus.RESOLVED
    conflict.resolution = {"value": value, "candidate": candidate}
    conflict.resolved_by_id = actor.user.id
    conflict.resolved_at = utcnow()
    announce(conflict)
    audit.record(
        actor,
        "resolve",
        "conflict",
        conflict.id,
        after={"field": conflict.field, "value": value, "candidate": candidate},
        visit_id=conflict.visit_id,
    )
    return conflict
