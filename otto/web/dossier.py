"""The dossier of a visit (/besok/<id>): what every agency recorded, live as devices sync.

Coordinators see everything and act on it (status, conflicts); inspectors who sign in see
what their agency may see (otto.inspections.dossier). The page's live section is also
served alone, for dossier.js to refresh it every few seconds. Photos are served to the
signed-in user here, by the same rule as the API's.
"""

import json

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from otto.accounts.models import COORDINATORS
from otto.auth import page_auth
from otto.errors import DomainError, Invalid
from otto.extensions import db
from otto.inspections import persons, photos, resolution, visits
from otto.inspections.dossier import load_dossier
from otto.inspections.models import VisitStatus
from otto.inspections.photo_storage import storage_from_config
from otto.reports import services as reports
from otto.web.forms import refused

pages = Blueprint("dossier", __name__, template_folder="templates")
PHOTO_SIZES = {"thumb": "thumb", "report": "report"}
# The buttons shown for each status: (new status, label). Reopening is its own, explicit
# action; closing is refused by the service while sync conflicts are open.
STATUS_ACTIONS = {
    VisitStatus.PLANNED: [(VisitStatus.IN_PROGRESS, "Starta besöket")],
    VisitStatus.IN_PROGRESS: [(VisitStatus.COMPLETED, "Markera som genomfört")],
    VisitStatus.COMPLETED: [
        (VisitStatus.CLOSED, "Avsluta ärendet"),
        (VisitStatus.IN_PROGRESS, "Återuppta arbetet"),
    ],
    VisitStatus.CLOSED: [(VisitStatus.COMPLETED, "Öppna igen")],
}


@pages.context_processor
def _person_signal():
    """The window of the "seen at several businesses" badge, as the persons module counts it."""
    return {"signal_days": persons.SIGNAL_DAYS}


def _render(actor, visit_id, status=200, error=None):
    dossier = load_dossier(actor.user, visit_id)
    return render_template(
        "dossier/show.html",
        d=dossier,
        actions=STATUS_ACTIONS.get(dossier.visit.status, []) if actor.is_coordinator else [],
        error=error,
        reports=reports.list_reports(actor.user, visit_id) if actor.is_coordinator else [],
    ), status


@pages.get("/besok/<visit_id>")
@page_auth()
def show(visit_id, actor):
    """The dossier page."""
    return _render(actor, visit_id)


@pages.get("/besok/<visit_id>/innehall")
@page_auth()
def live(visit_id, actor):
    """The dossier's live section alone, for the page to refresh itself."""
    dossier = load_dossier(actor.user, visit_id)
    response = current_app.make_response(render_template("dossier/_live.html", d=dossier))
    response.headers["Cache-Control"] = "no-store"
    return response


@pages.post("/besok/<visit_id>/status")
@page_auth(COORDINATORS)
def set_status(visit_id, actor):
    """Move the visit to the next status; a refused change is explained on the page."""
    status = request.form.get("status", "")
    try:
        visits.set_visit_status(actor, visit_id, status)
    except DomainError as error:
        return _render(actor, visit_id, error.status, refused(error, flash_it=False))
    db.session.commit()
    if status == VisitStatus.CLOSED:
        flash("Ärendet är avslutat och låst. Ändringar kräver att det öppnas igen.", "info")
    else:
        flash("Statusen är ändrad.", "info")
    return redirect(url_for("dossier.show", visit_id=visit_id))


def _typed_value(text: str):
    """A typed resolution value: JSON when it parses (numbers, true, lists), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@pages.post("/besok/<visit_id>/konflikter/<int:conflict_id>")
@page_auth(COORDINATORS)
def resolve(visit_id, conflict_id, actor):
    """Resolve a sync conflict with a candidate or a typed value."""
    choice = request.form.get("choice", "")
    typed = request.form.get("value", "").strip()
    try:
        if choice == "value":
            if not typed:
                raise Invalid("Type a value.", {"value": ["Empty."]})
            try:  # typed JSON (a number, true) first; as plain text when that does not fit
                with db.session.begin_nested():
                    resolution.resolve_conflict(actor, conflict_id, value=_typed_value(typed))
            except Invalid:
                resolution.resolve_conflict(actor, conflict_id, value=typed)
        elif choice.isdigit():
            resolution.resolve_conflict(actor, conflict_id, candidate=int(choice))
        else:
            raise Invalid("Choose a value.", {"choice": ["Missing."]})
    except DomainError as error:
        message = (
            "Välj ett av värdena eller skriv ett eget värde."
            if isinstance(error, Invalid)
            else None
        )
        return _render(actor, visit_id, error.status, refused(error, message, flash_it=False))
    db.session.commit()
    flash("Konflikten är löst. Beslutet når enheterna vid nästa synk.", "info")
    return redirect(url_for("dossier.show", visit_id=visit_id) + "#konflikter")


@pages.get("/foto/<sha256>")
@page_auth()
def photo(sha256, actor):
    """A photo (thumbnail or report size) the signed-in user may see; 404 otherwise."""
    size = PHOTO_SIZES.get(request.args.get("storlek", ""), "report")
    storage = storage_from_config(current_app.config)
    file, media_type, size = photos.photo_file(actor.user, sha256, size, storage)
    response = send_file(file, mimetype=media_type, etag=f"{sha256}.{size}")
    response.cache_control.private = True
    response.cache_control.no_cache = True  # access is checked on every request
    return response
