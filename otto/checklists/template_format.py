"""The checklist template format: the one validator of a template body.

Two passes, whose errors are reported together:
1. marshmallow schemas check the shape of every node (types, required keys, allowed values,
   unknown keys, well-formed conditions, min <= max);
2. cross-field checks on the raw body check what a single node cannot see: unique section and
   question ids, unique option values, condition references (`show_if` may use only earlier
   questions, `deviation.when` the question itself or earlier ones) and condition values that
   fit the referenced question's type.

Errors map a path to messages: `title`, `sections[2].questions[4].show_if.q`; "" is the body
itself. The meaning of a condition is owned by `logic`; the meaning of answers by `checker`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from otto import limits
from otto.checklists.logic import (
    COMPARISON_OPS,
    OPS,
    condition_shape_errors,
    is_integer,
    is_number,
    iter_leaves,
    parse_iso_date,
    unknown_key_message,
)
from otto.schemas import text

# An agency code (the agencies themselves are data: otto.accounts.agencies).
_AGENCY_CODE = validate.Regexp(r"^[a-z][a-z0-9_]{1,19}$", error="Not an agency code.")
# fmt: off
QUESTION_TYPES = (
    "yesno", "number", "integer", "text", "choice", "date", "photo", "signature", "location",
)
# fmt: on
SEVERITIES = ("info", "minor", "major", "critical")
YESNO_VALUES = ("yes", "no", "na")
# Types whose answers conditions can only test for presence.
ANSWERED_ONLY_TYPES = ("photo", "signature", "location")
ORDERED_TYPES = ("number", "integer", "date")

_SLUG = validate.Regexp(
    r"\A[a-z0-9-]+\Z", error="Must be a slug: lowercase letters, digits and '-'."
)

Path = tuple[str | int, ...]


class TemplateInvalid(Exception):
    """A template body broke the format; `errors` maps each path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(f"invalid checklist template ({len(errors)} paths with errors)")
        self.errors = errors


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def _text(required: bool = False, limit: int = limits.LABEL) -> fields.String:
    return text(limit, required=required, validate=_not_blank)


class JsonValue(fields.Field):
    """A JSON value kept as-is when `accepts(value)`; no coercion (1 is not true, "5" not 5)."""

    def __init__(self, accepts: Callable[[Any], bool], message: str, **kwargs: Any):
        super().__init__(**kwargs)
        self._accepts = accepts
        self._message = message

    def _deserialize(self, value, attr, data, **kwargs):
        if not self._accepts(value):
            raise ValidationError(self._message)
        return value


def _boolean() -> JsonValue:
    return JsonValue(lambda v: isinstance(v, bool), "Must be true or false.")


def _number() -> JsonValue:
    return JsonValue(is_number, "Must be a number.")


def _integer(**kwargs: Any) -> JsonValue:
    return JsonValue(is_integer, "Must be an integer.", **kwargs)


class Condition(fields.Field):
    """A show_if / deviation condition, checked for shape only (references: second pass)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if messages := condition_shape_errors(value):
            raise ValidationError(messages)
        return value


class _StrictSchema(Schema):
    """Base schema: unknown keys are errors that list the keys allowed at that place."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.error_messages = {
            **self.error_messages,
            "type": "Must be an object.",
            "unknown": unknown_key_message(self.fields),
        }


class OptionSchema(_StrictSchema):
    value = _text(required=True)
    label = _text(required=True)


class DeviationSchema(_StrictSchema):
    when = Condition(required=True)
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    text = _text(required=True)
    legal_ref = _text(limit=limits.LEGAL_REF)


class QuestionSchema(_StrictSchema):
    """The keys every question type has; also used alone when the type is unknown."""

    id = text(limits.QUESTION_ID, required=True, validate=_SLUG)
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    text = _text(required=True)
    help = _text()
    required = _boolean()
    legal_ref = _text(limit=limits.LEGAL_REF)
    # Where the rule comes from (statute, agency guidance, URL), for a domain expert to check.
    source = _text()
    show_if = Condition()
    deviation = fields.Nested(DeviationSchema)


class _BoundedQuestionSchema(QuestionSchema):
    @validates_schema(skip_on_field_errors=False)
    def _min_not_above_max(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if "min" in data and "max" in data and data["min"] > data["max"]:
            raise ValidationError("Must not be greater than max.", "min")


class NumberQuestionSchema(_BoundedQuestionSchema):
    unit = _text()
    min = _number()
    max = _number()


class IntegerQuestionSchema(_BoundedQuestionSchema):
    min = _integer()
    max = _integer()


class ChoiceQuestionSchema(QuestionSchema):
    options = fields.List(
        fields.Nested(OptionSchema),
        required=True,
        validate=validate.Length(min=1, error="Must have at least one option."),
    )
    multiple = _boolean()


class PhotoQuestionSchema(QuestionSchema):
    min_photos = _integer(validate=validate.Range(min=0))


_SCHEMA_BY_TYPE = {
    "number": NumberQuestionSchema,
    "integer": IntegerQuestionSchema,
    "choice": ChoiceQuestionSchema,
    "photo": PhotoQuestionSchema,
}


class Question(fields.Field):
    """One question, loaded with the schema of its `type`."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._schemas = {t: _SCHEMA_BY_TYPE.get(t, QuestionSchema)() for t in QUESTION_TYPES}
        # With an unknown type we cannot tell which extra keys are allowed: skip them.
        self._fallback = QuestionSchema(unknown=EXCLUDE)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, Mapping):
            raise ValidationError("Must be an object.")
        question_type = value.get("type")
        schema = self._schemas.get(question_type) if isinstance(question_type, str) else None
        return (schema or self._fallback).load(value)


class SectionSchema(_StrictSchema):
    id = text(limits.QUESTION_ID, required=True, validate=_SLUG)
    title = _text(required=True)
    source = _text()
    questions = fields.List(
        Question(),
        required=True,
        validate=validate.Length(min=1, error="Must have at least one question."),
    )


class TemplateSchema(_StrictSchema):
    key = text(limits.KEY, required=True, validate=_SLUG)
    agency = fields.String(required=True, validate=_AGENCY_CODE)
    title = _text(required=True, limit=limits.NAME)
    description = _text()
    purpose = _text()
    legal_basis = _text()
    sections = fields.List(
        fields.Nested(SectionSchema),
        required=True,
        validate=validate.Length(min=1, error="Must have at least one section."),
    )


_TEMPLATE_SCHEMA = TemplateSchema()


def validate_template(body: Any) -> dict[str, Any]:
    """Validate a whole template body and return the cleaned copy.

    Raises TemplateInvalid with every error found (never just the first), keyed by path.
    """
    found: list[tuple[Path, str]] = []
    cleaned: dict[str, Any] = {}
    try:
        cleaned = _TEMPLATE_SCHEMA.load(body)
    except ValidationError as error:
        found.extend(_flatten(error.messages))
    if isinstance(body, Mapping):
        found.extend(_cross_field_errors(body))
    if found:
        errors: dict[str, list[str]] = {}
        for parts, message in sorted(found, key=lambda item: _path_sort_key(item[0])):
            messages = errors.setdefault(format_path(parts), [])
            if message not in messages:
                messages.append(message)
        raise TemplateInvalid(errors)
    return cleaned


_PATH_TOKEN = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def parse_path(path: str) -> Path:
    """The inverse of `format_path`: `sections[2].questions[4].show_if.q` → ("sections", 2,
    "questions", 4, "show_if", "q"); a tail such as `.all[0].q` parses alike."""
    return tuple(int(index) if index else key for index, key in _PATH_TOKEN.findall(path))


def format_path(parts: Path) -> str:
    """Render path parts as `sections[2].questions[4].show_if.q`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _path_sort_key(parts: Path) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in parts)


def _flatten(messages: Any, parts: Path = ()) -> Iterator[tuple[Path, str]]:
    """Turn marshmallow's nested error messages into (path, message) pairs."""
    if isinstance(messages, dict):
        for key, nested in messages.items():
            yield from _flatten(nested, parts if key == "_schema" else (*parts, key))
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, parts)
    else:
        yield parts, str(messages)


def _cross_field_errors(body: Mapping[str, Any]) -> Iterator[tuple[Path, str]]:
    """Checks across nodes, done on the raw body so they run even when the shape is broken."""
    sections = body.get("sections")
    if not isinstance(sections, list):
        return
    questions: list[tuple[Path, Mapping[str, Any]]] = []
    section_paths: dict[str, Path] = {}
    for s, section in enumerate(sections):
        if not isinstance(section, Mapping):
            continue
        if duplicate := _register_id(section.get("id"), ("sections", s), section_paths):
            yield duplicate
        if isinstance(section.get("questions"), list):
            questions += [
                (("sections", s, "questions", q), question)
                for q, question in enumerate(section["questions"])
                if isinstance(question, Mapping)
            ]

    # question id -> (position in template order, question); the first one wins.
    by_id: dict[str, tuple[int, Mapping[str, Any]]] = {}
    question_paths: dict[str, Path] = {}
    for position, (path, question) in enumerate(questions):
        if duplicate := _register_id(question.get("id"), path, question_paths):
            yield duplicate
        elif isinstance(question.get("id"), str):
            by_id[question["id"]] = (position, question)
        if question.get("type") == "choice":
            yield from _duplicate_options(question.get("options"), path)

    for position, (path, question) in enumerate(questions):
        yield from _condition_errors(
            question.get("show_if"), (*path, "show_if"), position, by_id, allow_self=False
        )
        deviation = question.get("deviation")
        if isinstance(deviation, Mapping):
            when_path = (*path, "deviation", "when")
            yield from _condition_errors(
                deviation.get("when"), when_path, position, by_id, allow_self=True
            )


def _register_id(item_id: Any, path: Path, seen: dict[str, Path]) -> tuple[Path, str] | None:
    """Remember an id; return the error when it was used before (ids are case-sensitive)."""
    if not isinstance(item_id, str):
        return None
    if item_id in seen:
        first = format_path(seen[item_id])
        return (*path, "id"), f"Duplicate id '{item_id}' (first used at {first})."
    seen[item_id] = path
    return None


def _duplicate_options(options: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if not isinstance(options, list):
        return
    seen: set[str] = set()
    for index, option in enumerate(options):
        value = option.get("value") if isinstance(option, Mapping) else None
        if isinstance(value, str):
            if value in seen:
                yield (*path, "options", index, "value"), f"Duplicate option value '{value}'."
            seen.add(value)


def _condition_errors(
    condition: Any,
    path: Path,
    position: int,
    by_id: Mapping[str, tuple[int, Mapping[str, Any]]],
    allow_self: bool,
) -> Iterator[tuple[Path, str]]:
    """Reference and value checks for every leaf of one condition."""
    for leaf_path, leaf in iter_leaves(condition, path):
        question_id = leaf["q"]
        if not isinstance(question_id, str):
            continue
        target = by_id.get(question_id)
        if target is None:
            yield (*leaf_path, "q"), f"Unknown question '{question_id}'."
        elif target[0] == position and not allow_self:
            yield (*leaf_path, "q"), "Must reference an earlier question, not the question itself."
        elif target[0] > position:
            earlier = "this question or an earlier one" if allow_self else "an earlier question"
            yield (*leaf_path, "q"), f"Must reference {earlier}; '{question_id}' comes later."
        else:
            yield from _leaf_value_errors(leaf, leaf_path, target[1])


def _leaf_value_errors(
    leaf: Mapping[str, Any], path: Path, question: Mapping[str, Any]
) -> Iterator[tuple[Path, str]]:
    """Does the leaf's op and value fit the referenced question's type?"""
    op, question_type = leaf.get("op"), question.get("type")
    if not isinstance(op, str) or op not in OPS or op == "answered" or "value" not in leaf:
        return
    if question_type not in QUESTION_TYPES:
        return  # already reported on the question itself
    if question_type in ANSWERED_ONLY_TYPES:
        yield (*path, "op"), f"Only 'answered' can be used on a {question_type} question."
        return
    if op in COMPARISON_OPS and question_type not in ORDERED_TYPES:
        yield (*path, "op"), f"'{op}' compares numbers or dates, not {question_type} answers."
        return
    value = leaf["value"]
    if op != "in":
        items: list[tuple[Path, Any]] = [((*path, "value"), value)]
    elif isinstance(value, list):
        items = [((*path, "value", i), item) for i, item in enumerate(value)]
    else:
        return
    for item_path, item in items:
        if message := _value_mismatch(question, item):
            yield item_path, message


def _value_mismatch(question: Mapping[str, Any], value: Any) -> str | None:
    """Message when a condition value can never match an answer to `question`."""
    question_type = question.get("type")
    if question_type == "yesno" and value not in YESNO_VALUES:
        return f"Must be one of: {', '.join(YESNO_VALUES)}."
    if question_type == "choice":
        options = question.get("options")
        allowed = {
            option["value"]: None
            for option in (options if isinstance(options, list) else [])
            if isinstance(option, Mapping) and isinstance(option.get("value"), str)
        }
        if not isinstance(value, str) or value not in allowed:
            return f"Must be one of the options: {', '.join(allowed)}."
    if question_type in ("number", "integer") and not is_number(value):
        return "Must be a number."
    if question_type == "date" and parse_iso_date(value) is None:
        return "Must be a date (YYYY-MM-DD)."
    if question_type == "text" and not isinstance(value, str):
        return "Must be a string."
    return None
