"""Reading an XLSForm workbook: the sheets it uses, its column headers and its languages.

Only the sheets an XLSForm import uses are read (survey, choices, settings); every other sheet
is named in a note and never parsed, so a large sheet the form does not need cannot refuse it.
A used sheet with more than limits.XLSFORM_ROWS filled rows, or a cell longer than
limits.IMPORT_CELL, is refused naming the sheet and the limit. Rows are streamed: reading stops
after BLANK_RUN empty rows in a row (as pyxform does; a note says so when the sheet goes on), so
a sheet of two million empty rows costs what its first thousand do. The parts openpyxl reads
whole (shared strings, styles) are refused above limits.XLSX_PART_BYTES before they are read.

Headers are read the way pyxform reads them (its `aliases.survey_header`): `label::English (en)`
and `label:English` are the column `label` in the language `English (en)` / `English`;
`bind::relevant` and `bind:required` are `relevant` and `required`; `caption`, `relevance`,
`calculate`, `readonly`... are their canonical names. A cell is text: numbers without a
trailing '.0', booleans as 'true'/'false'.
"""

import itertools
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree.ElementTree import ParseError  # nosec B405

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from otto import limits
from otto.errors import Invalid

BLANK_RUN = 20
LOOK_AHEAD = 1000
USED_SHEETS = ("survey", "choices", "settings")
# pyxform's header aliases for the columns this importer reads or names (aliases.py).
_HEADER_ALIASES = {
    "caption": "label",
    "relevance": "relevant",
    "command": "type",
    "tag": "name",
    "list name": "list_name",
    "calculate": "calculation",
    "readonly": "read_only",
    "constraint message": "constraint_message",
    "constraining message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "set form title": "form_title",
    "title": "form_title",
    "set form id": "form_id",
    "id_string": "form_id",
}
# Column prefixes pyxform strips: `bind::relevant` is `relevant`, `control::appearance` is
# `appearance`.
_PREFIXES = ("bind", "control", "body")
# What openpyxl raises for a file that is not a readable .xlsx workbook. (ParseError is only
# the exception class: openpyxl parses with defusedxml, a dependency, so no entity expansion.)
_UNREADABLE = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError)
_LANGUAGE = re.compile(r"(?P<name>.*?)\s*(?:\(\s*(?P<code>[\w-]+)\s*\))?")
_SWEDISH = {"svenska", "swedish", "sv", "swe"}
_ENGLISH = {"english", "engelska", "en", "eng"}


class FileRefused(Invalid):
    """The workbook cannot be imported; `details` explain why in Swedish."""

    def __init__(self, message: str, reason: str, notes: list[str] = ()):
        details = {"file": [reason]}
        if notes:
            details["warnings"] = list(notes)
        super().__init__(message, details, code="invalid_xlsform")


@dataclass
class Sheet:
    """One used sheet: rows as (row number, {canonical column: text}), headers as written."""

    name: str
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # canonical column -> as written

    def columns(self) -> list[str]:
        """The canonical columns that have a value in some row, in header order."""
        filled = {column for _, row in self.rows for column, text in row.items() if text}
        return [column for column in self.written if column in filled]


@dataclass
class Workbook:
    sheets: dict[str, Sheet]
    notes: list[str]


class _StreamedSheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, rows read as they come. openpyxl would first find a sheet's
    size, parsing the whole sheet when the file does not state it (two million empty rows:
    10 s, for every sheet, used or not), and pad each row to a stated width."""

    def _get_size(self) -> None:
        pass


class _StreamingReader(ExcelReader):
    """openpyxl's workbook reader in read-only mode, with `_StreamedSheet` sheets."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                worksheet = _StreamedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                self.wb._sheets.append(worksheet)


def _refuse_large_parts(stream: IO[bytes]) -> None:
    """Refuse a workbook whose wholly-read parts unpack to more than XLSX_PART_BYTES (the
    sheets themselves are streamed and need no such limit)."""
    with zipfile.ZipFile(stream) as archive:
        for info in archive.infolist():
            if not info.filename.startswith("xl/worksheets/") and (
                info.file_size > limits.XLSX_PART_BYTES
            ):
                megabytes = limits.XLSX_PART_BYTES // 1_000_000
                raise FileRefused(
                    f"The workbook's part {info.filename} unpacks to {info.file_size} bytes.",
                    f"Arbetsbokens del ”{info.filename}” är för stor uppackad; gränsen är "
                    f"{megabytes} MB.",
                )
    stream.seek(0)


def read_workbook(stream: IO[bytes]) -> Workbook:
    """The used sheets of an .xlsx workbook, and notes about the sheets left unread."""
    try:
        _refuse_large_parts(stream)
        # openpyxl warns about workbook features we do not read (styles, data validation).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            reader = _StreamingReader(stream, read_only=True, data_only=True)
            reader.read()
            book = reader.wb
            try:
                return _read(book)
            finally:
                book.close()
    except _UNREADABLE:
        raise FileRefused(
            "The file is not an Excel workbook (.xlsx).",
            "Filen kunde inte läsas som en Excel-arbetsbok (.xlsx). Spara den som .xlsx "
            "(inte .xls eller .csv) och försök igen.",
        ) from None


def _read(book) -> Workbook:
    sheets, notes = {}, []
    for worksheet in book.worksheets:
        name = worksheet.title.strip().lower()
        if name in USED_SHEETS and name not in sheets:
            # Read-only sheets are parsed while iterating: a broken sheet fails here.
            sheets[name] = _read_sheet(worksheet, name, notes)
        else:
            notes.append(
                f"Bladet ”{worksheet.title}” används inte vid importen och har inte lästs."
            )
    return Workbook(sheets, notes)


def _read_sheet(worksheet, name: str, notes: list[str]) -> Sheet:
    rows = worksheet.iter_rows(values_only=True)
    sheet = Sheet(worksheet.title.strip())
    header = [canonical_column(_cell(cell, 1, sheet, notes)) for cell in next(rows, ())]
    for column, written in header:
        if column and column not in sheet.written:
            sheet.written[column] = written
    blank_run = 0
    for number, cells in enumerate(rows, start=2):
        row: dict[str, str] = {}
        for (column, _), cell in zip(header, cells, strict=False):
            text = _cell(cell, number, sheet, notes)
            if column and text and not row.get(column):
                row[column] = text
        if not row:
            blank_run += 1
            if blank_run == BLANK_RUN:
                if _data_follows(rows):
                    notes.append(
                        f"Bladet ”{sheet.name}” har {BLANK_RUN} tomma rader i följd efter rad "
                        f"{number - BLANK_RUN}; raderna därefter har inte lästs (som i pyxform)."
                    )
                break
            continue
        blank_run = 0
        sheet.rows.append((number, row))
        if len(sheet.rows) > limits.XLSFORM_ROWS:
            most = limits.XLSFORM_ROWS
            raise FileRefused(
                f"The sheet '{sheet.name}' has more than {most} filled rows.",
                f"Bladet ”{sheet.name}” har fler än {most} ifyllda rader; gränsen är "
                f"{most} rader per blad.",
                notes,
            )
    return sheet


def _cell(cell: Any, number: int, sheet: Sheet, notes: list[str]) -> str:
    """A cell's text (`text_of`), refused when longer than any field it could fill."""
    text = text_of(cell)
    if len(text) > limits.IMPORT_CELL:
        raise FileRefused(
            f"Row {number} of '{sheet.name}' has a cell over {limits.IMPORT_CELL} characters.",
            limits.cell_too_long(f"Rad {number} i bladet ”{sheet.name}”"),
            notes,
        )
    return text


def _data_follows(rows) -> bool:
    """Does a filled row follow within LOOK_AHEAD rows? (Trailing formatted but empty rows,
    a million of them in some workbooks, are not worth a note or the time to read them.)"""
    return any(any(text_of(cell) for cell in cells) for cells in itertools.islice(rows, LOOK_AHEAD))


def text_of(cell: Any) -> str:
    """A cell as text: numbers without a trailing '.0', booleans as 'true'/'false'."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def canonical_column(written: str) -> tuple[str, str]:
    """(canonical name, header as written): `label:English` -> `label::English`."""
    separator = "::" if "::" in written else ":"
    parts = [part.strip() for part in written.split(separator)]
    if len(parts) > 1 and parts[0].lower() in _PREFIXES:
        parts = parts[1:]
    base = _HEADER_ALIASES.get(parts[0].lower(), parts[0].lower())
    if len(parts) == 1 or base not in ("label", "hint", "constraint_message", "media"):
        # Only these columns are per language; `bind::esri:fieldType` stays one name.
        return ("::".join([base, *parts[1:]]) if len(parts) > 1 else base), written
    return f"{base}::{separator.join(parts[1:])}", written


def language_of(column: str) -> str | None:
    """The language part of a canonical column (`label::English (en)` -> `English (en)`)."""
    return column.split("::", 1)[1] if "::" in column else None


def is_swedish(language: str | None) -> bool:
    return _language_words(language) & _SWEDISH != set()


def is_english(language: str | None) -> bool:
    return _language_words(language) & _ENGLISH != set()


def _language_words(language: str | None) -> set[str]:
    if not language:
        return set()
    match = _LANGUAGE.fullmatch(language.strip())
    return {word.lower() for word in (match["name"], match["code"]) if word}
