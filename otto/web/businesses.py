"""The business register pages (coordinators and admins), under /verksamheter.

Search with paging, create and edit with errors at the field, a business's page with its
visits, open findings, follow-ups and signals (tips), the CSV import (preview, then confirm),
and the risk-based selection (/verksamheter/urval) with its weights (admins).
"""

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for

from otto.accounts.models import COORDINATORS, Role
from otto.analysis import selection
from otto.auth import page_auth
from otto.errors import DomainError, Invalid
from otto.extensions import db
from otto.inspections import business_import, businesses, persons, read_log, signals
from otto.inspections.models import Visibility
from otto.labels import SELECTION_FACTORS
from otto.timeutil import local_today, utcnow
from otto.web.forms import arg_choice, form_text, page_number, paginate, refused
from otto.web.labels import field_errors

pages = Blueprint("businesses", __name__, url_prefix="/verksamheter", template_folder="templates")
FIELDS = businesses.EDITABLE
MAX_IMPORT_BYTES = 400_000  # the confirm step posts the text back in a form field


@pages.get("/")
@page_auth(COORDINATORS)
def index(actor):
    """Search the register by name, org number or address, and by category; one page."""
    text = request.args.get("q", "").strip()
    category = arg_choice("kategori", businesses.CATEGORIES)
    page = paginate(businesses.search_businesses(text, category))
    return render_template("businesses/index.html", page=page, q=text, category=category)


def _form_fields() -> dict:
    return {field: form_text(field) for field in FIELDS}


def _form_page(business, values: dict, errors: dict, status: int = 200):
    """The business form (a new one when `business` is None), with errors at the fields."""
    page = render_template("businesses/form.html", business=business, values=values, errors=errors)
    return page, status


@pages.route("/ny", methods=["GET", "POST"])
@page_auth(COORDINATORS)
def create(actor):
    """Register a business; invalid fields are shown at the field."""
    if request.method == "GET":
        return _form_page(None, {}, {})
    values = _form_fields()
    try:
        business = businesses.create_business(actor, **values)
    except Invalid as error:
        refused(error, flash_it=False)
        return _form_page(None, values, field_errors(error.details), 400)
    db.session.commit()
    flash(f"{business.name} är registrerad.", "info")
    return redirect(url_for("businesses.show", business_id=business.id))


@pages.route("/<int:business_id>/redigera", methods=["GET", "POST"])
@page_auth(COORDINATORS)
def edit(business_id, actor):
    """Change a business's fields; invalid fields are shown at the field."""
    business = businesses.get_business(business_id)
    if request.method == "GET":
        values = businesses.business_snapshot(business)
        return _form_page(business, values, {})
    values = _form_fields()
    try:
        businesses.update_business(actor, business_id, **values)
    except Invalid as error:
        refused(error, flash_it=False)
        return _form_page(business, values, field_errors(error.details), 400)
    db.session.commit()
    flash("Ändringarna är sparade.", "info")
    return redirect(url_for("businesses.show", business_id=business_id))


@pages.get("/<int:business_id>")
@page_auth(COORDINATORS)
def show(business_id, actor):
    """A business with its visit history (paged), open findings and follow-ups."""
    business = businesses.get_business(business_id)
    visits = paginate(businesses.business_visits(actor.user, business_id), per_page=10)
    findings = db.paginate(
        businesses.business_open_findings(actor.user, business_id), page=1, per_page=50
    )
    follow_ups = db.paginate(
        businesses.business_follow_ups(actor.user, business_id), page=1, per_page=50
    )
    return _show_page(actor, business, visits, findings, follow_ups, {}, {})


def _show_page(actor, business, visits, findings, follow_ups, values, errors, status=200):
    tips = list(db.session.scalars(signals.business_signals(actor.user, business.id).limit(50)))
    read_log.saw(actor.user, [*findings.items, *follow_ups.items, *tips])
    page = render_template(
        "businesses/show.html",
        business=business,
        visits=visits,
        findings=findings,
        follow_ups=follow_ups,
        signals=tips,
        signal_values=values,
        signal_errors=errors,
        today=local_today(),
    )
    return page, status


@pages.post("/<int:business_id>/signaler")
@page_auth(COORDINATORS)
def record_signal(business_id, actor):
    """Record a tip about the business; errors are shown at the fields."""
    values = {k: form_text(k) for k in ("source", "received_on", "text", "visibility", "agency")}
    try:
        received_on = dt.date.fromisoformat(values["received_on"])
    except ValueError:
        received_on = None
    try:
        if received_on is None:
            raise Invalid("Bad date.", {"received_on": ["Ange ett datum (ÅÅÅÅ-MM-DD)."]})
        signals.record_signal(
            actor,
            business_id,
            source=values["source"],
            received_on=received_on,
            text=values["text"],
            visibility=values["visibility"] or Visibility.JOINT,
            agency_code=values["agency"] or None,
        )
    except Invalid as error:
        refused(error, flash_it=False)
        business = businesses.get_business(business_id)
        return _show_page(
            actor,
            business,
            paginate(businesses.business_visits(actor.user, business_id), per_page=10),
            db.paginate(businesses.business_open_findings(actor.user, business_id), per_page=50),
            db.paginate(businesses.business_follow_ups(actor.user, business_id), per_page=50),
            values,
            field_errors(error.details),
            400,
        )
    db.session.commit()
    flash("Signalen är sparad.", "info")
    return redirect(url_for("businesses.show", business_id=business_id) + "#signaler")


@pages.get("/urval")
@page_auth(COORDINATORS)
def ranking(actor):
    """The register ranked by the selection score, each business with its reasons."""
    category = arg_choice("kategori", businesses.CATEGORIES)
    result = selection.rank(actor.user, utcnow(), category=category, page=page_number())
    return render_template(
        "businesses/ranking.html",
        ranking=result,
        category=category,
        may_weigh=actor.user.role == Role.ADMIN,
    )


@pages.route("/urval/vikter", methods=["GET", "POST"])
@page_auth((Role.ADMIN,))
def selection_weights(actor):
    """The selection's weights (admins): points per factor and per category."""
    current = selection.weights()
    if request.method == "GET":
        return _weights_page(current, {})
    values, errors = {}, {}
    for key in current:
        raw = form_text(key)
        if raw.isdigit():
            values[key] = int(raw)
        else:
            errors[key] = ["Ange ett heltal från 0."]
    if errors:
        return _weights_page(current | {k: form_text(k) for k in errors}, errors, 400)
    try:
        selection.set_weights(actor, values)
    except DomainError as error:
        refused(error, flash_it=False)
        return _weights_page(current, field_errors(error.details), 400)
    db.session.commit()
    flash("Urvalets vikter är sparade.", "info")
    return redirect(url_for("businesses.ranking"))


def _weights_page(values: dict, errors: dict, status: int = 200):
    # A factor's label may name its window ("inom {days} dagar"), which its module owns.
    factors = {
        key: SELECTION_FACTORS[key].format(days=persons.SIGNAL_DAYS) for key in selection.FACTORS
    }
    page = render_template(
        "businesses/weights.html",
        values=values,
        errors=errors,
        factors=factors,
        category_prefix=selection.CATEGORY_PREFIX,
    )
    return page, status


@pages.route("/import", methods=["GET", "POST"])
@page_auth(COORDINATORS)
def import_csv(actor):
    """Step 1: upload a CSV file and see which rows would be imported and which rejected."""
    if request.method == "GET":
        return render_template("businesses/import.html", errors={})
    upload = request.files.get("file")
    data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
    if len(data) > MAX_IMPORT_BYTES:
        errors = {"file": ["Filen är för stor (högst 400 kB). Dela upp den."]}
        return render_template("businesses/import.html", errors=errors), 400
    text = business_import.decode(data)
    try:
        preview = business_import.preview_import(text)
    except Invalid as error:
        refused(error, flash_it=False)
        errors = field_errors(error.details) or {"file": ["Välj en CSV-fil."]}
        return render_template("businesses/import.html", errors=errors), 400
    return render_template("businesses/import_preview.html", preview=preview, text=text)


@pages.post("/import/bekrafta")
@page_auth(COORDINATORS)
def confirm_import(actor):
    """Step 2: import the accepted rows (the file's text is checked again)."""
    try:
        created, rejected = business_import.import_businesses(actor, request.form.get("text", ""))
    except Invalid as error:
        refused(error, flash_it=False)
        errors = field_errors(error.details)
        return render_template("businesses/import.html", errors=errors), 400
    db.session.commit()
    flash(
        f"{len(created)} verksamheter importerades. {len(rejected)} rader avvisades.",
        "info",
    )
    return redirect(url_for("businesses.index"))
