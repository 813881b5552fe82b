"""The checklist condition evaluator: the one definition of what a condition means.

Conditions drive `show_if` (is a question visible?) and `deviation.when` (does an answer suggest
a finding?). The field app carries a JavaScript twin of this module (`logic.js` in `pwa/`); both
must pass the shared vectors in `condition_vectors.json`. The rules below are that contract.

Shape
    leaf:        {"q": question_id, "op": OP, "value": ...}   ("value" omitted for "answered")
    combinators: {"all": [cond, ...]}  true when every condition is true; empty list -> true
                 {"any": [cond, ...]}  true when some condition is true;  empty list -> false
                 {"not": cond}

Missing answers
    An answer is missing when its key is absent or its value is null, "" or [].
    With a missing answer every leaf is false, whatever the op ("ne" and "answered" included).
    So {"not": leaf} is the way to say "unanswered or different".

Equality (used by eq, ne and in)
    Only scalars can be equal: strings, numbers and booleans.
    - No type coercion: "5" != 5, "yes" != true.
    - int and float compare numerically: 5 == 5.0.
    - Booleans equal only booleans: true != 1, false != 0. (NaN and infinities, which JSON
      cannot carry, are not numbers.)
    - Lists, objects and null are never equal to anything.

Operators on the answer A and the condition's value V
    answered        A is not missing.
    eq              A equals V. When A is a list (multiple choice): V is among A's items.
    ne              A does not equal V. When A is a list: V is not among A's items.
    gt gte lt lte   Both numbers (booleans are not numbers): numeric comparison.
                    Both strings that are ISO dates (YYYY-MM-DD, a real calendar day):
                    date comparison. Anything else (lists included): false.
    in              V is a list. A equals one of V's items. When A is a list: some item of A
                    equals some item of V.

yesno answers are the strings "yes", "no" and "na"; they follow the string rules above.

A condition the evaluator cannot read (unknown op, unknown shape, "in" without a list) raises
ValueError. `condition_shape_errors` reports such problems up front; `template_format` uses it
(and checks question references) before a template is ever evaluated.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

_COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
COMPARISON_OPS = frozenset(_COMPARE)
EQUALITY_OPS = frozenset({"eq", "ne", "in"})
OPS = COMPARISON_OPS | EQUALITY_OPS | {"answered"}
COMBINATORS = ("all", "any", "not")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_missing(value: Any) -> bool:
    """Return True when an answer value counts as unanswered: None, "" or []."""
    return value is None or value == "" or (isinstance(value, list) and not value)


def is_integer(value: Any) -> bool:
    """Return True for int values; booleans are not integers."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Return True for ints and finite floats; booleans, NaN and infinities are not numbers."""
    if isinstance(value, float):
        return math.isfinite(value)
    return is_integer(value)


def parse_iso_date(value: Any) -> date | None:
    """Return the date for a strict "YYYY-MM-DD" string of a real calendar day, else None."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def values_equal(a: Any, b: Any) -> bool:
    """The one equality rule of conditions: scalars only, no coercion, int == float."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) and is_number(b):
        return a == b
    return isinstance(a, str) and isinstance(b, str) and a == b


def _contains(items: list[Any], value: Any) -> bool:
    return any(values_equal(item, value) for item in items)


def _compare(op: str, answer: Any, value: Any) -> bool:
    if is_number(answer) and is_number(value):
        return _COMPARE[op](answer, value)
    answer_date, value_date = parse_iso_date(answer), parse_iso_date(value)
    if answer_date is None or value_date is None:
        return False
    return _COMPARE[op](answer_date, value_date)


def _evaluate_leaf(leaf: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    op = leaf.get("op")
    if not isinstance(op, str) or op not in OPS:
        raise ValueError(f"unknown condition op: {op!r}")
    question_id = leaf["q"]
    if not isinstance(question_id, str):
        raise ValueError(f"condition q must be a question id, got {question_id!r}")
    answer = answers.get(question_id)
    if is_missing(answer):
        return False
    if op == "answered":
        return True
    if "value" not in leaf:
        raise ValueError(f"condition op {op!r} needs a value")
    value = leaf["value"]
    if op in COMPARISON_OPS:
        return _compare(op, answer, value)
    selected = answer if isinstance(answer, list) else [answer]
    if op == "eq":
        return _contains(selected, value)
    if op == "ne":
        return not _contains(selected, value)
    if not isinstance(value, list):
        raise ValueError("condition op 'in' needs a list value")
    return any(_contains(value, item) for item in selected)


def evaluate(condition: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """Evaluate a condition against answers keyed by question id (rules: module docstring)."""
    if not isinstance(condition, Mapping):
        raise ValueError(f"a condition must be an object, got {type(condition).__name__}")
    if "q" in condition:
        return _evaluate_leaf(condition, answers)
    if "all" in condition:
        return all(evaluate(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(evaluate(part, answers) for part in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], answers)
    raise ValueError(f"unknown condition shape with keys {sorted(condition)}")


def unknown_key_message(allowed: Iterable[str]) -> str:
    """The one wording of an unknown-key error, naming the keys allowed at that place."""
    return f"Unknown key. Allowed keys: {', '.join(allowed)}."


# The deepest nesting of combinators a condition may have (as deep as a request body may be).
MAX_CONDITION_DEPTH = 64


def condition_shape_errors(condition: Any, depth: int = 1) -> list[str] | dict[Any, Any] | None:
    """Return the shape errors of a condition, or None when the evaluator can read it.

    Errors are nested like marshmallow's: a list of messages for the condition itself, or a
    dict keyed by "q"/"op"/"value"/combinator and list index. References to questions are
    not checked here (that needs the template: see template_format).
    """
    if not isinstance(condition, Mapping):
        return ["Must be an object."]
    if depth > MAX_CONDITION_DEPTH:
        return [f"Nested deeper than {MAX_CONDITION_DEPTH} levels."]
    shapes = [key for key in ("q", *COMBINATORS) if key in condition]
    if len(shapes) != 1:
        return ["Must be either a leaf {q, op, value} or exactly one of: all, any, not."]
    if shapes == ["q"]:
        return _leaf_shape_errors(condition) or None
    combinator = shapes[0]
    errors: dict[Any, Any] = {
        key: [unknown_key_message((combinator,))] for key in condition if key != combinator
    }
    operand = condition[combinator]
    if combinator == "not":
        if nested := condition_shape_errors(operand, depth + 1):
            errors["not"] = nested
    elif not isinstance(operand, list):
        errors[combinator] = ["Must be a list of conditions."]
    else:
        parts = {
            i: m for i, part in enumerate(operand) if (m := condition_shape_errors(part, depth + 1))
        }
        if parts:
            errors[combinator] = parts
    return errors or None


def _leaf_shape_errors(leaf: Mapping[str, Any]) -> dict[str, list[str]]:
    """Errors of a leaf's keys: known op, value present unless "answered", list for "in"."""
    allowed = ("q", "op", "value")
    errors = {key: [unknown_key_message(allowed)] for key in leaf if key not in allowed}
    if not isinstance(leaf["q"], str) or not leaf["q"]:
        errors["q"] = ["Must be a question id."]
    op = leaf.get("op")
    if op is None:
        errors["op"] = ["Missing data for required field."]
    elif not isinstance(op, str) or op not in OPS:
        errors["op"] = [f"Must be one of: {', '.join(sorted(OPS))}."]
    elif op == "answered":
        if "value" in leaf:
            errors["value"] = ["Not used with op 'answered'."]
    elif "value" not in leaf:
        errors["value"] = ["Missing data for required field."]
    elif op == "in" and not isinstance(leaf["value"], list):
        errors["value"] = ["Must be a list for op 'in'."]
    return errors


def iter_leaves(
    condition: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Mapping[str, Any]]]:
    """Yield (path, leaf) for every leaf of a condition, tolerating malformed parts.

    The path is relative to the condition, e.g. ("all", 1, "not"). Parts that are not
    conditions are skipped, so this is safe on input that has not been validated yet.
    """
    if not isinstance(condition, Mapping):
        return
    if "q" in condition:
        yield path, condition
        return
    for combinator in ("all", "any"):
        parts = condition.get(combinator)
        if isinstance(parts, list):
            for index, part in enumerate(parts):
                yield from iter_leaves(part, (*path, combinator, index))
    if "not" in condition:
        yield from iter_leaves(condition["not"], (*path, "not"))


def referenced_questions(condition: Mapping[str, Any]) -> set[str]:
    """Return the ids of every question a condition reads."""
    return {leaf["q"] for _, leaf in iter_leaves(condition) if isinstance(leaf["q"], str)}
