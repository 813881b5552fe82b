"""The condition evaluator against the shared vectors, plus its helpers."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otto.checklists import logic
from otto.checklists.logic import (
    COMBINATORS,
    OPS,
    condition_shape_errors,
    evaluate,
    iter_leaves,
    referenced_questions,
)

pytestmark = pytest.mark.database_free  # pure: no database

VECTORS = json.loads(Path(logic.__file__).with_name("condition_vectors.json").read_text())

scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(["yes", "no", "na", "5", "2024-01-01"]),
)


def _combinators_used(condition, found):
    for combinator in COMBINATORS:
        if combinator in condition:
            operand = condition[combinator]
            found.add(combinator if operand or combinator == "not" else f"{combinator}:empty")
            for part in operand if isinstance(operand, list) else [operand]:
                _combinators_used(part, found)
    return found


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["name"] for vector in VECTORS])
def test_evaluator_matches_shared_vector(vector):
    assert evaluate(vector["condition"], vector["answers"]) is vector["expected"]


def test_vector_file_covers_every_op_and_combinator():
    ops = {leaf["op"] for v in VECTORS for _, leaf in iter_leaves(v["condition"])}
    combinators = set().union(*(_combinators_used(v["condition"], set()) for v in VECTORS))

    assert len(VECTORS) >= 50
    assert ops == OPS
    assert combinators >= {"all", "any", "not", "all:empty", "any:empty"}


def test_vector_names_are_unique_and_vectors_well_formed():
    assert len({v["name"] for v in VECTORS}) == len(VECTORS)
    assert all(set(v) == {"name", "condition", "answers", "expected"} for v in VECTORS)
    assert all(condition_shape_errors(v["condition"]) is None for v in VECTORS)


def test_referenced_questions_collects_every_leaf_of_nested_conditions():
    condition = {
        "all": [
            {"q": "a", "op": "answered"},
            {"any": [{"q": "b", "op": "eq", "value": 1}, {"not": {"q": "c", "op": "answered"}}]},
            {"q": "a", "op": "ne", "value": "x"},
        ]
    }

    assert referenced_questions(condition) == {"a", "b", "c"}


@pytest.mark.parametrize(
    "condition",
    [
        {"q": "a", "op": "like", "value": "x"},
        {"q": "a", "op": "in", "value": "x"},
        {"q": "a", "op": "eq"},
        {"either": []},
        ["not", "a", "condition"],
    ],
)
def test_evaluate_refuses_conditions_it_cannot_read(condition):
    with pytest.raises(ValueError):
        evaluate(condition, {"a": "x"})


@settings(database=None)
@given(answer=scalars, value=scalars)
def test_eq_and_ne_are_opposites_for_an_answered_question(answer, value):
    answers = {"a": answer}
    eq = evaluate({"q": "a", "op": "eq", "value": value}, answers)
    ne = evaluate({"q": "a", "op": "ne", "value": value}, answers)

    assert eq is not ne


@settings(database=None)
@given(missing=st.sampled_from([None, "", []]), op=st.sampled_from(sorted(OPS)), value=scalars)
def test_every_leaf_is_false_for_a_missing_answer(missing, op, value):
    leaf = {"q": "a", "op": op}
    if op != "answered":
        leaf["value"] = [value] if op == "in" else value

    assert evaluate(leaf, {"a": missing}) is False
    assert evaluate(leaf, {}) is False


@settings(database=None)
@given(answer=scalars, value=scalars)
def test_in_with_one_item_means_eq(answer, value):
    answers = {"a": answer}

    assert evaluate({"q": "a", "op": "in", "value": [value]}, answers) is evaluate(
        {"q": "a", "op": "eq", "value": value}, answers
    )
