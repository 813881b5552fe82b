"""What changed between two versions of a template, in Swedish, for review before publishing.

`diff_templates(before, after)` compares two valid bodies. Questions are matched by id
(an id is a question's identity: answers are stored under it), sections by id. Reported:
- sections added, removed and renamed;
- questions added and removed;
- questions changed: which fields (text, type, help, legal reference, required, options,
  min/max/unit, photo count, source, the deviation's severity, text and legal reference),
  and questions moved to another section or to another place among the questions both
  versions share;
- questions whose logic changed: `show_if`, or the deviation's `when` (a deviation rule
  added or removed counts here too), each described before and after by describe_condition;
- the template's own title, description, purpose and legal basis.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from otto import labels
from otto.checklists.describe import describe_condition

_NONE = "(inget)"


@dataclass(frozen=True)
class QuestionRef:
    """A question by what a reader recognises: its text and its section's title."""

    id: str
    text: str
    section: str


@dataclass(frozen=True)
class QuestionChange:
    question: QuestionRef
    changes: list[str]


@dataclass(frozen=True)
class LogicChange:
    question: QuestionRef
    what: str  # "Visas när" or "Avvikelse"
    before: str
    after: str


@dataclass
class TemplateDiff:
    template: list[str] = field(default_factory=list)
    sections_added: list[str] = field(default_factory=list)
    sections_removed: list[str] = field(default_factory=list)
    sections_renamed: list[tuple[str, str]] = field(default_factory=list)
    added: list[QuestionRef] = field(default_factory=list)
    removed: list[QuestionRef] = field(default_factory=list)
    changed: list[QuestionChange] = field(default_factory=list)
    logic: list[LogicChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.template
            or self.sections_added
            or self.sections_removed
            or self.sections_renamed
            or self.added
            or self.removed
            or self.changed
            or self.logic
        )

    def summary(self) -> list[str]:
        """The counts in words: "2 frågor tillagda", "1 fråga borttagen"."""
        counts = [
            (len(self.added), "fråga", "tillagd", "tillagda"),
            (len(self.removed), "fråga", "borttagen", "borttagna"),
            (len(self.changed), "fråga", "ändrad", "ändrade"),
            (len({c.question.id for c in self.logic}), "fråga", "med ändrad logik", None),
            (len(self.sections_added), "avsnitt", "tillagt", "tillagda"),
            (len(self.sections_removed), "avsnitt", "borttaget", "borttagna"),
            (len(self.sections_renamed), "avsnitt", "med ny rubrik", None),
        ]
        return [
            f"{labels.plural(n, word)} {one if n == 1 or many is None else many}"
            for n, word, one, many in counts
            if n
        ]


# Fields of a question, in the order they are reported, with their Swedish names.
_QUESTION_FIELDS = {
    "text": "Frågetext",
    "type": "Frågetyp",
    "help": "Hjälptext",
    "legal_ref": "Lagrum",
    "source": "Källa",
    "required": "Obligatorisk",
    "unit": "Enhet",
    "min": "Minsta värde",
    "max": "Högsta värde",
    "multiple": "Flerval",
    "min_photos": "Minsta antal foton",
}
_DEVIATION_FIELDS = {
    "severity": "Avvikelsens allvarlighetsgrad",
    "text": "Avvikelsetext",
    "legal_ref": "Avvikelsens lagrum",
}
_TEMPLATE_FIELDS = {
    "title": "Rubrik",
    "description": "Beskrivning",
    "purpose": "Syfte",
    "legal_basis": "Rättslig grund",
}


def diff_templates(before: Mapping[str, Any], after: Mapping[str, Any]) -> TemplateDiff:
    """The changes that turn `before` into `after` (two valid template bodies)."""
    diff = TemplateDiff()
    diff.template = [
        line
        for key, name in _TEMPLATE_FIELDS.items()
        if (line := _field_line(name, before.get(key), after.get(key)))
    ]
    _diff_sections(before, after, diff)
    old, new = _questions(before), _questions(after)
    old_index = {qid: q for qid, (q, _, _) in old.items()}
    new_index = {qid: q for qid, (q, _, _) in new.items()}
    diff.added = [_ref(qid, q, s) for qid, (q, s, _) in new.items() if qid not in old]
    diff.removed = [_ref(qid, q, s) for qid, (q, s, _) in old.items() if qid not in new]
    moved = _moved(list(old), list(new))
    for qid, (question, section, _) in new.items():
        if qid not in old:
            continue
        previous, previous_section, _ = old[qid]
        ref = _ref(qid, question, section)
        changes = _question_changes(previous, question)
        if previous_section["id"] != section["id"]:
            changes.insert(0, f"Flyttad från avsnittet ”{previous_section['title']}”")
        elif qid in moved:
            changes.insert(0, "Flyttad till en annan plats i avsnittet")
        if changes:
            diff.changed.append(QuestionChange(ref, changes))
        diff.logic += _logic_changes(ref, previous, question, old_index, new_index)
    return diff


def _diff_sections(before: Mapping, after: Mapping, diff: TemplateDiff) -> None:
    old = {s["id"]: s for s in before["sections"]}
    new = {s["id"]: s for s in after["sections"]}
    diff.sections_added = [s["title"] for sid, s in new.items() if sid not in old]
    diff.sections_removed = [s["title"] for sid, s in old.items() if sid not in new]
    diff.sections_renamed = [
        (old[sid]["title"], s["title"])
        for sid, s in new.items()
        if sid in old and old[sid]["title"] != s["title"]
    ]


def _questions(body: Mapping) -> dict[str, tuple[dict, dict, int]]:
    """Question id → (question, its section, position in the template), in template order."""
    found = {}
    for section in body["sections"]:
        for question in section["questions"]:
            found[question["id"]] = (question, section, len(found))
    return found


def _moved(old_order: list[str], new_order: list[str]) -> set[str]:
    """The shared questions that changed place: all but a longest run kept in the same order
    (so one question moved up is one move, not a shift of every question it passed)."""
    old_position = {qid: i for i, qid in enumerate(old_order)}
    shared = [qid for qid in new_order if qid in old_position]
    positions = [old_position[qid] for qid in shared]
    # Longest increasing subsequence of old positions, by patience sorting.
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(positions)
    for i, position in enumerate(positions):
        k = bisect.bisect_left(tails, position)
        if k == len(tails):
            tails.append(position)
            tail_index.append(i)
        else:
            tails[k], tail_index[k] = position, i
        previous[i] = tail_index[k - 1] if k else -1
    kept: set[str] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        kept.add(shared[i])
        i = previous[i]
    return set(shared) - kept


def _ref(qid: str, question: Mapping, section: Mapping) -> QuestionRef:
    return QuestionRef(qid, question["text"], section["title"])


def _question_changes(before: Mapping, after: Mapping) -> list[str]:
    changes = [
        line
        for key, name in _QUESTION_FIELDS.items()
        if (line := _field_line(name, before.get(key), after.get(key), key))
    ]
    changes += _option_changes(before.get("options") or [], after.get("options") or [])
    old, new = before.get("deviation"), after.get("deviation")
    if old and new:
        changes += [
            line
            for key, name in _DEVIATION_FIELDS.items()
            if (line := _field_line(name, old.get(key), new.get(key), key))
        ]
    return changes


def _field_line(name: str, before: Any, after: Any, key: str = "") -> str | None:
    """ "Frågetext: ”Före” → ”Efter”", or None when the field did not change."""
    if before == after:
        return None
    return f"{name}: {_value(before, key)} → {_value(after, key)}"


def _value(value: Any, key: str) -> str:
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if key == "type":
        return labels.label(labels.QUESTION_TYPES, value)
    if key == "severity":
        return labels.label(labels.SEVERITIES, value)
    if isinstance(value, str):
        return f"”{value}”"
    return str(value)


def _option_changes(before: list[dict], after: list[dict]) -> list[str]:
    old = {o["value"]: o["label"] for o in before}
    new = {o["value"]: o["label"] for o in after}
    lines = []
    if added := [f"”{label}”" for value, label in new.items() if value not in old]:
        lines.append(f"Svarsalternativ tillagda: {', '.join(added)}")
    if removed := [f"”{label}”" for value, label in old.items() if value not in new]:
        lines.append(f"Svarsalternativ borttagna: {', '.join(removed)}")
    lines += [
        f"Svarsalternativ: ”{old[value]}” → ”{label}”"
        for value, label in new.items()
        if value in old and old[value] != label
    ]
    shared_old = [v for v in old if v in new]
    shared_new = [v for v in new if v in old]
    if shared_old != shared_new:
        lines.append("Svarsalternativen har ny ordning")
    return lines


def _logic_changes(
    ref: QuestionRef,
    before: Mapping,
    after: Mapping,
    old_index: Mapping[str, dict],
    new_index: Mapping[str, dict],
) -> list[LogicChange]:
    def shown(question, index):
        condition = question.get("show_if")
        return describe_condition(condition, index) if condition else "Visas alltid"

    def deviation(question, index):
        rule = question.get("deviation")
        if not rule:
            return "Ingen avvikelseregel"
        severity = labels.label(labels.SEVERITIES, rule["severity"])
        return f"{severity} när {describe_condition(rule['when'], index)}"

    changes = []
    if before.get("show_if") != after.get("show_if"):
        changes.append(
            LogicChange(ref, "Visas när", shown(before, old_index), shown(after, new_index))
        )
    old_rule, new_rule = before.get("deviation"), after.get("deviation")
    if bool(old_rule) != bool(new_rule) or (
        old_rule and new_rule and old_rule["when"] != new_rule["when"]
    ):
        changes.append(
            LogicChange(ref, "Avvikelse", deviation(before, old_index), deviation(after, new_index))
        )
    return changes
