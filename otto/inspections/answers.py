"""Checklist answers: one row per question of a pinned template version."""

import datetime as dt
from typing import Any

from sqlalchemy import select

from otto import audit
from otto.accounts.models import Agency
from otto.checklists import services as checklists
from otto.checklists.checker import check_answers
from otto.errors import Conflict, Forbidden, Invalid
from otto.extensions import db
from otto.inspections.models import Answer, Assignment, Visibility
from otto.inspections.visibility import visible_items
from otto.inspections.visits import get_visit, require_open
from otto.sync.feed import record_change
from otto.timeutil import utcnow


def answer_snapshot(answer: Answer) -> dict:
    """The audited fields of an answer."""
    return {"value": answer.value, "note": answer.note, "visibility": answer.visibility}


def _check_assigned(actor, visit_id: str, template_version_id: int) -> None:
    if actor.is_coordinator:
        return
    assigned = db.session.scalar(
        select(Assignment.id).where(
            Assignment.visit_id == visit_id,
            Assignment.user_id == actor.user.id,
            Assignment.template_version_id == template_version_id,
        )
    )
    if assigned is None:
        raise Forbidden("This checklist is not assigned to you on this visit.")


def set_answer(
    actor,
    *,
    visit_id: str,
    template_version_id: int,
    question_id: str,
    value: Any,
    note: str | None = None,
    visibility: str | None = None,
    base_version: int | None = None,
    client_time: dt.datetime | None = None,
    mutation_id: str | None = None,
) -> Answer:
    """Record an answer (or change it) for a question of an assigned checklist. Audited.

    The value must fit the question's type and bounds. When `base_version` is given and the
    stored answer has moved on to a different value, Conflict is raised with the server's
    value and version; an equal value is never a conflict.
    """
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    version = checklists.get_version(template_version_id)
    _check_assigned(actor, visit.id, version.id)
    question = checklists.question_index(version).get(question_id)
    if question is None:
        raise Invalid(
            f"The checklist has no question '{question_id}'.",
            {"question_id": ["Unknown question."]},
            code="unknown_question",
        )
    if value is not None:
        problem = check_answers(version.body, {question_id: value}).invalid.get(question_id)
        if problem:
            raise Invalid(
                f"The answer to '{question_id}' is not valid: {problem}", {"value": [problem]}
            )
    answer = db.session.scalar(
        select(Answer).where(
            Answer.visit_id == visit.id,
            Answer.template_version_id == version.id,
            Answer.question_id == question_id,
        )
    )
    before = answer_snapshot(answer) if answer else None
    if answer is None:
        agency = version.template.agency_code
        answer = Answer(
            visit_id=visit.id,
            agency_code=agency,
            template_version_id=version.id,
            question_id=question_id,
            visibility=visibility or _default_visibility(agency),
            version=0,
        )
        db.session.add(answer)
    elif base_version is not None and base_version != answer.version and answer.value != value:
        raise Conflict(
            "The answer was changed by someone else.",
            {"server_value": answer.value, "server_version": answer.version},
            code="version_conflict",
        )
    answer.value = value
    if note is not None:
        answer.note = note
    if visibility is not None:
        answer.visibility = Visibility(visibility)
    answer.version += 1
    answer.updated_by_id = actor.user.id
    answer.device_id = actor.device_id
    answer.field_meta = {}
    answer.updated_at = utcnow()
    answer.client_time = client_time
    db.session.flush()
    record_change(
        "answer",
        answer.id,
        visit_id=visit.id,
        agency_code=answer.agency_code,
        visibility=answer.visibility,
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
    return answer


def _default_visibility(agency_code: str) -> str:
    return db.session.get(Agency, agency_code).default_visibility


def list_answers(user, visit_id: str) -> list[Answer]:
    """The answers of a visit that the user may see."""
    visit = get_visit(user, visit_id)
    query = select(Answer).where(Answer.visit_id == visit.id, visible_items(user, Answer))
    return list(db.session.scalars(query.order_by(Answer.id)))
