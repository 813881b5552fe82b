"""Checking a set of answers against a checklist template.

Owns what an answer must look like for each question type, which questions are visible and
required, and which deviation rules suggest a finding. Conditions mean what `logic` says.

Rules
- Visibility: a question without show_if is visible; one with show_if is visible when its
  condition is true against the answers of the *visible* questions before it. Hiding cascades:
  the answer to a hidden question counts as missing for every later condition.
- Required: a visible question is required when `required` is true, or when it is a photo
  question with `min_photos` >= 1. It is satisfied when its answer is not missing (see
  `logic.is_missing`) and, for photos, lists at least max(min_photos, 1) photos.
  A hidden question is never required.
- Invalid: every answer that is not missing is checked against its question's type, visible
  or not (stored data must always have the right shape); answers to question ids the template
  does not have are "unknown question". A missing answer (null, "", []) is never invalid.
- Deviations: for each visible question with a deviation rule whose `when` is true, a
  SuggestedFinding, in template order. Hidden answers play no part.
- Outcome of a control point (`checklist_outcomes`, what reports, the dossier and statistics
  show), first rule that applies:
  1. a question with a finding linked to it is a deviation, whatever its answer;
  2. a hidden question is not applicable;
  3. an unanswered (missing) question is not checked;
  4. a yes/no question answered "na" (ej aktuellt) is not applicable;
  5. a question whose deviation rule is true is a deviation;
  6. otherwise: no deviation.
  This module is the only evaluator of a filled checklist on the server; the field app's
  twin (pwa/src/checklist.js) passes the same vectors (checker_vectors.json).

`check_answers` expects a body that passed `template_format.validate_template`. To check many
answer sets against one template, build a `CompiledChecklist` once with `compile_checklist`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from otto import limits
from otto.checklists.logic import evaluate, is_integer, is_missing, is_number, parse_iso_date
from otto.checklists.template_format import YESNO_VALUES

_SHA256 = re.compile(r"[0-9a-f]{64}")
_LOCATION_RANGES = {"lat": (-90, 90), "lon": (-180, 180)}
_LOCATION_KEYS = _LOCATION_RANGES.keys()
_LOCATION_ALL_KEYS = {*_LOCATION_RANGES, "accuracy"}

AnswerCheck = Callable[[Any], str | None]


@dataclass(frozen=True)
class SuggestedFinding:
    """A finding the answers suggest; the inspector confirms or drops it."""

    question_id: str
    severity: str
    legal_ref: str | None
    text: str


@dataclass
class CheckResult:
    """What check_answers found; no missing and no invalid means complete and well-formed."""

    missing_required: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)
    deviations: list[SuggestedFinding] = field(default_factory=list)


NO_DEVIATION, DEVIATION = "no_deviation", "deviation"
NOT_CHECKED, NOT_APPLICABLE = "not_checked", "not_applicable"
OUTCOMES = (NO_DEVIATION, DEVIATION, NOT_CHECKED, NOT_APPLICABLE)


@dataclass(frozen=True)
class QuestionOutcome:
    """What a filled checklist says about one question (rules: module docstring)."""

    question_id: str
    visible: bool
    answered: bool  # visible and not missing
    outcome: str  # one of OUTCOMES


@dataclass(frozen=True)
class _QuestionRule:
    id: str
    check: AnswerCheck
    show_if: Mapping[str, Any] | None
    # Items a satisfying answer needs: 0 = not required, 1 = any answer, n = n photos.
    needed: int
    is_photo: bool
    is_yesno: bool
    deviation_when: Mapping[str, Any] | None
    finding: SuggestedFinding | None


@dataclass(frozen=True)
class CompiledChecklist:
    """A template reduced to what checking needs, in template order; reusable and immutable."""

    rules: tuple[_QuestionRule, ...]
    question_ids: frozenset[str]


@dataclass(frozen=True)
class _Step:
    """One question met while walking a checklist in template order."""

    rule: _QuestionRule
    value: Any
    visible: bool
    deviates: bool  # visible, with a deviation rule that is true


def compile_checklist(body: Mapping[str, Any]) -> CompiledChecklist:
    """Precompute per-question checks of a validated template body."""
    rules = tuple(
        _compile_question(question)
        for section in body["sections"]
        for question in section["questions"]
    )
    return CompiledChecklist(rules, frozenset(rule.id for rule in rules))


def check_answers(
    body: Mapping[str, Any] | CompiledChecklist, answers: Mapping[str, Any]
) -> CheckResult:
    """Check answers (question id -> value) against a template (rules: module docstring)."""
    checklist = _compiled(body)
    result = CheckResult()
    for step in _walk(checklist, answers):
        rule, value = step.rule, step.value
        if not is_missing(value) and (message := rule.check(value)):
            result.invalid[rule.id] = message
        if not step.visible:
            continue
        if rule.needed and not _satisfies(rule, value):
            result.missing_required.append(rule.id)
        if step.deviates:
            result.deviations.append(rule.finding)
    for question_id in answers:
        if question_id not in checklist.question_ids:
            result.invalid[question_id] = "unknown question"
    return result


def checklist_outcomes(
    body: Mapping[str, Any] | CompiledChecklist,
    answers: Mapping[str, Any],
    linked_findings: Collection[str] = (),
) -> dict[str, QuestionOutcome]:
    """Every question's visibility, answered state and outcome, in template order.

    `linked_findings` holds the ids of the questions a (reported) finding is linked to."""
    result = {}
    for step in _walk(_compiled(body), answers):
        rule, value = step.rule, step.value
        answered = step.visible and not is_missing(value)
        if rule.id in linked_findings:
            outcome = DEVIATION
        elif not step.visible:
            outcome = NOT_APPLICABLE
        elif not answered:
            outcome = NOT_CHECKED
        elif rule.is_yesno and value == "na":
            outcome = NOT_APPLICABLE
        elif step.deviates:
            outcome = DEVIATION
        else:
            outcome = NO_DEVIATION
        result[rule.id] = QuestionOutcome(rule.id, step.visible, answered, outcome)
    return result


def _compiled(body: Mapping[str, Any] | CompiledChecklist) -> CompiledChecklist:
    return body if isinstance(body, CompiledChecklist) else compile_checklist(body)


def _walk(checklist: CompiledChecklist, answers: Mapping[str, Any]) -> Iterator[_Step]:
    """The questions in template order with their visibility: a question is visible when
    its show_if holds against the answers of the visible questions before it."""
    visible_answers: dict[str, Any] = {}
    for rule in checklist.rules:
        value = answers.get(rule.id)
        if rule.show_if is not None and not evaluate(rule.show_if, visible_answers):
            yield _Step(rule, value, visible=False, deviates=False)
            continue
        visible_answers[rule.id] = value
        deviates = rule.deviation_when is not None and evaluate(
            rule.deviation_when, visible_answers
        )
        yield _Step(rule, value, visible=True, deviates=deviates)


def answer_problem(question: Mapping[str, Any], value: Any) -> str | None:
    """What is wrong with one answer to one question (type and bounds), or None."""
    if is_missing(value):
        return None
    return _compile_question(question).check(value)


def _satisfies(rule: _QuestionRule, value: Any) -> bool:
    if is_missing(value):
        return False
    return not rule.is_photo or (isinstance(value, list) and len(value) >= rule.needed)


def _compile_question(question: Mapping[str, Any]) -> _QuestionRule:
    is_photo = question["type"] == "photo"
    min_photos = question.get("min_photos", 0) if is_photo else 0
    needed = max(min_photos, 1) if question.get("required") or min_photos else 0
    deviation = question.get("deviation")
    finding = None
    if deviation is not None:
        legal_ref = deviation.get("legal_ref") or question.get("legal_ref")
        finding = SuggestedFinding(
            question["id"], deviation["severity"], legal_ref, deviation["text"]
        )
    return _QuestionRule(
        id=question["id"],
        check=_ANSWER_CHECKS[question["type"]](question),
        show_if=question.get("show_if"),
        needed=needed,
        is_photo=is_photo,
        is_yesno=question["type"] == "yesno",
        deviation_when=deviation["when"] if deviation is not None else None,
        finding=finding,
    )


def _yesno_check(question: Mapping[str, Any]) -> AnswerCheck:
    message = f"must be one of {', '.join(YESNO_VALUES)}"
    return lambda value: None if isinstance(value, str) and value in YESNO_VALUES else message


def _bounds_check(
    question: Mapping[str, Any], accepts: Callable[[Any], bool], kind: str
) -> AnswerCheck:
    low, high = question.get("min"), question.get("max")

    def check(value: Any) -> str | None:
        if not accepts(value):
            return f"must be {kind}"
        if low is not None and value < low:
            return f"must be at least {low}"
        if high is not None and value > high:
            return f"must be at most {high}"
        return None

    return check


def _number_check(question: Mapping[str, Any]) -> AnswerCheck:
    return _bounds_check(question, is_number, "a number")


def _integer_check(question: Mapping[str, Any]) -> AnswerCheck:
    return _bounds_check(question, is_integer, "an integer")


def _text_check(question: Mapping[str, Any]) -> AnswerCheck:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return "must be a string"
        return limits.too_long(limits.FREE_TEXT) if len(value) > limits.FREE_TEXT else None

    return check


def _choice_check(question: Mapping[str, Any]) -> AnswerCheck:
    allowed = frozenset(option["value"] for option in question["options"])
    listed = ", ".join(option["value"] for option in question["options"])

    def is_option(value: Any) -> bool:
        return isinstance(value, str) and value in allowed

    if question.get("multiple"):
        message = f"must be a list of options from: {listed}"
        return lambda value: (
            None if isinstance(value, list) and all(map(is_option, value)) else message
        )
    message = f"must be one of the options: {listed}"
    return lambda value: None if is_option(value) else message


def _date_check(question: Mapping[str, Any]) -> AnswerCheck:
    message = "must be a date written YYYY-MM-DD"
    return lambda value: None if parse_iso_date(value) is not None else message


def _is_sha256(value: Any) -> bool:
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def _photo_check(question: Mapping[str, Any]) -> AnswerCheck:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not all(map(_is_sha256, value)):
            return "must be a list of photo sha256 hashes (64 lowercase hex characters)"
        if len(set(value)) != len(value):
            return "must not list the same photo twice"
        return None

    return check


def _signature_check(question: Mapping[str, Any]) -> AnswerCheck:
    message = "must be the signature image's sha256 hash (64 lowercase hex characters)"
    return lambda value: None if _is_sha256(value) else message


def _location_error(value: Any) -> str | None:
    if not isinstance(value, Mapping) or not _LOCATION_KEYS <= value.keys() <= _LOCATION_ALL_KEYS:
        return 'must be {"lat": number, "lon": number} with an optional "accuracy"'
    for key, (low, high) in _LOCATION_RANGES.items():
        if not is_number(value[key]) or not low <= value[key] <= high:
            return f"{key} must be a number from {low} to {high}"
    if "accuracy" in value and not (is_number(value["accuracy"]) and value["accuracy"] >= 0):
        return "accuracy must be a number of metres, 0 or more"
    return None


_ANSWER_CHECKS: dict[str, Callable[[Mapping[str, Any]], AnswerCheck]] = {
    "yesno": _yesno_check,
    "number": _number_check,
    "integer": _integer_check,
    "text": _text_check,
    "choice": _choice_check,
    "date": _date_check,
    "photo": _photo_check,
    "signature": _signature_check,
    "location": lambda question: _location_error,
}
