"""Importing businesses from CSV: a preview that says which rows are rejected and why, then
the import of the accepted rows through `create_business` (so each is checked and audited).

The file has a header row naming the columns: name, org number, address and category, in
Swedish or English (namn, organisationsnummer, adress, kategori). Separators `;` (Swedish
spreadsheet exports) and `,` are recognised; UTF-8 (with or without BOM) and Windows-1252.
"""

import csv
import dataclasses
import io

from sqlalchemy import select, tuple_

from otto.errors import Invalid
from otto.extensions import db
from otto.inspections.businesses import CATEGORIES, check_business_fields, create_business
from otto.inspections.models import Business

MAX_ROWS = 2000
COLUMNS = {
    "name": ("name", "namn", "företagsnamn", "verksamhet"),
    "org_number": ("org_number", "orgnr", "org.nr", "organisationsnummer", "org number"),
    "address": ("address", "adress", "besöksadress"),
    "category": ("category", "kategori", "bransch"),
}
_CATEGORY_BY_LABEL = {label.lower(): key for key, label in CATEGORIES.items()}


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


def _header_map(header: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in header]
    found, missing = {}, []
    for field, aliases in COLUMNS.items():
        index = next((i for i, name in enumerate(names) if name in aliases), None)
        if index is None:
            missing.append(field)
        else:
            found[field] = index
    if missing:
        raise Invalid(
            "The file's header lacks columns: " + ", ".join(missing) + ".",
            {"file": [f"Missing column: {field}" for field in missing]},
            code="missing_columns",
        )
    return found


def _category(value: str) -> str:
    value = value.strip()
    return _CATEGORY_BY_LABEL.get(value.lower(), value.lower())


def preview_import(text: str) -> list[ImportRow]:
    """Parse and check every row without writing anything; rejected rows carry reasons.

    A row is rejected for invalid fields, for repeating an earlier row of the file, or when
    the register already holds a business with the same org number and address. Raises
    Invalid when the file has no usable header or more than MAX_ROWS rows.
    """
    lines = text.splitlines()
    if not lines:
        raise Invalid("The file is empty.", {"file": ["Empty file."]}, code="empty_file")
    dialect = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=dialect)
    columns = _header_map(next(reader))
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            raise Invalid(
                f"The file has more than {MAX_ROWS} rows; split it.",
                {"file": [f"At most {MAX_ROWS} rows."]},
                code="too_many_rows",
            )
        fields = {f: record[i].strip() if i < len(record) else "" for f, i in columns.items()}
        fields["category"] = _category(fields["category"])
        rows.append(ImportRow(line=reader.line_num, fields=fields))
    _check_rows(rows)
    return rows


def _check_rows(rows: list[ImportRow]) -> None:
    seen = set()
    for row in rows:
        try:
            row.fields = check_business_fields(row.fields)
        except Invalid as error:
            row.errors = dict(error.details)
            continue
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
    rows = preview_import(text)
    created = [create_business(actor, **row.fields) for row in rows if row.accepted]
    return created, [row for row in rows if not row.accepted]
