"""Reports of a visit: drafts on demand, and issued PDF/A copies archived with their hash.

A visit that is not closed gets a draft (watermarked "UTKAST", never stored). A closed visit
gets its issued report: the first request renders a PDF/A-3b, stores its bytes and SHA-256
as version 1 and audits it; later requests return the stored bytes unchanged, until the
visit is reopened, changed and closed again, when the next request issues version n+1.
Earlier versions are never overwritten.
"""

import dataclasses
import hashlib
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from otto import audit
from otto.audit import AuditEvent
from otto.errors import Forbidden, NotFound
from otto.extensions import db
from otto.inspections import read_log
from otto.inspections.models import VisitStatus
from otto.inspections.photo_storage import PhotoStorage
from otto.inspections.visits import get_visit
from otto.reports.content import ReportContent, fingerprint, load_content
from otto.reports.models import Report
from otto.reports.render import PDF_A, BytesCache, render_html, render_pdf
from otto.timeutil import utcnow

# The draft PDFs of the last few contents, per process: a draft is asked for on every view of
# an open visit's report, and WeasyPrint takes ~30 ms of CPU per 1,000 characters (25
# findings at the longest description: 16 s). The key is the content's fingerprint (the
# HTML made for this user, its photos and logos), so a user only gets the PDF of exactly
# what they may read, and any change renders anew.
DRAFT_CACHE_BYTES = 64_000_000


@dataclasses.dataclass(frozen=True)
class ReportFile:
    """A report's PDF bytes and download name; `report` is the issued row, None for a draft."""

    content: bytes
    filename: str
    report: Report | None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def report_snapshot(report: Report) -> dict:
    """The audited fields of an issued report."""
    fields = ("agency_code", "version", "sha256", "byte_size", "pdf_variant")
    return {field: getattr(report, field) for field in fields}


def report_pdf(
    actor, visit_id: str, agency_code: str | None, *, storage: PhotoStorage
) -> ReportFile:
    """The report of a visit for `agency_code` (None: the joint report) as `actor` may get it.

    Refusals come from `content.load_content` (NotFound, Invalid, Forbidden). A closed
    visit's report is issued (see the module docstring); any other visit's is a draft.
    """
    content = load_content(actor.user, visit_id, agency_code)
    if content.visit.status != VisitStatus.CLOSED:
        html = render_html(content, stamp=None)
        key = fingerprint(content, html)
        pdf = _drafts.get(key)
        if pdf is None:
            pdf = render_pdf(html, storage=storage, photos=content.photo_shas, logos=content.logos)
            _drafts.put(key, pdf)
        return ReportFile(pdf, _filename(content, None), None)
    report = _issue(actor, content, storage)
    read_log.saw(actor.user, [report])
    return ReportFile(report.content, _filename(content, report), report)


# Draft PDFs by fingerprint (of the content and the HTML, so a key fully determines its PDF).
_drafts = BytesCache(DRAFT_CACHE_BYTES)


def _latest(visit_id: str, agency_code: str | None) -> Report | None:
    same_agency = (
        Report.agency_code.is_(None) if agency_code is None else Report.agency_code == agency_code
    )
    query = select(Report).where(Report.visit_id == visit_id, same_agency)
    return db.session.scalar(query.order_by(Report.version.desc()).limit(1))


def _reopened_since(visit_id: str, moment) -> bool:
    """True when the visit was reopened after `moment` (only a reopen makes a new version)."""
    query = select(AuditEvent.id).where(
        AuditEvent.entity == "visit",
        AuditEvent.entity_id == visit_id,
        AuditEvent.action == "reopen",
        AuditEvent.at > moment,
    )
    return db.session.scalar(query.limit(1)) is not None


def _issue(actor, content: ReportContent, storage: PhotoStorage) -> Report:
    """Return the stored report when the content is unchanged, else store the next version.

    Two requests issuing the same version at once: the unique key lets one insert win, and
    the other returns the winner's report."""
    visit, agency_code = content.visit, content.agency.code if content.agency else None
    source = fingerprint(content, render_html(content, stamp=None))
    latest = _latest(visit.id, agency_code)
    if latest is not None and (
        latest.source_sha256 == source or not _reopened_since(visit.id, latest.created_at)
    ):
        return latest  # unchanged, or changed without a reopen (data retention)
    version = latest.version + 1 if latest else 1
    issued_at = utcnow()
    html = render_html(content, stamp={"version": version, "issued_at": issued_at})
    pdf = render_pdf(
        html, storage=storage, photos=content.photo_shas, logos=content.logos, pdf_variant=PDF_A
    )
    report = Report(
        visit_id=visit.id,
        agency_code=agency_code,
        version=version,
        sha256=hashlib.sha256(pdf).hexdigest(),
        byte_size=len(pdf),
        pdf_variant=PDF_A,
        source_sha256=source,
        content=pdf,
        created_at=issued_at,
        created_by_id=actor.user.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        return _latest(visit.id, agency_code)
    audit.record(
        actor, "issue", "report", report.id, after=report_snapshot(report), visit_id=visit.id
    )
    return report


def list_reports(user, visit_id: str) -> list[Report]:
    """The issued reports of a visit, joint first, then by agency and version (coordinators)."""
    if not user.is_coordinator:
        raise Forbidden("Only coordinators list the issued reports.")
    visit = get_visit(user, visit_id)
    query = select(Report).where(Report.visit_id == visit.id)
    reports = db.session.scalars(query.order_by(Report.agency_code, Report.version))
    return sorted(
        reports, key=lambda r: (r.agency_code is not None, r.agency_code or "", r.version)
    )


def stored_report(user, visit_id: str, report_id: int) -> ReportFile:
    """An issued report's stored bytes, exactly as issued (coordinators)."""
    for report in list_reports(user, visit_id):
        if report.id == report_id:
            visit = get_visit(user, visit_id)
            name = _name(visit.case_number or visit.id[:8], report.agency_code, report.version)
            read_log.saw(user, [report])
            return ReportFile(report.content, name, report)
    raise NotFound(f"No report {report_id} of visit {visit_id}.")


def _filename(content: ReportContent, report: Report | None) -> str:
    visit = content.visit
    agency_code = content.agency.code if content.agency else None
    return _name(visit.case_number or visit.id[:8], agency_code, report.version if report else None)


def _name(case: str, agency_code: str | None, version: int | None) -> str:
    stem = f"rapport-{case}-{agency_code or 'gemensam'}-" + (f"v{version}" if version else "utkast")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem) + ".pdf"
