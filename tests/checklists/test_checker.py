"""Checking answers: required and visible questions, answer types and bounds, deviations."""

import json
from pathlib import Path

import pytest

from otto.checklists import checker
from otto.checklists.checker import (
    OUTCOMES,
    CheckResult,
    SuggestedFinding,
    check_answers,
    checklist_outcomes,
    compile_checklist,
)
from otto.checklists.template_format import validate_template

pytestmark = pytest.mark.database_free  # pure: no database

SHA = "0123456789abcdef" * 4
OTHER_SHA = "f" * 64


def make_template(*questions):
    """A validated one-section template with the given questions."""
    return validate_template(
        {
            "key": "test",
            "agency": "livsmedel",
            "title": "Test",
            "sections": [{"id": "s", "title": "S", "questions": list(questions)}],
        }
    )


def yesno(question_id, **extra):
    return {"id": question_id, "type": "yesno", "text": "Fråga", **extra}


def number(question_id, **extra):
    return {"id": question_id, "type": "number", "text": "Temperatur", **extra}


def photo(question_id, **extra):
    return {"id": question_id, "type": "photo", "text": "Foto", **extra}


SHOW_IF_NO = {"q": "a", "op": "eq", "value": "no"}


def test_required_question_without_answer_is_missing():
    body = make_template(yesno("a", required=True), yesno("b", required=True), yesno("c"))

    assert check_answers(body, {"b": "yes"}).missing_required == ["a"]


@pytest.mark.parametrize("missing", [None, "", []])
def test_null_empty_string_and_empty_list_leave_a_required_question_missing(missing):
    body = make_template(yesno("a", required=True))

    result = check_answers(body, {"a": missing})

    assert result.missing_required == ["a"]
    assert result.invalid == {}


def test_question_hidden_by_show_if_is_not_required():
    body = make_template(yesno("a"), yesno("b", required=True, show_if=SHOW_IF_NO))

    assert check_answers(body, {"a": "yes"}).missing_required == []
    assert check_answers(body, {}).missing_required == []


def test_question_shown_by_show_if_is_required():
    body = make_template(yesno("a"), yesno("b", required=True, show_if=SHOW_IF_NO))

    assert check_answers(body, {"a": "no"}).missing_required == ["b"]
    assert check_answers(body, {"a": "no", "b": "na"}).missing_required == []


def test_hiding_cascades_to_questions_that_depend_on_a_hidden_answer():
    body = make_template(
        yesno("a"),
        yesno("b", show_if=SHOW_IF_NO),
        yesno("c", required=True, show_if={"q": "b", "op": "eq", "value": "yes"}),
    )

    # b still holds "yes" from before a was changed, but b is hidden now.
    assert check_answers(body, {"a": "yes", "b": "yes"}).missing_required == []
    assert check_answers(body, {"a": "no", "b": "yes"}).missing_required == ["c"]


def test_photo_question_needs_min_photos_photos():
    body = make_template(photo("p", required=True, min_photos=2))

    assert check_answers(body, {"p": [SHA]}).missing_required == ["p"]
    assert check_answers(body, {"p": [SHA, OTHER_SHA]}).missing_required == []


def test_photo_question_with_min_photos_is_required_when_visible_even_without_required():
    body = make_template(
        number("t"), photo("p", min_photos=1, show_if={"q": "t", "op": "gt", "value": 8})
    )

    assert check_answers(body, {"t": 9}).missing_required == ["p"]
    assert check_answers(body, {"t": 9, "p": [SHA]}).missing_required == []
    assert check_answers(body, {"t": 4}).missing_required == []


def test_required_photo_question_with_min_photos_zero_needs_one_photo():
    body = make_template(photo("p", required=True, min_photos=0))

    assert check_answers(body, {"p": []}).missing_required == ["p"]
    assert check_answers(body, {"p": [SHA]}).missing_required == []


@pytest.mark.parametrize(
    ("value", "message"),
    [(-31, "must be at least -30"), (30.5, "must be at most 30"), (True, "must be a number")],
)
def test_number_out_of_bounds_or_not_a_number_is_invalid(value, message):
    body = make_template(number("t", min=-30, max=30))

    assert check_answers(body, {"t": value}).invalid == {"t": message}


def test_number_on_the_bounds_is_valid():
    body = make_template(number("t", min=-30, max=30))

    assert check_answers(body, {"t": -30}).invalid == {}
    assert check_answers(body, {"t": 30.0}).invalid == {}


def test_integer_answer_must_be_an_int_within_bounds():
    body = make_template({"id": "n", "type": "integer", "text": "Antal", "min": 1, "max": 5})

    assert check_answers(body, {"n": 3}).invalid == {}
    assert check_answers(body, {"n": 3.0}).invalid == {"n": "must be an integer"}
    assert check_answers(body, {"n": 6}).invalid == {"n": "must be at most 5"}


CHOICE_OPTIONS = [{"value": "kyl", "label": "Kyl"}, {"value": "frys", "label": "Frys"}]
EVERY_TYPE = [
    yesno("yn"),
    number("num"),
    {"id": "int", "type": "integer", "text": "Antal"},
    {"id": "txt", "type": "text", "text": "Text"},
    {"id": "one", "type": "choice", "text": "Val", "options": CHOICE_OPTIONS},
    {"id": "many", "type": "choice", "text": "Val", "options": CHOICE_OPTIONS, "multiple": True},
    {"id": "day", "type": "date", "text": "Datum"},
    photo("pic"),
    {"id": "sig", "type": "signature", "text": "Underskrift"},
    {"id": "loc", "type": "location", "text": "Plats"},
]
VALID_ANSWERS = {
    "yn": "na",
    "num": -1.5,
    "int": 0,
    "txt": "Allt i ordning",
    "one": "frys",
    "many": ["kyl", "frys"],
    "day": "2024-02-29",
    "pic": [SHA, OTHER_SHA],
    "sig": SHA,
    "loc": {"lat": 59.33, "lon": 18.07, "accuracy": 12},
}


def test_answers_of_the_right_type_are_valid():
    assert check_answers(make_template(*EVERY_TYPE), VALID_ANSWERS).invalid == {}


@pytest.mark.parametrize(
    ("question_id", "value"),
    [
        ("yn", "ja"),
        ("yn", True),
        ("num", "8"),
        ("num", float("nan")),
        ("num", float("inf")),
        ("int", "3"),
        ("txt", 5),
        ("one", "varm"),
        ("one", ["kyl"]),
        ("many", "kyl"),
        ("many", ["kyl", "varm"]),
        ("day", "2024-02-30"),
        ("day", "29/02/2024"),
        ("pic", SHA),
        ("pic", ["not-a-hash"]),
        ("pic", [SHA.upper()]),
        ("pic", [SHA, SHA]),
        ("sig", [SHA]),
        ("loc", {"lat": 91, "lon": 18}),
        ("loc", {"lat": 59, "lon": -180.5}),
        ("loc", {"lat": 59}),
        ("loc", {"lat": 59, "lon": 18, "altitude": 3}),
        ("loc", {"lat": 59, "lon": 18, "accuracy": -1}),
        ("loc", {"lat": True, "lon": 18}),
    ],
)
def test_answer_of_the_wrong_type_is_invalid(question_id, value):
    result = check_answers(make_template(*EVERY_TYPE), {**VALID_ANSWERS, question_id: value})

    assert list(result.invalid) == [question_id]


def test_answer_to_an_unknown_question_is_invalid():
    result = check_answers(make_template(yesno("a")), {"a": "yes", "ghost": "yes"})

    assert result.invalid == {"ghost": "unknown question"}


def test_deviation_rule_that_holds_suggests_a_finding():
    deviation = {"when": {"q": "t", "op": "gt", "value": 8}, "severity": "minor", "text": "Varmt"}
    body = make_template(number("t", legal_ref="852/2004", deviation=deviation))

    assert check_answers(body, {"t": 9}).deviations == [
        SuggestedFinding(question_id="t", severity="minor", legal_ref="852/2004", text="Varmt")
    ]
    assert check_answers(body, {"t": 8}).deviations == []
    assert check_answers(body, {}).deviations == []


def test_deviation_legal_ref_overrides_the_question_legal_ref():
    deviation = {
        "when": {"q": "a", "op": "eq", "value": "no"},
        "severity": "critical",
        "text": "Saknas",
        "legal_ref": "LSO 2 kap. 2 §",
    }
    body = make_template(yesno("a", legal_ref="LSO", deviation=deviation), yesno("b"))

    [finding] = check_answers(body, {"a": "no"}).deviations

    assert (finding.severity, finding.legal_ref) == ("critical", "LSO 2 kap. 2 §")


def test_deviation_without_any_legal_ref_has_none():
    deviation = {"when": {"q": "a", "op": "eq", "value": "no"}, "severity": "info", "text": "X"}
    body = make_template(yesno("a", deviation=deviation))

    assert check_answers(body, {"a": "no"}).deviations[0].legal_ref is None


def test_hidden_question_suggests_no_deviation():
    deviation = {"when": {"q": "t", "op": "gt", "value": 8}, "severity": "major", "text": "Varmt"}
    body = make_template(yesno("a"), number("t", show_if=SHOW_IF_NO, deviation=deviation))

    assert check_answers(body, {"a": "yes", "t": 20}).deviations == []
    assert [f.question_id for f in check_answers(body, {"a": "no", "t": 20}).deviations] == ["t"]


def test_compiled_checklist_gives_the_same_result_as_the_body():
    body = make_template(*EVERY_TYPE, yesno("z", required=True))
    answers = {**VALID_ANSWERS, "num": "warm", "ghost": 1}

    expected = CheckResult(
        missing_required=["z"], invalid={"num": "must be a number", "ghost": "unknown question"}
    )
    assert check_answers(body, answers) == expected
    assert check_answers(compile_checklist(body), answers) == expected


# --- Outcomes of a filled checklist: the shared vectors (also run by pwa/test/checker.test.js)

_VECTORS = json.loads(
    (Path(checker.__file__).with_name("checker_vectors.json")).read_text(encoding="utf-8")
)["vectors"]


@pytest.mark.parametrize("vector", _VECTORS, ids=[v["name"] for v in _VECTORS])
def test_checker_vector(vector):
    body = validate_template(vector["template"])
    expected = vector["expected"]
    result = check_answers(body, vector["answers"])
    outcomes = checklist_outcomes(body, vector["answers"], set(vector["findings"]))
    assert [q for q, o in outcomes.items() if o.visible] == expected["visible"]
    assert result.missing_required == expected["missing"]
    assert [d.question_id for d in result.deviations] == expected["deviations"]
    assert {q: o.outcome for q, o in outcomes.items()} == expected["outcomes"]


def test_answered_means_visible_and_given():
    body = make_template(yesno("a"), yesno("b", show_if={"q": "a", "op": "eq", "value": "yes"}))
    outcomes = checklist_outcomes(body, {"a": "no", "b": "no"})
    assert outcomes["a"].answered and not outcomes["b"].answered
    assert not outcomes["b"].visible


def test_vectors_cover_every_outcome():
    seen = {o for v in _VECTORS for o in v["expected"]["outcomes"].values()}
    assert seen == set(OUTCOMES)
