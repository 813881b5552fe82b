"""Exports of findings and follow-ups as CSV and XLSX, in Swedish, for the coordinator.

Every row passes the confidentiality rule (`visible_items` on the finding); tombstoned
findings and cancelled visits are left out. Cells that a spreadsheet would run as a formula
(starting with = + - @, tab or carriage return) are written with a leading apostrophe.
CSV is UTF-8 with a byte order mark and ';' between fields, which is what Excel with Swedish
settings opens without a wizard.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, func, select

from otto.extensions import db
from otto.inspections import read_log
from otto.inspections.businesses import CATEGORIES as CATEGORY_LABELS
from otto.inspections.deadlines import is_overdue, local_date, local_time
from otto.inspections.models import (
    Business,
    Finding,
    FollowUp,
    FollowUpStatus,
    Visibility,
    Visit,
    VisitStatus,
)
from otto.inspections.visibility import visible_items
from otto.labels import AGENCIES as AGENCY_NAMES
from otto.labels import FINDING_STATUSES as FINDING_STATUS_LABELS
from otto.labels import FOLLOW_UP_KINDS as FOLLOW_UP_KIND_LABELS
from otto.labels import FOLLOW_UP_STATUSES as FOLLOW_UP_STATUS_LABELS
from otto.labels import SEVERITIES as SEVERITY_LABELS
from otto.labels import VISIBILITIES as VISIBILITY_LABELS
from otto.timeutil import LOCAL_TZ

KINDS = ("findings", "follow_ups")
FINDING_HEADER = (
    "Besöksdatum",
    "Diarienummer",
    "Verksamhet",
    "Organisationsnummer",
    "Adress",
    "Kategori",
    "Myndighet",
    "Allvarlighetsgrad",
    "Lagrum",
    "Beskrivning",
    "Synlighet",
    "Status",
    "Sista dag",
    "Registrerad",
)
FOLLOW_UP_HEADER = (
    "Sista dag",
    "Besöksdatum",
    "Diarienummer",
    "Verksamhet",
    "Organisationsnummer",
    "Kategori",
    "Myndighet",
    "Allvarlighetsgrad",
    "Avvikelse",
    "Typ",
    "Status",
    "Försenad",
    "Anteckning",
)
SHEET_TITLES = {"findings": "Avvikelser", "follow_ups": "Uppföljningar"}
FILE_STEMS = {"findings": "avvikelser", "follow_ups": "uppfoljningar"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFile:
    """A finished export: its file name, media type and bytes."""

    filename: str
    media_type: str
    content: bytes


def neutralise(value):
    """A cell value that no spreadsheet will run as a formula (OWASP's CSV injection advice)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _label(labels: dict, code):
    return labels.get(code, code) if code else ""


def _filtered(query, filters: dict, agency_column):
    """The filters both exports share: agency, business category, severity."""
    if filters.get("agency"):
        query = query.where(agency_column == filters["agency"])
    if filters.get("category"):
        query = query.where(Business.category == filters["category"])
    if filters.get("severity"):
        query = query.where(Finding.severity == filters["severity"])
    return query


def _visit_period(query, filters: dict):
    """Visits whose planned start falls on the local days `from`..`to`."""
    if filters.get("from_"):
        query = query.where(Visit.planned_start >= local_time(filters["from_"]))
    if filters.get("to"):
        query = query.where(Visit.planned_start < local_time(filters["to"] + dt.timedelta(days=1)))
    return query


def _exported_findings(user):
    """The findings an export holds (and whose follow-ups it lists): those `user` may see,
    not deleted, of visits not cancelled. The query must join Finding and Visit."""
    return and_(
        Finding.deleted_at.is_(None),
        Visit.status != VisitStatus.CANCELLED,
        visible_items(user, Finding),
    )


def finding_rows(user, filters: dict) -> list[list]:
    """The findings `user` may see on visits planned in the period, as Swedish rows in the
    order of `FINDING_HEADER`: by visit date, business, then when recorded."""
    first_due = (
        select(func.min(FollowUp.due_date))
        .where(FollowUp.finding_id == Finding.id)
        .correlate(Finding)
        .scalar_subquery()
    )
    query = (
        select(
            Visit.planned_start,
            Visit.case_number,
            Business.name,
            Business.org_number,
            Business.address,
            Business.category,
            Finding.agency_code,
            Finding.severity,
            Finding.legal_ref,
            Finding.description,
            Finding.visibility,
            Finding.status,
            first_due,
            Finding.created_at,
            Finding.id,
            Finding.visit_id,
        )
        .join(Visit, Visit.id == Finding.visit_id)
        .join(Business, Business.id == Visit.business_id)
        .where(_exported_findings(user))
        .order_by(Visit.planned_start, Business.name, Finding.created_at, Finding.id)
    )
    query = _visit_period(_filtered(query, filters, Finding.agency_code), filters)
    rows, read = [], ReadItems(user)
    for (start, case, name, org, address, category, agency, severity, legal_ref, text,
         visibility, status, due, created, finding_id,
         visit_id) in db.session.execute(query):  # fmt: skip
        read.add(visibility, visit_id, f"finding:{finding_id}")
        rows.append(
            [
                local_date(start),
                case,
                name,
                org,
                address,
                _label(CATEGORY_LABELS, category),
                _label(AGENCY_NAMES, agency),
                _label(SEVERITY_LABELS, severity),
                legal_ref,
                text,
                _label(VISIBILITY_LABELS, visibility),
                _label(FINDING_STATUS_LABELS, status),
                due,
                created.astimezone(LOCAL_TZ).replace(tzinfo=None, microsecond=0),
            ]
        )
    read.record()
    return rows


def follow_up_rows(user, filters: dict, now: dt.datetime) -> list[list]:
    """The follow-ups of findings `user` may see, due in the period, as Swedish rows in the
    order of `FOLLOW_UP_HEADER`, earliest deadline first. "Försenad" is whether an open
    follow-up's deadline has passed at `now`."""
    query = (
        select(
            FollowUp.due_date,
            Visit.planned_start,
            Visit.case_number,
            Business.name,
            Business.org_number,
            Business.category,
            FollowUp.agency_code,
            Finding.severity,
            Finding.description,
            FollowUp.kind,
            FollowUp.status,
            FollowUp.note,
            Finding.visibility,
            FollowUp.id,
            FollowUp.visit_id,
        )
        .join(Finding, Finding.id == FollowUp.finding_id)
        .join(Visit, Visit.id == FollowUp.visit_id)
        .join(Business, Business.id == Visit.business_id)
        .where(_exported_findings(user))
        .order_by(FollowUp.due_date, Business.name, FollowUp.id)
    )
    query = _filtered(query, filters, FollowUp.agency_code)
    if filters.get("from_"):
        query = query.where(FollowUp.due_date >= filters["from_"])
    if filters.get("to"):
        query = query.where(FollowUp.due_date <= filters["to"])
    rows, read = [], ReadItems(user)
    for (due, start, case, name, org, category, agency, severity, text, kind, status,
         note, visibility, follow_up_id, visit_id) in db.session.execute(query):  # fmt: skip
        read.add(visibility, visit_id, f"follow_up:{follow_up_id}")
        late = status == FollowUpStatus.OPEN and is_overdue(due, now)
        rows.append(
            [
                due,
                local_date(start),
                case,
                name,
                org,
                _label(CATEGORY_LABELS, category),
                _label(AGENCY_NAMES, agency),
                _label(SEVERITY_LABELS, severity),
                text,
                _label(FOLLOW_UP_KIND_LABELS, kind),
                _label(FOLLOW_UP_STATUS_LABELS, status),
                "Ja" if late else "Nej",
                note,
            ]
        )
    read.record()
    return rows


class ReadItems:
    """The agency-only items an export holds, for the read log (rows are plain values here,
    so the item's visibility, or its finding's for a follow-up, is passed with each)."""

    def __init__(self, user):
        self.user, self.by_visit = user, {}

    def add(self, visibility: str, visit_id: str, key: str) -> None:
        if visibility == Visibility.AGENCY:
            self.by_visit.setdefault(visit_id, []).append(key)

    def record(self) -> None:
        for visit_id, keys in self.by_visit.items():
            read_log.saw_keys(self.user, visit_id, keys)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(neutralise(value))


def to_csv(header, rows) -> bytes:
    """CSV for Swedish Excel: UTF-8 with BOM, ';' separated, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_text(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, header, rows) -> bytes:
    """An XLSX workbook of one sheet: a bold, frozen header row with a filter, dates as dates.

    Written in openpyxl's streaming mode with plain values (the fast path); strings are
    neutralised first, so none can start with "=" and become a formula.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header):
        width = 40 if name in ("Beskrivning", "Avvikelse", "Anteckning") else 18
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    bold = Font(bold=True)
    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export(user, kind: str, filters: dict, now: dt.datetime) -> ExportFile:
    """The findings or follow-ups export `user` may have, filtered, in the requested format
    (`filters["format"]`: csv or xlsx)."""
    if kind == "findings":
        header, rows = FINDING_HEADER, finding_rows(user, filters)
    else:
        header, rows = FOLLOW_UP_HEADER, follow_up_rows(user, filters, now)
    fmt = filters.get("format") or "xlsx"
    content = to_csv(header, rows) if fmt == "csv" else to_xlsx(SHEET_TITLES[kind], header, rows)
    return ExportFile(_filename(kind, filters, fmt), MEDIA_TYPES[fmt], content)


def _filename(kind: str, filters: dict, fmt: str) -> str:
    """e.g. avvikelser_2026-09-01_2026-12-31.xlsx (ASCII, safe in every browser)."""
    parts = [FILE_STEMS[kind]]
    for key in ("from_", "to"):
        if filters.get(key):
            parts.append(filters[key].isoformat())
    for key in ("agency", "category", "severity"):
        if filters.get(key):
            parts.append(filters[key])
    return "_".join(parts) + f".{fmt}"
