"""Import of XLSForm workbooks (.xlsx, the form standard of ODK and KoboToolbox).

`read_xlsform` turns a workbook into a template body that passes the template format, plus
warnings (in Swedish, for the form's author) about everything it could not carry over. Nothing
is dropped silently: every left-out row, column or expression is named by its row number.

Survey types: select_one / select_multiple (options from the choices sheet) → choice;
integer → integer; decimal → number; text → text; date → date; image → photo (min_photos 0);
geopoint → location. A `note` is display-only text, which the format has no item for: it is
left out with a warning. begin/end group → one section per group (nested groups get their own
section, titled "Yttre – Inre"); questions outside any group go to a section "Allmänt". A group's
`relevant` applies to each of its questions. A repeat is imported as an ordinary group whose
questions are asked once, with a warning. Everything else (calculate, time, range, metadata...)
is left out with a warning, as are cells in columns the format has no place for (constraint,
appearance, default...).

Labels and hints: a Swedish column (`label::Svenska`, `label::Swedish`, `label::sv`,
`label::Svenska (sv)`) wins over `label`. `required`: yes / true / 1. `relevant`: see `relevant`.
The key comes from the settings sheet's form_id (else form_title), the title from form_title.
"""

import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import ParseError  # nosec B405

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from otto.checklists.relevant import UnsupportedExpression, parse_relevant, resolve
from otto.checklists.template_format import TemplateInvalid, validate_template
from otto.errors import Invalid

MAX_ROWS = 5000
DEFAULT_SECTION = "Allmänt"
_SIMPLE_TYPES = {
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "text": {"type": "text"},
    "date": {"type": "date"},
    "image": {"type": "photo", "min_photos": 0},
    "geopoint": {"type": "location"},
}
_HANDLED_COLUMNS = {"type", "name", "label", "hint", "required", "relevant"}
_SWEDISH = re.compile(r"::\s*(svenska|swedish|sv)\b|\(sv\)", re.IGNORECASE)
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0"}
# A survey type: its kind ("begin group", "select_one", "calculate"...) and its arguments.
_TYPE = re.compile(
    r"(?P<kind>(?:begin|end)[ _](?:group|repeat)(?=\s|$)|\S+)\s*(?P<arguments>.*)", re.IGNORECASE
)
# What openpyxl raises for a file that is not a readable .xlsx workbook. (ParseError is only
# the exception class: openpyxl parses with defusedxml, a dependency, so no entity expansion.)
_UNREADABLE = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError)
_SHOW_IF_ERROR = re.compile(r"sections\[(\d+)\]\.questions\[(\d+)\]\.show_if")


@dataclass(frozen=True)
class ImportWarning:
    """Something in the form that was not imported as written, and the rows it is on."""

    rows: tuple[int, ...]
    message: str


def read_xlsform(stream: IO[bytes], agency: str) -> tuple[dict, list[ImportWarning]]:
    """Read an XLSForm workbook into a template body for `agency`, with import warnings.

    Raises Invalid (code `invalid_xlsform`) when the file is not a workbook with a survey
    sheet. The body is checked with `validate_template`: a translated condition that does
    not fit its question is dropped with a warning, so only a form without any importable
    question yields an invalid body.
    """
    sheets = _read_sheets(stream)
    if "survey" not in sheets:
        raise Invalid(
            "The workbook has no 'survey' sheet.",
            {"file": ["An XLSForm needs a sheet named 'survey'."]},
            code="invalid_xlsform",
        )
    choice_lists, choice_warnings = _choice_lists(sheets.get("choices", []))
    form = _FormBuilder(choice_lists)
    form.warnings.extend(choice_warnings)
    form.read_survey(sheets["survey"])
    settings = _settings(sheets.get("settings", []))
    body = form.body(settings, agency)
    return body, sorted(form.warnings, key=lambda warning: warning.rows[:1])


def _read_sheets(stream: IO[bytes]) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Every sheet as (row number, {column: text}) for its non-empty rows, header excluded."""
    try:
        # openpyxl warns about workbook features we do not read (styles, data validation).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
            try:
                # Read-only sheets are parsed while iterating: a broken sheet fails here.
                return {sheet.title.strip().lower(): _rows(sheet) for sheet in workbook.worksheets}
            finally:
                workbook.close()
    except _UNREADABLE:
        raise Invalid(
            "The file is not an Excel workbook (.xlsx).",
            {"file": ["Could not be read as .xlsx."]},
            code="invalid_xlsform",
        ) from None


def _rows(sheet) -> list[tuple[int, dict[str, str]]]:
    rows = sheet.iter_rows(values_only=True)
    header = [_text(cell).lower() for cell in next(rows, ())]
    result = []
    for number, cells in enumerate(rows, start=2):
        row = {column: _text(cell) for column, cell in zip(header, cells, strict=False) if column}
        if any(row.values()):
            result.append((number, row))
        if len(result) > MAX_ROWS:
            raise Invalid(
                f"The sheet '{sheet.title}' has more than {MAX_ROWS} rows.",
                {"file": [f"At most {MAX_ROWS} filled rows per sheet."]},
                code="invalid_xlsform",
            )
    return result


def _text(cell: Any) -> str:
    """A cell as text: numbers without a trailing '.0', booleans as 'true'/'false'."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _settings(rows: list[tuple[int, dict[str, str]]]) -> dict[str, str]:
    return rows[0][1] if rows else {}


def _choice_lists(
    rows: list[tuple[int, dict[str, str]]],
) -> tuple[dict[str, list[dict]], list[ImportWarning]]:
    """Options by list name, and warnings about repeated values (the first one is kept)."""
    label = _pick_column([column for _, row in rows[:1] for column in row], "label")
    lists: dict[str, list[dict]] = {}
    repeated = []
    for number, row in rows:
        name, value = row.get("list_name") or row.get("list name", ""), row.get("name", "")
        options = lists.setdefault(name, [])
        if any(option["value"] == value for option in options):
            repeated.append(
                ImportWarning(
                    (),
                    f"Värdet ”{value}” finns flera gånger i listan ”{name}” (choices rad "
                    f"{number}); det första alternativet används.",
                )
            )
        elif name and value:
            options.append({"value": value, "label": row.get(label or "", "") or value})
    return lists, repeated


def _pick_column(columns: list[str], base: str) -> str | None:
    """The column for `base` (label, hint): Swedish first, then plain, then any language."""
    candidates = [c for c in columns if c == base or c.startswith(f"{base}::")]
    swedish = [c for c in candidates if _SWEDISH.search(c)]
    if swedish:
        return swedish[0]
    return base if base in candidates else (candidates[0] if candidates else None)


def slug(text: str) -> str:
    """A format slug (lowercase letters, digits, '-') from an XLSForm name or title."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class _FormBuilder:
    """Walks the survey rows once, building sections and questions and noting warnings."""

    def __init__(self, choice_lists: dict[str, list[dict]]):
        self.choice_lists = choice_lists
        self.sections: list[dict] = []
        self.section_rows: list[list[int]] = []
        self.open_section: dict | None = None
        # Open groups: (title, id base, condition of the group or None).
        self.groups: list[tuple[str, str, dict | None]] = []
        self.questions_by_name: dict[str, dict] = {}
        self.used_ids: set[str] = set()
        self.warnings: list[ImportWarning] = []
        self._left_out: dict[str, list[int]] = {}
        # The survey's label and hint columns, chosen by `read_survey`.
        self.label: str | None = None
        self.hint: str | None = None

    def warn(self, rows: list[int] | tuple[int, ...], message: str) -> None:
        self.warnings.append(ImportWarning(tuple(rows), message))

    def read_survey(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        columns = list(dict.fromkeys(column for _, row in rows for column in row))
        self.label = _pick_column(columns, "label")
        self.hint = _pick_column(columns, "hint")
        self._warn_about_columns(rows, columns)
        for number, row in rows:
            self._read_row(number, row)
        for kind, numbers in self._left_out.items():
            self.warn(numbers, f"Typen ”{kind}” stöds inte; raderna är inte importerade.")
        if self.groups:
            self.warn([], "En grupp saknar ”end group”; den avslutas vid formulärets slut.")

    def _warn_about_columns(self, rows, columns: list[str]) -> None:
        chosen = {self.label, self.hint}
        for column in columns:
            base = column.split("::")[0]
            if base in ("label", "hint"):
                if column not in chosen:
                    self.warn([], f"Kolumnen ”{column}” används inte (annat språk).")
            elif base not in _HANDLED_COLUMNS:
                numbers = [number for number, row in rows if row.get(column)]
                self.warn(numbers, f"Kolumnen ”{column}” stöds inte och har inte importerats.")

    def _read_row(self, number: int, row: dict[str, str]) -> None:
        type_text = row.get("type", "")
        match = _TYPE.fullmatch(type_text)
        if match is None:
            self.warn([number], "Raden saknar typ (type) och har inte importerats.")
            return
        kind, arguments = re.sub(r"\s+", "_", match["kind"].lower()), match["arguments"].split()
        if kind in ("begin_group", "begin_repeat"):
            if kind == "begin_repeat":
                self.warn([number], "Upprepade grupper stöds inte; frågorna ställs en gång.")
            self._begin_group(number, row)
        elif kind in ("end_group", "end_repeat"):
            if self.groups:
                self.groups.pop()
            self.open_section = None
        elif kind in ("select_one", "select_multiple") and arguments:
            self._select(number, row, kind, arguments)
        elif kind in _SIMPLE_TYPES and not arguments:
            self._add_question(number, row, dict(_SIMPLE_TYPES[kind]))
        elif kind == "note":
            self.warn(
                [number], "Anteckningar (note) är bara visningstext och har inte importerats."
            )
        else:
            self._left_out.setdefault(type_text, []).append(number)

    def _begin_group(self, number: int, row: dict[str, str]) -> None:
        title = row.get(self.label or "", "") or row.get("name", "") or f"Avsnitt {number}"
        if self.groups:
            title = f"{self.groups[-1][0]} – {title}"
        condition = self._condition(number, row.get("relevant", ""))
        self.groups.append((title, slug(row.get("name", "")) or f"avsnitt-{number}", condition))
        self.open_section = None

    def _select(self, number: int, row: dict[str, str], kind: str, arguments: list[str]) -> None:
        list_name, *extra = arguments
        if extra:
            self.warn([number], f"”{' '.join(extra)}” stöds inte; alternativet ”Annat” saknas.")
        options = self.choice_lists.get(list_name)
        if not options:
            self.warn(
                [number], f"Listan ”{list_name}” saknas i choices; frågan är inte importerad."
            )
            return
        question = {"type": "choice", "options": options}
        if kind == "select_multiple":
            question["multiple"] = True
        self._add_question(number, row, question)

    def _add_question(self, number: int, row: dict[str, str], question: dict) -> None:
        name = row.get("name", "")
        if not name:
            self.warn([number], "Frågan saknar namn (name) och har inte importerats.")
            return
        text = row.get(self.label or "", "")
        if not text:
            self.warn([number], f"Frågan ”{name}” saknar etikett; namnet används som frågetext.")
        question = {"id": self._unique_id(name, number), "text": text or name, **question}
        if self.hint and row.get(self.hint):
            question["help"] = row[self.hint]
        required = row.get("required", "").lower()
        if required in _TRUE:
            question["required"] = True
        elif required and required not in _FALSE:
            self.warn(
                [number], f"Villkorat required (”{required}”) stöds inte; frågan är frivillig."
            )
        conditions = [group[2] for group in self.groups if group[2] is not None]
        if own := self._condition(number, row.get("relevant", "")):
            conditions.append(own)
        if conditions:
            question["show_if"] = conditions[0] if len(conditions) == 1 else {"all": conditions}
        self._section(number)["questions"].append(question)
        self.section_rows[-1].append(number)
        self.questions_by_name[name] = question

    def _condition(self, number: int, expression: str) -> dict | None:
        if not expression:
            return None
        try:
            return resolve(parse_relevant(expression), self.questions_by_name)
        except UnsupportedExpression as error:
            self.warn(
                [number],
                f"Villkoret ”{expression}” kunde inte översättas ({error}); det gäller inte.",
            )
            return None

    def _unique_id(self, name: str, number: int) -> str:
        base = slug(name) or f"fraga-{number}"
        question_id = base if base not in self.used_ids else f"{base}-{number}"
        self.used_ids.add(question_id)
        return question_id

    def _section(self, number: int) -> dict:
        """The section a question goes to, started when the first question arrives."""
        if self.open_section is None:
            title, base, _ = self.groups[-1] if self.groups else (DEFAULT_SECTION, "allmant", None)
            taken = {section["id"] for section in self.sections}
            section_id = base if base not in taken else f"{base}-{number}"
            self.open_section = {"id": section_id, "title": title, "questions": []}
            self.sections.append(self.open_section)
            self.section_rows.append([])
        return self.open_section

    def body(self, settings: dict[str, str], agency: str) -> dict:
        """The template body, with conditions the format refuses dropped (and warned about)."""
        key = slug(settings.get("form_id", "")) or slug(settings.get("form_title", ""))
        if not key:
            key = "xlsform-import"
            self.warn([], f"Inställningen form_id saknas; mallen får nyckeln ”{key}”.")
        title = settings.get("form_title") or settings.get("form_id") or "Importerad checklista"
        body = {"key": key, "agency": agency, "title": title, "sections": self.sections}
        for s, q in self._refused_conditions(body):
            question = self.sections[s]["questions"][q]
            self.warn(
                [self.section_rows[s][q]],
                f"Villkoret för ”{question['id']}” passar inte frågornas typer; det gäller inte.",
            )
            del question["show_if"]
        return body

    @staticmethod
    def _refused_conditions(body: dict) -> Iterator[tuple[int, int]]:
        try:
            validate_template(body)
        except TemplateInvalid as error:
            found = {_SHOW_IF_ERROR.match(path) for path in error.errors}
            yield from sorted({(int(m[1]), int(m[2])) for m in found if m})
