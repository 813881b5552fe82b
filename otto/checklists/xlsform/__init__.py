"""XLSForm workbooks (.xlsx, the form standard of ODK and KoboToolbox) in and out of OTTO.

`read_xlsform` turns a workbook into a template body that passes the template format, with an
import summary: questions in the form and imported, conditions kept, partly kept and dropped,
and per survey row what became of it and why (in Swedish, for the form's author). Nothing is
dropped silently. `write_xlsform` (export) writes a template back; importing that file gives
the same body.

- What is read: `sheets` (sheets, header spellings, limits); survey types: `types` (pyxform's
  aliases: `photo`, `gps`, `string`, `select one from x`, `select all that apply from x`...);
  rows: `survey`; expressions and what an unanswered question means: `expressions`.
- Language: Swedish, else English, else the default label column (plain `label`, or the
  settings' default_language), else the first; the summary says which. Choice labels follow.
- Identity: the key comes from the settings' form_id, else the title, else the file name;
  whether the draft is a new template or a new version of one is the caller's choice
  (`services.import_xlsform`).
"""

from dataclasses import dataclass, field
from typing import IO

from otto.checklists.xlsform.export import write_xlsform
from otto.checklists.xlsform.sheets import (
    FileRefused,
    Sheet,
    is_english,
    is_swedish,
    language_of,
    read_workbook,
)
from otto.checklists.xlsform.survey import Counts, RowReport, SurveyBuilder, slug
from otto.checklists.xlsform.types import parse_type

__all__ = ["FileRefused", "FormImport", "ImportWarning", "read_xlsform", "slug"]
__all__ += ["write_xlsform"]
DEFAULT_TITLE = "Importerad checklista"
# Settings OTTO reads; other filled settings are named in a note.
_SETTINGS = ("form_title", "form_id", "default_language", "description", "purpose", "legal_basis")


@dataclass(frozen=True)
class ImportWarning:
    """Something in the form that was not imported as written, and the rows it is on."""

    rows: tuple[int, ...]
    message: str


@dataclass
class ImportSummary:
    """What the import did: figures, the language used, a report per row, general notes."""

    language: str
    counts: Counts
    rows: list[RowReport]
    notes: list[str] = field(default_factory=list)

    def warnings(self) -> list[ImportWarning]:
        """Every note, general ones first, then by row."""
        general = [ImportWarning((), note) for note in self.notes]
        by_row = [ImportWarning((r.row,), note) for r in self.rows for note in r.notes]
        return general + by_row


@dataclass
class FormImport:
    body: dict
    summary: ImportSummary


def read_xlsform(stream: IO[bytes], agency: str, filename: str = "") -> FormImport:
    """Read an XLSForm workbook into a template body for `agency`, with its import summary.

    Raises FileRefused (an Invalid, code `invalid_xlsform`, Swedish details) when the file is
    not a workbook with a survey sheet or breaks a limit. The body is not yet validated as a
    whole: a form without any importable question gives a body without sections.
    """
    workbook = read_workbook(stream)
    notes = list(workbook.notes)
    if "survey" not in workbook.sheets:
        raise FileRefused(
            "The workbook has no 'survey' sheet.",
            "Arbetsboken har inget blad som heter ”survey”; ett XLSForm behöver ett.",
            notes,
        )
    survey = workbook.sheets["survey"]
    settings = _settings(workbook.sheets.get("settings"), notes)
    label, language = _pick_language(survey, "label", settings.get("default_language"))
    hint = _column_in(survey, "hint", language)
    notes.insert(0, _language_note(label, language))
    notes += [
        f"Kolumnen ”{survey.written[c]}” används inte (annat språk)."
        for c in survey.columns()
        if c.split("::")[0] in ("label", "hint") and c not in (label, hint)
    ]
    choices = _choice_lists(workbook.sheets.get("choices"), language, notes)
    builder = SurveyBuilder(choices, label, hint)
    builder.read(survey.rows, parse_type)
    body = _body(settings, agency, filename, builder.sections, notes)
    return FormImport(body, ImportSummary(language_name(label), builder.counts, builder.reports,
                                          notes + builder.notes))  # fmt: skip


def _settings(sheet: Sheet | None, notes: list[str]) -> dict[str, str]:
    row = sheet.rows[0][1] if sheet and sheet.rows else {}
    unused = [sheet.written.get(c, c) for c in row if row[c] and c not in _SETTINGS]
    if unused:
        notes.append(f"Inställningar som inte används: {', '.join(unused)}.")
    return row


def _pick_language(sheet: Sheet, base: str, default: str | None) -> tuple[str | None, str | None]:
    """(label column, its language): Swedish, English, the default column, the first."""
    columns = [c for c in sheet.columns() if c == base or c.startswith(f"{base}::")]
    for wanted in (
        lambda c: is_swedish(language_of(c)),
        lambda c: is_english(language_of(c)),
        lambda c: c == base,
        lambda c: default is not None and language_of(c) == default,
        lambda c: True,
    ):
        for column in columns:
            if wanted(column):
                return column, language_of(column)
    return None, None


def _column_in(sheet: Sheet, base: str, language: str | None) -> str | None:
    """The `base` column in `language`, else the plain one."""
    columns = sheet.columns()
    wanted = f"{base}::{language}" if language else base
    return wanted if wanted in columns else (base if base in columns else None)


def language_name(column: str | None) -> str:
    if column is None:
        return "ingen etikettkolumn"
    return column.replace("::", " på ", 1) if "::" in column else "label (standardkolumnen)"


def _language_note(column: str | None, language: str | None) -> str:
    if column is None:
        return "Formuläret har ingen etikettkolumn (label); frågornas namn används som text."
    if language is None:
        return "Texterna är tagna ur kolumnen label (standardkolumnen)."
    return f"Texterna är tagna ur kolumnen ”{column}” (språket ”{language}”)."


def _choice_lists(sheet: Sheet | None, language: str | None, notes: list[str]) -> dict:
    """Options by list name; a repeated value keeps the first option (noted)."""
    if sheet is None:
        return {}
    label = _column_in(sheet, "label", language)
    if label is None:
        label, _ = _pick_language(sheet, "label", None)
    lists: dict[str, list[dict]] = {}
    for number, row in sheet.rows:
        name, value = row.get("list_name", ""), row.get("name", "")
        options = lists.setdefault(name, [])
        if any(option["value"] == value for option in options):
            notes.append(
                f"Värdet ”{value}” finns flera gånger i listan ”{name}” (choices rad "
                f"{number}); det första alternativet används."
            )
        elif name and value:
            options.append({"value": value, "label": row.get(label or "", "") or value})
    return lists


def _body(settings: dict, agency: str, filename: str, sections: list, notes: list) -> dict:
    stem = filename.rsplit(".", 1)[0]
    key = slug(settings.get("form_id", "")) or slug(settings.get("form_title", "")) or slug(stem)
    if not settings.get("form_id"):
        notes.append("Inställningen form_id saknas; nyckeln är härledd ur titel eller filnamn.")
    title = settings.get("form_title") or settings.get("form_id") or stem or DEFAULT_TITLE
    body = {"key": key or "xlsform-import", "agency": agency, "title": title}
    for extra in ("description", "purpose", "legal_basis"):
        if settings.get(extra):
            body[extra] = settings[extra]
    body["sections"] = sections
    return body
