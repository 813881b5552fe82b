"""The dossier page's report links: a visit's report (`/besok/<id>/rapport.pdf?myndighet=
<code>`; none: the joint report) and its issued versions exactly as archived.

Who may have which report, and what it holds, is decided by the services (otto.reports.content
through the confidentiality rule); the PDF is answered as the API answers it.
"""

from flask import Blueprint, request

from otto.accounts.models import COORDINATORS
from otto.auth import page_auth
from otto.extensions import db
from otto.reports import services
from otto.reports.routes import pdf_response, report_storage

pages = Blueprint("report_pages", __name__)


@pages.get("/besok/<visit_id>/rapport.pdf")
@page_auth()
def page_report(visit_id, actor):
    """The report linked from the dossier page (`myndighet`; none: the joint report)."""
    agency_code = request.args.get("myndighet") or None
    report = services.report_pdf(actor, visit_id, agency_code, storage=report_storage())
    db.session.commit()
    return pdf_response(report)


@pages.get("/besok/<visit_id>/rapporter/<int:report_id>.pdf")
@page_auth(COORDINATORS)
def issued_report(visit_id, report_id, actor):
    """An issued version exactly as archived."""
    return pdf_response(services.stored_report(actor.user, visit_id, report_id))
