"""Conditions in Swedish prose, for the authoring pages (the words for codes: otto.labels).

`describe_condition` says in Swedish what a condition means, e.g.
”Temperatur i kylförvaring” är större än 8 °C och ”Finns rutiner?” är Nej.
The meaning itself is owned by `logic`; this module only puts it into words.
"""

from collections.abc import Mapping
from typing import Any

from otto import labels

# The words for each operator (one home: otto/labels.json, read by the editor too).
_OP_WORDS = labels.CONDITION_OPS
_DATE_OP_WORDS = {**_OP_WORDS, **labels.CONDITION_OPS_DATE}


def describe_condition(condition: Mapping[str, Any], questions: Mapping[str, dict]) -> str:
    """A condition of a validated template in Swedish; `questions` maps ids to questions."""
    if "q" in condition:
        return _describe_leaf(condition, questions)
    if "not" in condition:
        return f"inte ({describe_condition(condition['not'], questions)})"
    combinator, word, empty = (
        ("all", " och ", "alltid") if "all" in condition else ("any", " eller ", "aldrig")
    )
    parts = condition[combinator]
    if len(parts) == 1:
        return describe_condition(parts[0], questions)
    return word.join(_operand(part, questions) for part in parts) or empty


def _operand(condition: Mapping[str, Any], questions: Mapping[str, dict]) -> str:
    """A part of an "och"/"eller" list, in parentheses when it is a list itself."""
    text = describe_condition(condition, questions)
    nested = condition.get("all") or condition.get("any") or []
    return f"({text})" if len(nested) > 1 else text


def _describe_leaf(leaf: Mapping[str, Any], questions: Mapping[str, dict]) -> str:
    question = questions.get(leaf["q"], {})
    subject = f"”{question.get('text', leaf['q'])}”"
    if leaf["op"] == "answered":
        return f"{subject} {_OP_WORDS['answered']}"
    values = leaf["value"] if leaf["op"] == "in" else [leaf["value"]]
    words = ", ".join(_describe_value(value, question) for value in values)
    op_words = _DATE_OP_WORDS if question.get("type") == "date" else _OP_WORDS
    return f"{subject} {op_words[leaf['op']]} {words}"


def _describe_value(value: Any, question: Mapping[str, Any]) -> str:
    """An answer value as the inspector sees it: option labels, Ja/Nej, numbers with unit."""
    if question.get("type") == "yesno":
        return labels.YESNO.get(value, str(value))
    if question.get("type") == "choice":
        options = {option["value"]: option["label"] for option in question["options"]}
        return f"”{options.get(value, value)}”"
    if question.get("unit"):
        return f"{value} {question['unit']}"
    return str(value)
