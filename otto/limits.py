"""The longest text of each kind OTTO stores, and the sizes of what it imports: the one place
a limit is declared.

The column definitions (`String(limits.X)`), the marshmallow schemas (`otto.schemas.text`)
and the importers read their limits from here, so the API, sync, the pages and the imports
refuse the same text with the same words. `guard_lengths` is the net under them all: any
string written to a column longer than the column's length is refused (400, naming the field
and the limit) before the database sees it; PostgreSQL would raise, SQLite would store it.
"""

import functools

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session

from otto.errors import TooLong

# --- text, by kind (characters) ---------------------------------------------------------------
NAME = 200  # a business's name or address, an organisation or unit, a template's title
PERSON_NAME = 120  # a person's or an agency's name, a signer's role, a device, a tip's source
USERNAME = 80
CITY = 80
POSTAL_CODE = 6  # NNN NN
PHONE = 40
EMAIL = 254  # RFC 5321's longest path
WEB = 200
POSTAL_ADDRESS = 400  # an agency's postal address block, a few lines
CASE_NUMBER = 40  # diarienummer
LEGAL_REF = 200  # "Förordning (EG) nr 852/2004 bilaga II kap. IX"
QUESTION_ID = 80  # also a section's id
KEY = 80  # a checklist template's key
LABEL = 2_000  # a checklist's question text, help, option, deviation text (an XLSForm label)
SIGNAL_TEXT = 5_000  # a tip about a business
REPORT_TEXT = 4_000  # an agency's standard text in its reports (purpose, appeal, …)
REASON = 500  # why a person's identity number is missing
FREE_TEXT = 20_000  # a finding's description, a note, a caption, a briefing, an address block

PUBLISH_NOTE = 2_000  # what changed in a published checklist version, for its history

# --- imports ----------------------------------------------------------------------------------
BUSINESS_IMPORT_ROWS = 2_000  # filled rows of a business CSV file
XLSFORM_ROWS = 5_000  # filled rows of one sheet of an XLSForm workbook
IMPORT_CELL = FREE_TEXT  # characters of one cell of an imported file: the longest field
# A checklist template as JSON, as the editor sends it: 5 000 questions of long texts.
TEMPLATE_BODY_BYTES = 5_000_000
XLSX_PART_BYTES = 16_000_000  # a workbook part read whole (shared strings, styles), unpacked
# Pixels of a photo decoded at full size (PNG, WebP; a JPEG is scaled while decoded): 16 MP
# is 64 MB as RGBA, a few such buffers per upload fit a web worker; a 12 MP phone photo fits.
PHOTO_DECODE_PIXELS = 16_000_000


def too_long(limit: int) -> str:
    """The one sentence for text over its limit (shown as-is on pages and in the API)."""
    return f"För lång text: högst {limit} tecken."


def too_many_rows(limit: int) -> str:
    return f"Filen har fler än {limit} rader; gränsen är {limit} rader. Dela upp den."


def cell_too_long(where: str) -> str:
    return f"{where} har mer än {IMPORT_CELL} tecken; gränsen är {IMPORT_CELL} tecken per cell."


def length_errors(checks: dict[str, tuple[str | None, int]]) -> dict[str, list[str]]:
    """For a service that checks its own fields: {field: (text, limit)} -> the fields over."""
    return {
        field: [too_long(limit)]
        for field, (value, limit) in checks.items()
        if isinstance(value, str) and len(value) > limit
    }


@functools.cache
def _string_limits(mapper) -> tuple[tuple[str, int], ...]:
    """(attribute, length) of a mapper's bounded string columns (looked up once: every flush
    checks every new and changed object)."""
    limits = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        limit = getattr(column.type, "length", None) if isinstance(column.type, String) else None
        if limit:
            limits.append((attr.key, limit))
    return tuple(limits)


def over_limit(obj) -> dict[str, int]:
    """The string attributes of a mapped object longer than their column allows, with the
    column's length."""
    state = inspect(obj)
    return _over_limit(state.mapper, state.dict)  # loaded values only: nothing is fetched


def _over_limit(mapper, values: dict) -> dict[str, int]:
    over = {}
    for key, limit in _string_limits(mapper):
        value = values.get(key)
        if isinstance(value, str) and len(value) > limit:
            over[key] = limit
    return over


def refuse_over_long(model, values: dict) -> None:
    """Refuse (TooLong) the column values of a row of `model` holding a string longer than
    its column allows: what every flush does, for a row written with a Core INSERT."""
    _refuse(_over_limit(inspect(model), values))


def _refuse(over: dict[str, int]) -> None:
    if over:
        named = "; ".join(f"{field} högst {limit} tecken" for field, limit in over.items())
        details = {field: [too_long(limit)] for field, limit in over.items()}
        raise TooLong(f"För lång text ({named}).", details)


def _refuse_over_long(session, _flush_context, _instances) -> None:
    for obj in [*session.new, *session.dirty]:
        _refuse(over_limit(obj))


def guard_lengths() -> None:
    """Refuse, on every flush of every session, a string longer than its column (once)."""
    if not event.contains(Session, "before_flush", _refuse_over_long):
        event.listen(Session, "before_flush", _refuse_over_long)
