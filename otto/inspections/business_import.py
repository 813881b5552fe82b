"""Importing businesses from CSV: a preview that says which rows are rejected and why, then
the import of the accepted rows through `create_business` (so each is checked and audited).

The file has a header row naming the columns, in Swedish or English: name, org number,
address and category are required (namn, organisationsnummer, adress, kategori); postal code,
town, telephone, e-mail and notes are taken when present (postnummer, ort, telefon, e-post,
anteckningar). A category is its Swedish name or its code. Columns the register has no field
for are named in the preview as ignored, never dropped silently. Separators `;` (Swedish
spreadsheet exports) and `,` are recognised; UTF-8 (with or without BOM) and Windows-1252.
"""

import csv
import dataclasses
import io

from sqlalchemy import select, tuple_

from otto import limits
from otto.errors import Invalid
from otto.extensions import db
from otto.inspections.businesses import CATEGORIES, check_business_fields, create_business
from otto.inspections.models import Business

REQUIRED = ("name", "org_number", "address", "category")
COLUMNS = {
    "name": ("name", "namn", "företagsnamn", "verksamhet"),
    "org_number": ("org_number", "orgnr", "org.nr", "organisationsnummer", "org number"),
    "address": ("address", "adress", "besöksadress", "gatuadress"),
    "postal_code": ("postal_code", "postnummer", "postnr", "post code", "zip"),
    "city": ("city", "ort", "postort", "stad"),
    "phone": ("phone", "telefon", "telefonnummer", "tel", "tel."),
    "email": ("email", "e-post", "epost", "e-mail", "mejl", "mail"),
    "category": ("category", "kategori", "bransch"),
    "notes": ("notes", "anteckningar", "anteckning", "kommentar"),
}
_CATEGORY_BY_LABEL = {label.lower(): key for key, label in CATEGORIES.items()}
UNKNOWN_CATEGORY = "Unknown category: "


@dataclasses.dataclass
class ImportPreview:
    """A checked file: its rows, and the header cells of columns nothing is taken from."""

    rows: list
    ignored_columns: list[str]

    @property
    def accepted(self) -> list:
        return [row for row in self.rows if row.accepted]

    @property
    def rejected(self) -> list:
        return [row for row in self.rows if not row.accepted]


@dataclasses.dataclass
class ImportRow:
    """One data row of the file: its line number, the fields, and why it is rejected (if)."""

    line: int
    fields: dict
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return not self.errors


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM allowed), else Windows-1252 as Excel writes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which column each register field is read from, and the columns left unread."""
    names = [cell.strip().lower() for cell in header]
    found, missing = {}, []
    for field, aliases in COLUMNS.items():
        index = next((i for i, name in enumerate(names) if name in aliases), None)
        if index is not None:
            found[field] = index
        elif field in REQUIRED:
            missing.append(field)
    if missing:
        raise Invalid(
            "The file's header lacks columns: " + ", ".join(missing) + ".",
            {"file": [f"Missing column: {field}" for field in missing]},
            code="missing_columns",
        )
    used = set(found.values())
    ignored = [cell.strip() for i, cell in enumerate(header) if i not in used and cell.strip()]
    return found, ignored


def _category(value: str) -> str:
    """A category code from its code or Swedish name (any case); else the value as given."""
    value = value.strip()
    if value.lower() in CATEGORIES:
        return value.lower()
    return _CATEGORY_BY_LABEL.get(value.lower(), value)


def preview_import(text: str) -> ImportPreview:
    """Parse and check every row without writing anything; rejected rows carry reasons, and
    the columns nothing is read from are listed.

    A row is rejected for invalid fields, for repeating an earlier row of the file, or when
    the register already holds a business with the same org number and address. Raises
    Invalid when the file has no usable header, more than
    limits.BUSINESS_IMPORT_ROWS rows or a cell over limits.IMPORT_CELL characters.
    """
    if not text:
        raise Invalid("The file is empty.", {"file": ["Empty file."]}, code="empty_file")
    first_line = text.partition("\n")[0]
    dialect = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=dialect)
    columns, ignored = _header_map(next(reader))
    rows = []
    for count, record in enumerate(_records(reader)):
        # Empty lines count too: two million of them are refused, not read.
        if count >= limits.BUSINESS_IMPORT_ROWS:
            raise Invalid(
                f"The file has more than {limits.BUSINESS_IMPORT_ROWS} rows; split it.",
                {"file": [limits.too_many_rows(limits.BUSINESS_IMPORT_ROWS)]},
                code="too_many_rows",
            )
        if any(len(cell) > limits.IMPORT_CELL for cell in record):
            raise Invalid(
                f"Line {reader.line_num} has a cell over {limits.IMPORT_CELL} characters.",
                {"file": [limits.cell_too_long(f"Rad {reader.line_num}")]},
                code="cell_too_long",
            )
        if not any(cell.strip() for cell in record):
            continue
        fields = {f: record[i].strip() if i < len(record) else "" for f, i in columns.items()}
        fields["category"] = _category(fields["category"])
        rows.append(ImportRow(line=reader.line_num, fields=fields))
    _check_rows(rows)
    return ImportPreview(rows, ignored)


def _records(reader):
    """The reader's records; a field over the csv module's own limit (128 KiB, far over
    IMPORT_CELL) is refused as the over-long cell it is."""
    try:
        yield from reader
    except csv.Error:
        raise Invalid(
            f"Line {reader.line_num} has a cell over {limits.IMPORT_CELL} characters.",
            {"file": [limits.cell_too_long(f"Rad {reader.line_num}")]},
            code="cell_too_long",
        ) from None


def _check_rows(rows: list[ImportRow]) -> None:
    seen = set()
    for row in rows:
        fields = dict(row.fields)
        category = fields.pop("category")
        if category not in CATEGORIES:  # a file has no list to choose from: name them all
            row.errors["category"] = [f"{UNKNOWN_CATEGORY}{category}"]
        try:
            fields = check_business_fields(fields)
        except Invalid as error:
            row.errors = dict(error.details) | row.errors
        if row.errors:
            continue
        row.fields = fields | {"category": category}
        key = (row.fields["org_number"], row.fields["address"].lower())
        if key in seen:
            row.errors = {"row": ["Repeats an earlier row of the file."]}
        seen.add(key)
    keys = [(r.fields["org_number"], r.fields["address"]) for r in rows if r.accepted]
    existing = set()
    for start in range(0, len(keys), 500):  # bounded IN lists
        chunk = keys[start : start + 500]
        query = select(Business.org_number, Business.address).where(
            tuple_(Business.org_number, Business.address).in_(chunk)
        )
        existing.update(tuple(row) for row in db.session.execute(query))
    for row in rows:
        if row.accepted and (row.fields["org_number"], row.fields["address"]) in existing:
            row.errors = {"row": ["Already in the register (same org number and address)."]}


def import_businesses(actor, text: str) -> tuple[list[Business], list[ImportRow]]:
    """Create the accepted rows of the file (checked again now) and return them with the
    rejected rows. Each business is created and audited by `create_business`."""
    preview = preview_import(text)
    created = [create_business(actor, **row.fields) for row in preview.accepted]
    return created, preview.rejected
