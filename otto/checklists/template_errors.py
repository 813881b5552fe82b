"""The template validator's errors in Swedish, each pointed at its section and question.

`template_format` (with `logic` for conditions) speaks English and names places by path
(`sections[2].questions[4].show_if.q`), which suits the API. A coordinator needs to read what
is wrong with *this question*: `swedish_errors` turns every (path, message) into
{"path", "section", "question", "field", "message", "where"}: the ids of the section and
question the path points into (from the body, None when it has none or points elsewhere),
the key of the question (or section, or template) the error is about ("" for the item
itself), the Swedish message, and where that is in words ("Avsnitt 2 › fråga ”…”").

Every English message the validator can give has a pattern in `_RULES`; a message with
variable parts is matched by a regular expression. A message no rule knows becomes a
generic Swedish sentence at run time (the author still sees where), and the tests fail
(tests/checklists/test_template_errors.py runs the validator over a corpus that produces
every message and reads the validator's source for sentences the corpus missed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from otto import labels
from otto.checklists.template_format import Path as Parts
from otto.checklists.template_format import parse_path
from otto.limits import too_long

# What each key is called, by the kind of node it belongs to ("the title" → "Rubriken").
_TEMPLATE_KEYS = {
    "key": "Mallens nyckel",
    "agency": "Myndigheten",
    "title": "Mallens rubrik",
    "description": "Beskrivningen",
    "purpose": "Syftet",
    "legal_basis": "Den rättsliga grunden",
    "sections": "Avsnitten",
}
_SECTION_KEYS = {
    "id": "Avsnittets id",
    "title": "Avsnittets rubrik",
    "source": "Avsnittets källa",
    "questions": "Frågorna",
}
_QUESTION_KEYS = {
    "id": "Frågans id",
    "type": "Frågetypen",
    "text": "Frågetexten",
    "help": "Hjälptexten",
    "required": "Obligatorisk",
    "legal_ref": "Lagrummet",
    "source": "Källan",
    "show_if": "Visningsvillkoret",
    "deviation": "Avvikelseregeln",
    "unit": "Enheten",
    "min": "Minsta värdet",
    "max": "Högsta värdet",
    "options": "Svarsalternativen",
    "multiple": "Flerval",
    "min_photos": "Minsta antal foton",
}
_DEVIATION_KEYS = {
    "when": "Avvikelsevillkoret",
    "severity": "Allvarlighetsgraden",
    "text": "Avvikelsetexten",
    "legal_ref": "Avvikelsens lagrum",
}
_OPTION_KEYS = {"value": "Alternativets värde", "label": "Alternativets text"}
_CONDITION_KEYS = {
    "q": "Frågan i villkoret",
    "op": "Jämförelsen i villkoret",
    "value": "Värdet i villkoret",
}
_CONDITIONS = {"show_if": "Visningsvillkoret", "when": "Avvikelsevillkoret"}


class _Place:
    """Where a path points: the section and question it is inside, and what it names."""

    def __init__(self, body: Any, parts: Parts):
        self.body, self.parts = body, parts
        self.section_index = self.question_index = None
        self.section: Mapping | None = None
        self.question: Mapping | None = None
        rest = parts
        if len(parts) >= 2 and parts[0] == "sections" and isinstance(parts[1], int):
            self.section_index = parts[1]
            self.section = _item(_get(body, "sections"), parts[1])
            rest = parts[2:]
            if len(rest) >= 2 and rest[0] == "questions" and isinstance(rest[1], int):
                self.question_index = rest[1]
                self.question = _item(_get(self.section, "questions"), rest[1])
                rest = rest[2:]
        self.rest = rest  # the path inside the question (or section, or template)
        self.field = next((p for p in rest if isinstance(p, str)), "") if rest else ""

    @property
    def section_id(self) -> str | None:
        return _id_of(self.section)

    @property
    def question_id(self) -> str | None:
        return _id_of(self.question)

    def where(self) -> str:
        """The place in words: "Mallen", "Avsnitt 2", "Avsnitt 2 › fråga ”Finns rutiner?”"."""
        if self.section_index is None:
            return "Mallen"
        section = f"Avsnitt {self.section_index + 1}"
        if self.question_index is None:
            return section
        text = _get(self.question, "text")
        if isinstance(text, str) and text.strip():
            return f"{section} › fråga ”{_short(text)}”"
        return f"{section} › fråga {self.question_index + 1}"

    def condition_name(self) -> str:
        """The condition the path is inside, by name ("Visningsvillkoret"), or ""."""
        for part in reversed(self.rest):
            if part in _CONDITIONS and (part == "show_if" or "deviation" in self.rest):
                return _CONDITIONS[part]
        return ""

    def in_condition(self) -> bool:
        return bool(self.condition_name())

    def subject(self) -> str:
        """What the path names, as the subject of a Swedish sentence ("Frågetexten")."""
        parts = self.rest
        if self.in_condition():
            tail = parts[_condition_start(parts) :]
            last_key = next((p for p in reversed(tail) if isinstance(p, str)), None)
            if last_key in _CONDITION_KEYS and tail[-1] == last_key:
                return _CONDITION_KEYS[last_key]
            if last_key == "value":
                return _CONDITION_KEYS["value"]
            return "Villkoret" if len(tail) > 1 else self.condition_name()
        if not parts:
            if self.question_index is not None:
                return "Frågan"
            return "Avsnittet" if self.section_index is not None else "Mallen"
        last = parts[-1]
        if isinstance(last, int):
            if parts[:1] == ("options",):
                return f"Svarsalternativ {last + 1}"
            return "Avsnittet" if parts == ("sections", last) else "Frågan"
        if "options" in parts and len(parts) > 1:
            names = _OPTION_KEYS
        elif parts[0] == "deviation" and len(parts) > 1:
            names = _DEVIATION_KEYS
        elif self.question_index is not None:
            names = _QUESTION_KEYS
        elif self.section_index is not None:
            names = _SECTION_KEYS
        else:
            names = _TEMPLATE_KEYS
        return names.get(last, f"Fältet ”{last}”")

    def condition_leaf(self) -> Mapping | None:
        """The condition leaf the path is inside ({q, op, value}), from the body."""
        node: Any = self.body
        leaf = None
        for part in self.parts:
            node = _item(node, part) if isinstance(part, int) else _get(node, part)
            if isinstance(node, Mapping) and "q" in node:
                leaf = node
        return leaf

    def question_by_id(self, question_id: str) -> Mapping | None:
        for section in _list(_get(self.body, "sections")):
            for question in _list(_get(section, "questions")):
                if _get(question, "id") == question_id:
                    return question
        return None


def _condition_start(parts: Parts) -> int:
    for index, part in enumerate(parts):
        if part in _CONDITIONS:
            return index
    return 0


def _get(node: Any, key: str) -> Any:
    return node.get(key) if isinstance(node, Mapping) else None


def _item(node: Any, index: int) -> Any:
    return node[index] if isinstance(node, list) and 0 <= index < len(node) else None


def _list(node: Any) -> list:
    return node if isinstance(node, list) else []


def _id_of(node: Any) -> str | None:
    value = _get(node, "id")
    return value if isinstance(value, str) and value else None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _named(place: _Place, question_id: str) -> str:
    """A referenced question by its text (”Finns rutiner?”), else by its id."""
    text = _get(place.question_by_id(question_id), "text")
    if isinstance(text, str) and text.strip():
        return f"”{_short(text)}”"
    return f"med id ”{question_id}”"


def _type_word(code: str) -> str:
    return labels.QUESTION_TYPES.get(code, code)


def _one_of(place: _Place, match: re.Match) -> str:
    """ "Must be one of: …" — of question types, severities, condition ops or yes/no values."""
    last = place.rest[-1] if place.rest else None
    if last == "type" and not place.in_condition():
        kinds = ", ".join(labels.QUESTION_TYPES.values())
        return f"Okänd frågetyp. Välj en av: {kinds}."
    if last == "severity":
        return f"Välj en allvarlighetsgrad: {', '.join(labels.SEVERITIES.values())}."
    if last == "op":
        return "Okänd jämförelse. Välj en jämförelse i listan."
    if place.in_condition():  # a yes/no question's value
        words = ", ".join(labels.YESNO.values())
        return f"Värdet i villkoret ska vara ett av svaren {words}."
    return f"{place.subject()} har ett värde som inte finns i listan."


def _option_labels(place: _Place, match: re.Match) -> str:
    leaf = place.condition_leaf()
    question = place.question_by_id(leaf["q"]) if leaf and isinstance(leaf["q"], str) else None
    names = [
        f"”{option.get('label') or option.get('value')}”"
        for option in _list(_get(question, "options"))
        if isinstance(option, Mapping) and isinstance(option.get("value"), str)
    ]
    listed = ", ".join(names) if names else match["values"]
    return f"Värdet i villkoret ska vara ett av frågans svarsalternativ: {listed}."


def _duplicate_id(place: _Place, match: re.Match) -> str:
    first = _Place(place.body, parse_path(match["first"])).where()
    return f"Id:t ”{match['id']}” används redan ({first}). Välj ett annat."


def _later(place: _Place, match: re.Match) -> str:
    earlier = (
        "frågan själv eller en tidigare fråga"
        if "this question" in match[0]
        else ("en tidigare fråga")
    )
    name = place.condition_name() or "Villkoret"
    return (
        f"{name} hänvisar till frågan {_named(place, match['id'])}, som kommer senare. "
        f"Välj {earlier}."
    )


def _condition(place: _Place) -> str:
    return place.condition_name() or "Villkoret"


Rule = tuple[re.Pattern[str], Callable[[_Place, re.Match], str]]


def _rule(pattern: str, render: Callable[[_Place, re.Match], str]) -> Rule:
    return re.compile(pattern), render


# Every English message of template_format, logic, marshmallow (for the fields used) and the
# services that validate a body, in Swedish. Each pattern matches the whole message.
_RULES: tuple[Rule, ...] = (
    _rule(r"Missing data for required field\.", lambda p, m: f"{p.subject()} saknas."),
    _rule(r"Field may not be null\.", lambda p, m: f"{p.subject()} saknas (null)."),
    _rule(r"Must not be blank\.", lambda p, m: f"{p.subject()} saknas (bara blanksteg)."),
    _rule(r"Not a valid string\.", lambda p, m: f"{p.subject()} ska vara en text."),
    _rule(r"Not a valid list\.", lambda p, m: f"{p.subject()} ska vara en lista."),
    _rule(r"Must be an object\.", lambda p, m: f"{p.subject()} ska vara ett objekt ({{…}})."),
    _rule(r"Must be true or false\.", lambda p, m: f"{p.subject()} ska vara sant eller falskt."),
    _rule(r"Must be a number\.", lambda p, m: f"{p.subject()} ska vara ett tal."),
    _rule(r"Must be an integer\.", lambda p, m: f"{p.subject()} ska vara ett heltal."),
    _rule(r"Must be a string\.", lambda p, m: f"{p.subject()} ska vara en text."),
    _rule(
        r"Must be a date \(YYYY-MM-DD\)\.",
        lambda p, m: f"{p.subject()} ska vara ett datum (ÅÅÅÅ-MM-DD).",
    ),
    _rule(
        r"Must be greater than or equal to (?P<min>-?\d+)\.",
        lambda p, m: f"{p.subject()} får inte vara mindre än {m['min']}.",
    ),
    _rule(
        r"Must be a slug: lowercase letters, digits and '-'\.",
        lambda p, m: (
            f"{p.subject()} får bara innehålla små bokstäver a–z, siffror och bindestreck."
        ),
    ),
    _rule(r"Not an agency code\.", lambda p, m: "Myndigheten ska anges med sin kod."),
    _rule(r"Unknown agency\.", lambda p, m: "Myndigheten finns inte."),
    _rule(
        r"Must stay '(?P<value>.*)'\.",
        lambda p, m: f"{p.subject()} kan inte ändras; den ska vara ”{m['value']}”.",
    ),
    _rule(
        re.escape(too_long(999)).replace("999", r"(?P<limit>\d+)"),  # otto.limits' words
        lambda p, m: f"{p.subject()} är för lång: högst {m['limit']} tecken.",
    ),
    _rule(
        r"Unknown key\. Allowed keys: (?P<keys>.*)\.",
        lambda p, m: f"Fältet ”{p.parts[-1]}” hör inte hemma här (tillåtna fält: {m['keys']}).",
    ),
    _rule(
        r"Must not be greater than max\.",
        lambda p, m: "Minsta värdet får inte vara större än högsta värdet.",
    ),
    _rule(
        r"Must have at least one option\.",
        lambda p, m: "Frågan behöver minst ett svarsalternativ.",
    ),
    _rule(r"Must have at least one question\.", lambda p, m: "Avsnittet behöver minst en fråga."),
    _rule(r"Must have at least one section\.", lambda p, m: "Mallen behöver minst ett avsnitt."),
    _rule(r"Must be one of the options: (?P<values>.*)\.", _option_labels),
    _rule(r"Must be one of: (?P<values>.*)\.", _one_of),
    _rule(r"Duplicate id '(?P<id>.*)' \(first used at (?P<first>.*)\)\.", _duplicate_id),
    _rule(
        r"Duplicate option value '(?P<value>.*)'\.",
        lambda p, m: f"Värdet ”{m['value']}” finns redan bland frågans svarsalternativ.",
    ),
    _rule(
        r"Unknown question '(?P<id>.*)'\.",
        lambda p, m: f"{_condition(p)} hänvisar till en fråga som inte finns (id ”{m['id']}”).",
    ),
    _rule(
        r"Must reference an earlier question, not the question itself\.",
        lambda p, m: f"{_condition(p)} kan inte hänvisa till frågan själv. Välj en tidigare fråga.",
    ),
    _rule(
        r"Must reference (this question or an earlier one|an earlier question); "
        r"'(?P<id>.*)' comes later\.",
        _later,
    ),
    _rule(
        r"Only 'answered' can be used on a (?P<type>\w+) question\.",
        lambda p, m: (
            f"En fråga av typen {_type_word(m['type'])} kan bara villkoras på att den är besvarad."
        ),
    ),
    _rule(
        r"'(?P<op>\w+)' compares numbers or dates, not (?P<type>\w+) answers\.",
        lambda p, m: (
            "Större än och mindre än gäller bara tal och datum, inte svar av typen "
            f"{_type_word(m['type'])}."
        ),
    ),
    _rule(
        r"Nested deeper than (?P<depth>\d+) levels\.",
        lambda p, m: f"{_condition(p)} är nästlat i mer än {m['depth']} nivåer.",
    ),
    _rule(
        r"Must be either a leaf \{q, op, value\} or exactly one of: all, any, not\.",
        lambda p, m: (
            f"{p.subject()} ska vara antingen en jämförelse med en fråga (q, op, value) eller "
            "exakt en grupp: alla gäller (all), någon gäller (any) eller gäller inte (not)."
        ),
    ),
    _rule(
        r"Must be a list of conditions\.",
        lambda p, m: f"{p.subject()} ska vara en lista med villkor.",
    ),
    _rule(r"Must be a question id\.", lambda p, m: "Välj vilken fråga villkoret gäller."),
    _rule(
        r"Not used with op 'answered'\.",
        lambda p, m: "Ett värde används inte när villkoret är att frågan är besvarad.",
    ),
    _rule(
        r"Must be a list for op 'in'\.",
        lambda p, m: "Värdet ska vara en lista när jämförelsen är ”är något av”.",
    ),
)

# A message no rule knows (a test fails first; see the module docstring).
UNKNOWN_MESSAGE = "Ogiltigt värde."


def translate(message: str, place: _Place) -> str | None:
    """The Swedish of one validator message at `place`, or None when no rule knows it."""
    for pattern, render in _RULES:
        if match := pattern.fullmatch(message):
            return render(place, match)
    return None


def swedish_errors(body: Any, errors: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The validator's `errors` ({path: [English message]}) on `body`, in Swedish and located.

    Errors come in the validator's order (template order); one entry per message.
    """
    found = []
    for path, messages in errors.items():
        place = _Place(body, parse_path(path))
        for message in messages if isinstance(messages, list) else [messages]:
            found.append(
                {
                    "path": path,
                    "section": place.section_id,
                    "question": place.question_id,
                    "field": place.field,
                    "message": translate(str(message), place) or UNKNOWN_MESSAGE,
                    "where": place.where(),
                }
            )
    return found
