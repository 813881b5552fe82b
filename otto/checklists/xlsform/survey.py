"""The survey sheet walked once into sections and questions, with a report per row.

Groups become sections (nested groups get their own, titled "Outer – Inner"); questions outside
any group go to "Allmänt". A repeat is asked once. A group's `relevant` applies to each of its
questions. Every translated condition part is checked by the template format before it is
kept (`_refusal`), so a part the format would refuse is dropped alone, with its reason, and the
valid parts (the question's own and its groups') stay.
"""

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from otto import labels
from otto.checklists.logic import referenced_questions
from otto.checklists.template_format import TemplateInvalid, parse_path, validate_template
from otto.checklists.xlsform.expressions import (
    ALWAYS,
    UnsupportedExpression,
    conjuncts,
    normalise,
    parse_relevant,
    resolve,
    to_xpath,
)
from otto.checklists.xlsform.types import METADATA, REPEATS, SIMPLE, SurveyType, is_asked

DEFAULT_SECTION = "Allmänt"
TRUE = {"yes", "true", "true()", "1"}
FALSE = {"no", "false", "false()", "0"}
# The columns the importer reads; every other filled column is named in the row's report.
READ_COLUMNS = {"type", "name", "label", "hint", "required", "relevant", "constraint", "otto"}
# Keys of the `otto` column (written by the exporter) that a question may take over.
OTTO_KEYS = ("legal_ref", "unit", "min_photos", "deviation")
_REFERENCE = re.compile(r"\$\{\s*([^}\s]+)\s*\}")
_TYPE_WORDS = {
    "photo": "en fotofråga",
    "signature": "en signaturfråga",
    "location": "en positionsfråga",
    "text": "en fritextfråga",
    "choice": "en valfråga",
    "yesno": "en ja/nej-fråga",
}
_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
YESNO_VALUES = ["yes", "no", "na"]


@dataclass
class RowReport:
    """What became of one survey row, in Swedish."""

    row: int
    name: str
    type: str
    result: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Counts:
    questions_in_form: int = 0
    questions_imported: int = 0
    conditions_kept: int = 0
    conditions_partly_kept: int = 0
    conditions_dropped: int = 0


@dataclass
class _Group:
    title: str
    id_base: str
    conditions: list[dict]


class SurveyBuilder:
    """Walks the survey rows once, building sections and questions and a report per row."""

    def __init__(self, choice_lists: dict[str, list[dict]], label: str | None, hint: str | None):
        self.choice_lists = choice_lists
        self.label, self.hint = label, hint
        self.sections: list[dict] = []
        self.rows_of_questions: dict[str, int] = {}  # question id -> row
        self.open_section: dict | None = None
        self.groups: list[_Group] = []
        self.by_name: dict[str, dict] = {}
        self.by_id: dict[str, dict] = {}
        self.reports: list[RowReport] = []
        self.counts = Counts()
        self.notes: list[str] = []

    # --- rows ------------------------------------------------------------------------------

    def read(self, rows: list[tuple[int, dict[str, str]]], parse_type) -> None:
        for number, row in rows:
            survey_type = parse_type(row.get("type", ""))
            report = RowReport(number, row.get("name", ""), row.get("type", ""), "")
            self.reports.append(report)
            self._read_row(report, row, survey_type)
            extra = [c for c in row if row[c] and c.split("::")[0] not in READ_COLUMNS]
            if report.result.endswith("(signature)"):
                extra.remove("appearance")
            if extra and report.result != "Inte importerad":
                report.notes.append(f"Kolumner som inte importeras: {', '.join(extra)}.")
        if self.groups:
            self.notes.append("En grupp saknar ”end group”; den avslutas vid formulärets slut.")

    def _read_row(self, report: RowReport, row: dict[str, str], survey_type: SurveyType) -> None:
        kind = survey_type.kind
        if is_asked(survey_type):
            self.counts.questions_in_form += 1
        if not kind:
            self._leave_out(report, "Raden saknar typ (type).")
        elif kind == "begin":
            self._begin_group(report, row, survey_type)
        elif kind == "end":
            if self.groups:
                self.groups.pop()
            self.open_section = None
            report.result = "Gruppens slut"
        elif kind in ("select_one", "select_multiple"):
            self._select(report, row, survey_type)
        elif kind == "from_file":
            report.notes.append(
                f"Alternativen finns utanför formuläret (”{survey_type.list_name}”); frågan "
                "importeras som fritext."
            )
            self._add_question(report, row, {"type": "text"})
        elif kind in SIMPLE:
            question = dict(SIMPLE[kind])
            if question["type"] == "photo" and "signature" in row.get("appearance", ""):
                question = {"type": "signature"}
            self._add_question(report, row, question)
        elif kind == "range":
            self._range(report, row)
        elif kind in METADATA:
            self._leave_out(report, f"”{kind}” fylls i av enheten; OTTO registrerar själv tid "
                            "och användare.")  # fmt: skip
        elif kind in ("note", "q note", "add note prompt"):
            self._leave_out(report, "Anteckningar (note) är bara visningstext.")
        else:
            self._leave_out(report, f"Typen ”{report.type}” har ingen motsvarighet i OTTO.")

    def _leave_out(self, report: RowReport, reason: str) -> None:
        report.result = "Inte importerad"
        report.notes.append(reason)

    def _begin_group(self, report: RowReport, row: dict[str, str], survey_type) -> None:
        title = self._text(report, row, self.label) or row.get("name", "")
        title = title or f"Avsnitt {report.row}"
        if self.groups:
            title = f"{self.groups[-1].title} – {title}"
        if survey_type.control in REPEATS:
            report.notes.append("Upprepad grupp: frågorna ställs en gång.")
        conditions = self._conditions(report, row.get("relevant", ""), "visas gruppens frågor")
        base = slug(row.get("name", "")) or f"avsnitt-{report.row}"
        self.groups.append(_Group(title, base, conditions))
        self.open_section = None
        report.result = "Avsnitt"

    def _select(self, report: RowReport, row: dict[str, str], survey_type: SurveyType) -> None:
        options = [dict(option) for option in self.choice_lists.get(survey_type.list_name, [])]
        if not options:
            self._leave_out(report, f"Listan ”{survey_type.list_name}” saknas i choices.")
            return
        question = {"type": "choice", "options": options}
        if survey_type.kind == "select_multiple":
            question["multiple"] = True
        otto = self._otto(report, row)
        if otto.get("type") == "yesno" and [o["value"] for o in options] == YESNO_VALUES:
            question = {"type": "yesno"}
        if survey_type.or_other and all(o["value"] != "other" for o in options):
            options.append({"value": "other", "label": "Annat"})
        added = self._add_question(report, row, question)
        if added and survey_type.or_other:
            self._add_other(report, row, added)

    def _add_other(self, report: RowReport, row: dict[str, str], chosen: dict) -> None:
        """pyxform's `or_other`: a text question shown when "other" is chosen."""
        other_id = self._unique_id(f"{row.get('name', '')}_other", report.row)
        other = {"id": other_id, "type": "text", "text": f"Ange annat: {chosen['text']}"}
        choose_other = {"q": chosen["id"], "op": "eq", "value": "other"}
        own = chosen.get("show_if")
        other["show_if"] = {"all": [*_parts(own), choose_other]} if own else choose_other
        self.open_section["questions"].append(other)
        self.by_id[other_id] = other
        self.rows_of_questions[other_id] = report.row
        report.notes.append(
            f"”Eller annat” (or_other): alternativet ”Annat” och fritextfrågan ”{other_id}” "
            "har lagts till."
        )

    def _range(self, report: RowReport, row: dict[str, str]) -> None:
        parameters = dict(re.findall(r"(\w+)\s*=\s*(-?[\d.]+)", row.get("parameters", "")))
        numbers = {k: float(v) for k, v in parameters.items() if k in ("start", "end", "step")}
        whole = all(value.is_integer() for value in numbers.values())
        question = {"type": "integer" if whole else "number"}
        for key, bound in (("start", "min"), ("end", "max")):
            if key in numbers:
                question[bound] = int(numbers[key]) if whole else numbers[key]
        report.notes.append("Skala (range) importeras som tal med min och max.")
        self._add_question(report, row, question)

    # --- questions -------------------------------------------------------------------------

    def _add_question(self, report: RowReport, row: dict[str, str], question: dict) -> dict | None:
        name = row.get("name", "")
        if not name:
            self._leave_out(report, "Frågan saknar namn (name).")
            return None
        text = self._text(report, row, self.label)
        if not text:
            report.notes.append("Frågan saknar etikett; namnet används som frågetext.")
        question = {"id": self._unique_id(name, report.row), "text": text or name, **question}
        if self.hint and (help_text := self._text(report, row, self.hint)):
            question["help"] = help_text
        self._required(report, row, question)
        self._constraint(report, row, question)
        otto = self._otto(report, row)
        for key in OTTO_KEYS:
            if key in otto:
                question[key] = otto[key]
        conditions = [c for group in self.groups for c in group.conditions]
        exact = otto.get("show_if")
        if exact is not None and _same(to_xpath(exact, self.by_id), row.get("relevant", "")):
            conditions.append(exact)
            self.counts.conditions_kept += 1
        else:
            conditions += self._conditions(report, row.get("relevant", ""), "visas frågan")
        if conditions:
            question["show_if"] = conditions[0] if len(conditions) == 1 else {"all": conditions}
        self._section(report.row)["questions"].append(question)
        self.by_name[name] = self.by_id[question["id"]] = question
        self.rows_of_questions[question["id"]] = report.row
        self.counts.questions_imported += 1
        kind = labels.label(labels.QUESTION_TYPES, question["type"])
        report.result = f"Fråga ”{question['id']}” ({kind})"
        return question

    def _text(self, report: RowReport, row: dict[str, str], column: str | None) -> str:
        """A label or hint, with `${name}` references flagged and made readable."""
        text = row.get(column or "", "")
        if not _REFERENCE.search(text):
            return text

        def readable(match: re.Match) -> str:
            referenced = self.by_name.get(match[1])
            return f"[svar på ”{referenced['text']}”]" if referenced else match[0]

        report.notes.append(
            "Texten hänvisar till svar med ${…}; OTTO fyller inte i svar i texter, så "
            "hänvisningen visas som [svar på ”fråga”]."
        )
        return _REFERENCE.sub(readable, text)

    def _required(self, report: RowReport, row: dict[str, str], question: dict) -> None:
        required = row.get("required", "").strip()
        if required.lower() in TRUE:
            question["required"] = True
        elif required.lower() in FALSE:
            question["required"] = False
        elif required:
            self.counts.conditions_dropped += 1
            report.notes.append(
                f"Villkorat obligatorisk (required ”{normalise(required)}”) finns inte i OTTO; "
                "frågan är frivillig."
            )

    def _constraint(self, report: RowReport, row: dict[str, str], question: dict) -> None:
        """`. >= 0 and . <= 100` on a number becomes min and max; the rest is named."""
        expression = row.get("constraint", "")
        if not expression:
            return
        kept, dropped = 0, []
        for part in conjuncts(expression):
            try:
                bound = self._bound(part, question)
            except UnsupportedExpression as error:
                dropped.append(f"”{part}” ({error})")
                continue
            question.update(bound)
            kept += 1
        self._count(kept, dropped)
        if dropped:
            report.notes.append(
                f"Begränsningen (constraint) {'; '.join(dropped)} kan inte översättas och "
                f"gäller inte{' (övriga delar gäller som min/max)' if kept else ''}."
            )

    def _bound(self, part: str, question: dict) -> dict:
        if question["type"] not in ("number", "integer"):
            raise UnsupportedExpression("OTTO har gränser bara för tal")
        leaf = resolve(parse_relevant(part), self.by_name, itself=question)
        value, op = leaf.get("value"), leaf.get("op")
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if leaf.get("q") != question["id"] or not number or op not in _SYMBOLS:
            raise UnsupportedExpression("bara gränser som . >= 0 och . <= 100 blir min/max")
        if op in ("gt", "lt"):
            if question["type"] != "integer" or not isinstance(value, int):
                raise UnsupportedExpression("en gräns som utesluter talet självt finns inte")
            op, value = ("gte", value + 1) if op == "gt" else ("lte", value - 1)
        if question["type"] == "integer" and not isinstance(value, int):
            raise UnsupportedExpression("gränsen för ett heltal måste vara ett heltal")
        return {"min" if op == "gte" else "max": value}

    def _otto(self, report: RowReport, row: dict[str, str]) -> dict:
        """The `otto` column the exporter writes: question keys XLSForm has no column for."""
        text = row.get("otto", "")
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            note = "Kolumnen otto är inte ett JSON-objekt och har inte lästs."
            if note not in report.notes:
                report.notes.append(note)
            return {}
        return value

    # --- conditions ------------------------------------------------------------------------

    def _conditions(self, report: RowReport, expression: str, shown: str) -> list[dict]:
        """The translatable parts of a relevant expression; the others named with reasons."""
        if not expression:
            return []
        kept, dropped = [], []
        for part in conjuncts(expression):
            try:
                condition = resolve(parse_relevant(part), self.by_name)
                if reason := self._refusal(condition):
                    raise UnsupportedExpression(reason)
            except UnsupportedExpression as error:
                dropped.append(f"”{part}” ({error})")
                continue
            if condition == ALWAYS:
                report.notes.append(
                    f"Villkoret (relevant) ”{part}” är alltid sant och behövs inte."
                )
            kept.extend(_parts(condition))
        self._count(len(kept) or not dropped, dropped)
        if dropped and kept:
            report.notes.append(
                f"Villkoret (relevant): delen {'; '.join(dropped)} är borttagen; övriga delar "
                f"gäller. Därför {shown} oftare än i formuläret."
            )
        elif dropped:
            report.notes.append(
                f"Villkoret (relevant) {'; '.join(dropped)} kan inte översättas och gäller "
                f"inte. Därför {shown} oftare än i formuläret."
            )
        return kept

    def _count(self, kept: int, dropped: list[str]) -> None:
        if not dropped:
            self.counts.conditions_kept += 1
        elif kept:
            self.counts.conditions_partly_kept += 1
        else:
            self.counts.conditions_dropped += 1

    def _refusal(self, condition: dict) -> str | None:
        """Why the template format refuses this condition (Swedish), or None.

        The format's own validator decides: the condition is tried on a probe question
        placed after the questions it reads.
        """
        ids = referenced_questions(condition)
        earlier = [_bare(self.by_id[i]) for i in ids if i in self.by_id]
        probe_id = "probe"
        while probe_id in ids:
            probe_id += "-x"
        probe = {"id": probe_id, "type": "text", "text": "probe", "show_if": condition}
        section = {"id": "probe", "title": "probe", "questions": [*earlier, probe]}
        try:
            validate_template(
                {"key": "probe", "agency": "miljo", "title": "p", "sections": [section]}
            )
        except TemplateInvalid as error:
            prefix = f"sections[0].questions[{len(earlier)}].show_if"
            for path in error.errors:
                if path.startswith(prefix):
                    return self._reason(condition, path[len(prefix) :])
            return "villkoret passar inte mallformatet"
        return None

    def _reason(self, condition: dict, path: str) -> str:
        """The format's refusal at `path` in the condition, said in Swedish."""
        node = condition
        for part in parse_path(path):
            if "q" in node:
                break
            node = node[part]
        if "q" not in node:
            return "villkoret passar inte mallformatet"
        question = self.by_id[node["q"]]
        kind, value = question["type"], node.get("value")
        name = next((n for n, q in self.by_name.items() if q is question), node["q"])
        if kind in ("photo", "signature", "location"):
            return f"”{name}” är {_TYPE_WORDS[kind]}; där kan bara prövas om den är besvarad"
        if node["op"] in _SYMBOLS and kind not in ("number", "integer", "date"):
            word = _TYPE_WORDS.get(kind, "en fråga")
            return f"”{_SYMBOLS[node['op']]}” jämför tal eller datum, men ”{name}” är {word}"
        if kind == "choice":
            values = [o["value"] for o in question["options"]]
            listed = ", ".join(values[:8]) + (", …" if len(values) > 8 else "")
            shown = value if not isinstance(value, list) else ", ".join(map(str, value))
            close = difflib.get_close_matches(str(shown), values, n=1)
            hint = f"; menade du ”{close[0]}”?" if close else ""
            return f"”{shown}” är inte ett av alternativen för ”{name}” ({listed}){hint}"
        if kind in ("number", "integer"):
            return f"”{value}” är inte ett tal, men ”{name}” har tal som svar"
        if kind == "date":
            return f"”{value}” är inte ett datum (ÅÅÅÅ-MM-DD)"
        return f"värdet ”{value}” passar inte frågan ”{name}”"

    # --- places ----------------------------------------------------------------------------

    def _unique_id(self, name: str, number: int) -> str:
        base = slug(name) or f"fraga-{number}"
        question_id = base if base not in self.by_id else f"{base}-{number}"
        while question_id in self.by_id:
            question_id += "-x"
        self.by_id[question_id] = {}  # reserved until the question is stored
        return question_id

    def _section(self, number: int) -> dict:
        """The section a question goes to, started when the first question arrives."""
        if self.open_section is None:
            if self.groups:
                title, base = self.groups[-1].title, self.groups[-1].id_base
            else:
                title, base = DEFAULT_SECTION, "allmant"
            taken = {section["id"] for section in self.sections}
            section_id = base if base not in taken else f"{base}-{number}"
            self.open_section = {"id": section_id, "title": title, "questions": []}
            self.sections.append(self.open_section)
        return self.open_section


def slug(text: str) -> str:
    """A format slug (lowercase letters, digits, '-') from an XLSForm name or title."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _parts(condition: dict | None) -> list[dict]:
    """A condition as the parts of an `all` (flattening nested ones)."""
    if not condition:
        return []
    if set(condition) == {"all"}:
        return [part for nested in condition["all"] for part in _parts(nested)]
    return [condition]


def _bare(question: dict) -> dict:
    """A question without its own conditions (for the probe)."""
    return {k: v for k, v in question.items() if k not in ("show_if", "deviation")}


def _same(xpath: str, written: str) -> bool:
    return " ".join(normalise(xpath).split()) == " ".join(normalise(written).split())
