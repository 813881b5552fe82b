"""Checklist answers: one row per question of a pinned template version."""

from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from otto import audit
from otto.accounts.models import Agency
from otto.changes.feed import change_values, record_change, record_changes
from otto.changes.merge import MergeResult, Write, contested_fields
from otto.checklists import services as checklists
from otto.checklists.checker import answer_problem
from otto.errors import DomainError, Forbidden, Invalid
from otto.extensions import db, insert_or_ignore, insert_or_ignore_returning, lock_row, one_of
from otto.inspections import read_log
from otto.inspections.conflicts import merge
from otto.inspections.models import Answer, Visibility, Visit
from otto.inspections.visibility import (
    follow_row_visibility,
    item_announcement,
    may_act_for_agency,
    remember_participation,
    visible_items,
    visible_visits,
)
from otto.inspections.visits import get_visit, require_open
from otto.limits import refuse_over_long
from otto.timeutil import utcnow


def answer_snapshot(answer: Answer) -> dict:
    """The audited fields of an answer."""
    return {"value": answer.value, "note": answer.note, "visibility": answer.visibility}


def answer_conflict_key(answer: Answer) -> str:
    """The entity id of an answer's conflicts: visit, template version and question."""
    return f"{answer.visit_id}:{answer.template_version_id}:{answer.question_id}"


def _check_assigned(actor, visit_id: str, agency_code: str) -> None:
    """Participants answer their own agency's checklists on the visit.

    Any version of the agency's checklist is accepted, not only the one pinned now: a
    tablet that was offline while the plan changed still has its answers kept, each
    against the version it was given for.
    """
    if not may_act_for_agency(actor.user, visit_id, agency_code):
        raise Forbidden("This checklist is not assigned to you on this visit.")


@dataclass(frozen=True)
class AnswerWrite:
    """One answer of a batch for `set_answers`: the same arguments as `set_answer`."""

    write: Write
    visit_id: str
    template_version_id: int
    question_id: str
    value: Any
    note: str | None = None
    visibility: str | None = None


def _check_value(questions: dict[str, dict], question_id: str, value: Any) -> None:
    """The question must exist in the checklist and the value fit its type and bounds."""
    question = questions.get(question_id)
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


class _Trail:
    """The audit events and feed entries of a batch of answers, kept in the order they are
    made and written with one multi-row INSERT per table."""

    def __init__(self):
        self.events: list[dict] = []
        self.changes: list[dict] = []

    def write(self) -> None:
        audit.record_many(self.events)
        record_changes(self.changes)
        self.events, self.changes = [], []


def _write_answer(
    write: Write,
    visit_id: str,
    answer: Answer,
    value: Any,
    note: str | None,
    visibility: str | None,
    trail: _Trail | None = None,
) -> MergeResult:
    """Merge the incoming fields into a locked answer row (version 0 when just created),
    then stamp it and append its change feed entry and audit event when anything changed
    (to `trail` when given, else to the session)."""
    result, before, written = _merge_answer(write, answer, value, note, visibility, trail)
    if written:
        _announce_answer(write, visit_id, answer, before, trail)
    return result


def _merge_answer(
    write: Write,
    answer: Answer,
    value: Any,
    note: str | None,
    visibility: str | None,
    trail: _Trail | None = None,
) -> tuple[MergeResult, dict | None, bool]:
    """`_write_answer`'s merge and stamp: the result, the row's audited fields before (None
    for a row at version 0, not answered yet) and whether the write is to be announced.

    On a row at version 0 nothing is contested (no field has changed since any base) and no
    visibility moves, so neither the trail nor the session is touched: the row may be the
    column values of one not inserted yet, as attributes (`_answer_rows`)."""
    actor = write.actor
    before = answer_snapshot(answer) if answer.version else None
    incoming = {"value": value}
    if note is not None:
        incoming["note"] = note
    if visibility is not None:
        incoming["visibility"] = Visibility(visibility).value
    if trail is not None and contested_fields(answer, incoming, write):
        trail.write()  # the conflict's own feed entry and audit event come after these
    entity_id = answer_conflict_key(answer)
    result = merge(answer, incoming, write, entity="answer", entity_id=entity_id)
    if before is not None and before["visibility"] != answer.visibility:
        if trail is not None:
            trail.write()
        follow_row_visibility(answer, entity="answer", entity_id=entity_id)
    if not result.changed and before is not None:
        return result, before, False
    answer.updated_by_id = actor.user.id
    answer.device_id = actor.device_id
    answer.updated_at = utcnow()
    answer.client_time = write.client_time
    return result, before, True


def _announce_answer(
    write: Write, visit_id: str, answer: Answer, before: dict | None, trail: _Trail | None
) -> None:
    """Append a written answer's change feed entry and audit event."""
    change = change_values(
        "answer", answer.id, **item_announcement(answer, before and before["visibility"])
    )
    event = {
        "action": "update" if before else "create",
        "entity": "answer",
        "entity_id": answer.id,
        "before": before,
        "after": answer_snapshot(answer),
        "visit_id": visit_id,
        "client_time": write.client_time,
    }
    if trail is None:
        record_change(**change)
        audit.record(write.actor, **event)
    else:
        trail.changes.append(change)
        trail.events.append(audit.event_values(write.actor, **event))


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
    per-field rule of otto.changes.merge: refused with 409 for plain API calls, kept as a
    hard conflict for synced mutations. An equal value is never a conflict.
    """
    actor = write.actor
    visit = get_visit(actor.user, visit_id)
    require_open(visit)
    version = checklists.get_version(template_version_id)
    _check_assigned(actor, visit.id, version.template.agency_code)
    _check_value(checklists.question_index(version), question_id, value)
    answer = _locked_answer_row(visit.id, version, question_id, visibility, actor.user.id)
    result = _write_answer(write, visit.id, answer, value, note, visibility)
    db.session.flush()
    return answer, result


def set_answers(actor, items: list[AnswerWrite]) -> list[MergeResult | DomainError]:
    """Apply many answers of one actor in order, as `set_answer` would one after the other.

    Each item gets its MergeResult (with the row version it produced) or the DomainError
    that refused it; a refused item changes nothing, and the others go on. The checks, the
    merge rule, the audit event and the change feed entry per write are set_answer's own;
    only the database work is batched: each visit, version and participation is checked
    once, a question answered for the first time (once in the batch) is inserted with its
    final values, the other rows are created (empty, version 0) in the same multi-row
    INSERT … ON CONFLICT DO NOTHING and locked with one SELECT … FOR UPDATE in id order, so
    two concurrent batches take their locks in the same order; the writes go out at one
    flush.
    """
    checked = _check_batch(actor, items)
    fresh, rows = _answer_rows(actor, items, checked)
    trail = _Trail()
    results = []
    for position, (item, check) in enumerate(zip(items, checked, strict=True)):
        if isinstance(check, DomainError):
            results.append(check)
            continue
        visit_id, version = check
        if position in fresh:  # merged and inserted already: announced in its place
            answer, result = fresh[position]
            _announce_answer(item.write, visit_id, answer, None, trail)
            results.append(result)
            continue
        answer = rows[(visit_id, version.id, item.question_id)]
        results.append(
            _write_answer(
                item.write, visit_id, answer, item.value, item.note, item.visibility, trail
            )
        )
    trail.write()
    db.session.flush()
    return results


def _check_batch(actor, items: list[AnswerWrite]) -> list[tuple[str, Any] | DomainError]:
    """set_answer's checks for each item, in its order, each visit, version and
    participation looked up once: (visit id, template version) or the error refusing it."""
    memo: dict = {}

    def once(key, compute):
        if key not in memo:
            try:
                memo[key] = compute()
            except DomainError as error:
                memo[key] = error
        if isinstance(memo[key], DomainError):
            raise memo[key]
        return memo[key]

    # The visits the actor may open, in one query; get_visit raises the error for the rest.
    ids = {item.visit_id for item in items}
    query = select(Visit).where(Visit.id.in_(ids), visible_visits(actor.user))
    visible = {visit.id: visit for visit in db.session.scalars(query)} if ids else {}
    remember_participation(actor.user, visible)  # for _check_assigned, in one query

    def open_visit(visit_id):
        visit = visible.get(visit_id) or get_visit(actor.user, visit_id)
        require_open(visit)
        return visit

    def version_questions(version_id):
        version = checklists.get_version(version_id)
        return version, checklists.question_index(version)

    checked = []
    for item in items:
        try:
            visit = once(("visit", item.visit_id), lambda i=item: open_visit(i.visit_id))
            version, questions = once(
                ("version", item.template_version_id),
                lambda i=item: version_questions(i.template_version_id),
            )
            agency = version.template.agency_code
            once(
                ("assigned", visit.id, agency),
                lambda v=visit, a=agency: _check_assigned(actor, v.id, a),
            )
            _check_value(questions, item.question_id, item.value)
        except DomainError as error:
            checked.append(error)
            continue
        checked.append((visit.id, version))
    return checked


_ANSWER_KEY = ("visit_id", "template_version_id", "question_id")


def _answer_rows(
    actor, items: list[AnswerWrite], checked: list
) -> tuple[dict[int, tuple[Answer, MergeResult]], dict[tuple, Answer]]:
    """The answer rows the accepted items write, as `_locked_answer_row` gives them one by
    one, in two parts: by item position, the questions answered for the first time by one
    item of the batch, merged into an empty row and inserted with their final values (the
    row with its id, and the merge's result); by (visit, version, question), the other rows,
    created empty (version 0, the visibility of their first item) where missing and locked
    for this transaction. A row is inserted by one multi-row INSERT … ON CONFLICT DO
    NOTHING for all missing keys: a key a concurrent transaction inserted first is left
    alone there and locked and merged like any existing row.

    Deadlocks between concurrent batches are avoided by a fixed order: missing keys are
    inserted in sorted key order (a transaction meeting another's uncommitted new key waits
    for it there, holding no row the other needs), then all other rows are locked in id
    order. A push holds at most 5,000 mutations, well under the bind-parameter limits."""
    accepted = [
        (position, item, check[1], (check[0], check[1].id, item.question_id))
        for position, (item, check) in enumerate(zip(items, checked, strict=True))
        if not isinstance(check, DomainError)
    ]
    if not accepted:
        return {}, {}
    columns = [getattr(Answer, name) for name in _ANSWER_KEY]
    keys = {key for *_, key in accepted}
    query = select(*columns).where(one_of(tuple(columns), keys))
    existing = {tuple(row) for row in db.session.execute(query)}
    occurrences = Counter(key for *_, key in accepted)
    new, candidates, defaults = {}, {}, {}
    for position, item, version, key in accepted:
        if key in existing or key in new:
            continue
        values = _empty_answer(key, version, item.visibility, actor.user.id, defaults)
        if occurrences[key] == 1:
            row = SimpleNamespace(**values)  # the row to be (cheaper than a mapped Answer)
            result, _, _ = _merge_answer(item.write, row, item.value, item.note, item.visibility)
            values = vars(row)
            refuse_over_long(Answer, values)  # as a flush would
            candidates[key] = (position, row, result)
        new[key] = values
    inserted = insert_or_ignore_returning(
        Answer, [new[key] for key in sorted(new)], list(_ANSWER_KEY), [Answer.id, *columns]
    )
    fresh = {}
    for answer_id, *key in inserted:
        if (entry := candidates.get(tuple(key))) is not None:
            position, answer, result = entry
            answer.id = answer_id
            fresh[position] = (answer, result)
    rest = sorted({key for position, *_, key in accepted if position not in fresh})
    if not rest:
        return fresh, {}
    query = (
        select(Answer)
        .where(one_of(tuple(columns), rest))
        .order_by(Answer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    rows = db.session.scalars(query)
    return fresh, {(a.visit_id, a.template_version_id, a.question_id): a for a in rows}


def _empty_answer(
    key: tuple, version, visibility: str | None, user_id: int, defaults: dict | None = None
) -> dict:
    """The column values of a not yet answered question's row (version 0), every column but
    the id. `defaults` remembers each agency's default visibility across calls."""
    visit_id, version_id, question_id = key
    agency = version.template.agency_code
    if not visibility:
        defaults = {} if defaults is None else defaults
        if agency not in defaults:
            defaults[agency] = db.session.get(Agency, agency).default_visibility
        visibility = defaults[agency]
    return {
        "visit_id": visit_id,
        "agency_code": agency,
        "template_version_id": version_id,
        "question_id": question_id,
        "value": None,
        "note": "",
        "visibility": visibility,
        "version": 0,
        "field_meta": {},
        "updated_by_id": user_id,
        "device_id": None,
        "updated_at": utcnow(),
        "client_time": None,
    }


def _locked_answer_row(
    visit_id: str, version, question_id: str, visibility: str | None, user_id: int
) -> Answer:
    """The answer row for a question, created empty (version 0) if missing, locked for this
    transaction. Creating with INSERT … ON CONFLICT DO NOTHING lets two devices answer the
    same question at once without a unique-key failure; the row lock makes the per-field
    merge a true read-modify-write."""
    values = _empty_answer((visit_id, version.id, question_id), version, visibility, user_id)
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
    rows = list(db.session.scalars(query.order_by(Answer.id)))
    read_log.saw(user, rows)
    return rows
