"""Report downloads: the API's `GET /api/visits/<id>/report.pdf?agency=<code>` and the
dossier page's links (`/besok/<id>/rapport.pdf?myndighet=<code>`, issued versions).

Without an agency the joint report is returned. Who may have which report, and what it
holds, is decided by the services (otto.reports.content through the confidentiality rule).
"""

from flask import Blueprint as PageBlueprint
from flask import current_app, request
from marshmallow import Schema, fields

from otto.accounts.models import COORDINATORS
from otto.api import Blueprint, committed
from otto.auth import page_auth
from otto.extensions import db
from otto.inspections.photo_storage import storage_from_config
from otto.reports import services

blp = Blueprint("reports", __name__, url_prefix="/api", description="Reports")
pages = PageBlueprint("report_pages", __name__)
PDF_RESPONSE = {
    "200": {
        "description": "The report as PDF: PDF/A-3b and archived for a closed visit, a draft "
        "otherwise. X-Report-SHA256 is the SHA-256 of the bytes; X-Report-Version the "
        "issued version (absent for a draft).",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class ReportQuerySchema(Schema):
    agency = fields.String(load_default=None, metadata={"description": "Agency code; none: joint"})


def _pdf_response(report: services.ReportFile):
    response = current_app.response_class(report.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{report.filename}"'
    response.headers["X-Report-SHA256"] = report.sha256
    if report.report is not None:
        response.headers["X-Report-Version"] = str(report.report.version)
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


def _storage():
    return storage_from_config(current_app.config)


@blp.get("/visits/<visit_id>/report.pdf")
@blp.auth()
@blp.arguments(ReportQuerySchema, location="query")
@blp.doc(responses=PDF_RESPONSE)
def visit_report(query, visit_id, actor):
    """A visit's report: an agency's own (`agency`) or the joint report (no agency)."""
    report = services.report_pdf(actor, visit_id, query["agency"], storage=_storage())
    return committed(_pdf_response(report))


@pages.get("/besok/<visit_id>/rapport.pdf")
@page_auth()
def page_report(visit_id, actor):
    """The report linked from the dossier page (`myndighet`; none: the joint report)."""
    agency_code = request.args.get("myndighet") or None
    report = services.report_pdf(actor, visit_id, agency_code, storage=_storage())
    db.session.commit()
    return _pdf_response(report)


@pages.get("/besok/<visit_id>/rapporter/<int:report_id>.pdf")
@page_auth(COORDINATORS)
def issued_report(visit_id, report_id, actor):
    """An issued version exactly as archived."""
    return _pdf_response(services.stored_report(actor.user, visit_id, report_id))
