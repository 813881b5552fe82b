"""Checklist answers: one row per question of a pinned template version."""

from typing import Any

from sqlalchemy import select

from otto import audit
from otto.accounts.models import Agency
from otto.checklists import services as checklists
from otto.checklists.checker import answer_problem
from otto.errors import Forbidden, Invalid
from otto.extensions import db, insert_or_ignore, lock_row
from otto.inspections.models import Answer, Visibility
from otto.inspections.visibility import is_participant, visible_items
from otto.inspections.visits import get_visit, require_open
from otto.sync.feed import record_change
from otto.sync.merge import MergeResult, Write, merge
from otto.timeutil import utcnow


def answer_snapshot(answer: Answer) -> dict:
    """The audited fields of an answer."""
    return {"value": answer.value, "note": answer.note, "visibility": answer.visibility}


def _check_assigned(actor, visit_id: str, agency_code: str) -> None:
    """Participants answer their own agency's checklists on the visit.

    Any version of the agency's checklist is accepted, not only the one pinned now: a
    tablet that was offline while the plan changed still has its answers kept, each
    against the version it was given for.
    """
    if actor.is_coordinator:
        return
    if actor.user.agency_code != agency_code or not is_participant(actor.user, visit_id):
        raise Forbidden("This checklist is not assigned to you on this visit.")


def set_answer(
    write: Write,
    *,
    visit_id: str,
    template_version_id: int,
    question_id: str,
    value: Any,
    note: str | None = None,
    visibility: str | None = None,
) -> tuple[Answer, MergeResult]:
    """Record or change the answer to a question of an assigned checklist. Audited.

    The value must fit the question's type and bounds. Concurrent edits follow the
    per-field rule of otto.sync.merge: refused with 409 for plain API calls, kept as a
    hard conflict for synced mutations. An equal value is never a conflict.
    """
    actor = write.actor
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    version = checklists.get_version(template_version_id)
    _check_assigned(actor, visit.id, version.template.agency_code)
    question = checklists.question_index(version).get(question_id)
    if question is None:
        raise Invalid(
            f"The checklist has no question '{question_id}'.",
            {"question_id": ["Unknown question."]},
            code="unknown_question",
        )
    problem = answer_problem(question, value)
    if problem:
        raise Invalid(
            f"The answer to '{question_id}' is not valid: {problem}", {"value": [problem]}
        )
    answer = _locked_answer_row(visit.id, version, question_id, visibility, actor.user.id)
    before = answer_snapshot(answer) if answer.version else None
    incoming = {"value": value}
    if note is not None:
        incoming["note"] = note
    if visibility is not None:
        incoming["visibility"] = Visibility(visibility).value
    result = merge(
        answer, incoming, write, entity="answer", entity_id=f"{visit.id}:{version.id}:{question_id}"
    )
    if not result.changed and before is not None:
        return answer, result
    answer.updated_by_id = actor.user.id
    answer.device_id = actor.device_id
    answer.updated_at = utcnow()
    answer.client_time = write.client_time
    db.session.flush()
    record_change(
        "answer",
        answer.id,
        visit_id=visit.id,
        agency_code=answer.agency_code,
        # An answer made agency-only is announced to all, so pull can send others a tombstone.
        visibility=Visibility.JOINT
        if before and before["visibility"] == Visibility.JOINT
        else answer.visibility,
    )
    audit.record(
        actor,
        "update" if before else "create",
        "answer",
        answer.id,
        before=before,
        after=answer_snapshot(answer),
        visit_id=visit.id,
    )
    return answer, result


def _locked_answer_row(
    visit_id: str, version, question_id: str, visibility: str | None, user_id: int
) -> Answer:
    """The answer row for a question, created empty (version 0) if missing, locked for this
    transaction. Creating with INSERT … ON CONFLICT DO NOTHING lets two devices answer the
    same question at once without a unique-key failure; the row lock makes the per-field
    merge a true read-modify-write."""
    agency = version.template.agency_code
    values = {
        "visit_id": visit_id,
        "agency_code": agency,
        "template_version_id": version.id,
        "question_id": question_id,
        "value": None,
        "note": "",
        "visibility": visibility or db.session.get(Agency, agency).default_visibility,
        "version": 0,
        "field_meta": {},
        "updated_by_id": user_id,
    }
    insert_or_ignore(Answer, values, ["visit_id", "template_version_id", "question_id"])
    return lock_row(
        select(Answer).where(
            Answer.visit_id == visit_id,
            Answer.template_version_id == version.id,
            Answer.question_id == question_id,
        )
    )


def list_answers(user, visit_id: str) -> list[Answer]:
    """The answers of a visit that the user may see."""
    visit = get_visit(user, visit_id)
    query = select(Answer).where(Answer.visit_id == visit.id, visible_items(user, Answer))
    return list(db.session.scalars(query.order_by(Answer.id)))
