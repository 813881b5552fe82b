"""Report downloads on the API: `GET /api/visits/<id>/report.pdf?agency=<code>` (the
dossier page's links are otto.web.reports, answered with the same `pdf_response`).

Without an agency the joint report is returned. Who may have which report, and what it
holds, is decided by the services (otto.reports.content through the confidentiality rule).
"""

from flask import current_app
from marshmallow import Schema, fields

from otto.api import Blueprint, committed
from otto.inspections.photo_storage import storage_from_config
from otto.reports import services

blp = Blueprint("reports", __name__, url_prefix="/api", description="Reports")
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


def pdf_response(report: services.ReportFile):
    """A report's PDF as the answer to a download, with its SHA-256 and issued version."""
    response = current_app.response_class(report.content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{report.filename}"'
    response.headers["X-Report-SHA256"] = report.sha256
    if report.report is not None:
        response.headers["X-Report-Version"] = str(report.report.version)
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


def report_storage():
    """The photo store the reports read from, as configured."""
    return storage_from_config(current_app.config)


@blp.get("/visits/<visit_id>/report.pdf")
@blp.auth()
@blp.arguments(ReportQuerySchema, location="query")
@blp.doc(responses=PDF_RESPONSE)
def visit_report(query, visit_id, actor):
    """A visit's report: an agency's own (`agency`) or the joint report (no agency)."""
    report = services.report_pdf(actor, visit_id, query["agency"], storage=report_storage())
    return committed(pdf_response(report))
