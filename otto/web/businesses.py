"""The business register pages (coordinators and admins), under /verksamheter.

Search with paging, create and edit with errors at the field, a business's page with its
visits, open findings and follow-ups, and the CSV import (preview, then confirm).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for

from otto.accounts.models import COORDINATORS
from otto.auth import page_auth
from otto.errors import Invalid
from otto.extensions import db
from otto.inspections import business_import, businesses
from otto.web.forms import arg_choice, form_text, paginate, refused
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
    return render_template(
        "businesses/show.html",
        business=business,
        visits=visits,
        findings=findings,
        follow_ups=follow_ups,
    )


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
