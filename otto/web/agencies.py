"""The agencies page (/myndigheter): the agencies as data — each one's Swedish name, colour,
whether it is switched on, the default visibility of its items, its own report texts, and its
sender (printed in the letterhead and footer of its reports). Admins add and edit; coordinators
may look."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from otto.accounts import agencies
from otto.accounts.models import COORDINATORS, DEFAULT_COLOUR, Role
from otto.auth import page_auth
from otto.errors import Conflict, Invalid, NotFound
from otto.extensions import db
from otto.web.forms import form_text, refused
from otto.web.labels import field_errors

pages = Blueprint("agencies", __name__, template_folder="templates")
ADMINS = (Role.ADMIN,)
_MESSAGES = {
    "Not a PNG or JPEG image.": "Logotypen måste vara en PNG- eller JPEG-bild.",
    "Unknown field.": "Okänt fält.",
    agencies.NAME_MISSING: "Ange ett namn.",
    "Must be a colour as #rrggbb.": "Ange färgen som #rrggbb, till exempel #1f6f8b.",
    "Must be one of joint, agency.": "Välj Gemensam eller Endast egen myndighet.",
    "Use 2–20 characters a–z, 0–9 or _, starting with a letter.": (
        "Koden ska vara 2–20 tecken a–z, 0–9 eller _, och börja med en bokstav."
    ),
    "Code taken.": "Det finns redan en myndighet med den koden.",
}
# The settings fields of the form (the sender's are agencies.SENDER_FIELDS).
_TEXT_SETTINGS = ("name", "colour", "default_visibility", *agencies.REPORT_TEXTS)


@pages.get("/myndigheter")
@page_auth(COORDINATORS)
def index(actor):
    """Every agency with its settings and sender."""
    return render_template("agencies/index.html", agencies=agencies.list_agencies())


@pages.route("/myndigheter/ny", methods=["GET", "POST"])
@page_auth(ADMINS)
def new(actor):
    """Add an agency: its code, name, colour, switch, default visibility and texts."""
    if request.method == "GET":
        values = {"colour": DEFAULT_COLOUR, "default_visibility": "agency", "enabled": True}
        return render_template("agencies/edit.html", agency=None, values=values, errors={})
    values = _settings_form() | {"code": form_text("code")}
    try:
        agency = agencies.create_agency(
            actor, values["code"], **{k: v for k, v in values.items() if k != "code"}
        )
    except (Invalid, Conflict) as error:
        refused(error, flash_it=False)
        errors = _swedish(field_errors(error.details))
        return render_template("agencies/edit.html", agency=None, values=values, errors=errors), 400
    db.session.commit()
    flash(f"{agency.name} är tillagd.", "info")
    return redirect(url_for("agencies.index"))


@pages.route("/myndigheter/<code>", methods=["GET", "POST"])
@page_auth(ADMINS)
def edit(code, actor):
    """Edit an agency's settings, report texts, sender and logo (one audited change each)."""
    agency = agencies.get_agency(code)
    if request.method == "GET":
        names = (*_TEXT_SETTINGS, "enabled", *agencies.SENDER_FIELDS)
        values = {name: getattr(agency, name) for name in names}
        return render_template("agencies/edit.html", agency=agency, values=values, errors={})
    sender = {name: form_text(name) for name in agencies.SENDER_FIELDS}
    settings = _settings_form()
    upload = request.files.get("logo")
    try:
        agencies.update_agency(actor, code, **settings)
        agencies.update_sender(
            actor,
            code,
            logo=upload.read() if upload and upload.filename else None,
            remove_logo=request.form.get("remove_logo") == "1",
            **sender,
        )
    except Invalid as error:
        refused(error, flash_it=False)
        errors = _swedish(field_errors(error.details))
        values = settings | sender
        page = render_template("agencies/edit.html", agency=agency, values=values, errors=errors)
        return page, 400
    db.session.commit()
    flash(f"{agency.name} är sparad.", "info")
    return redirect(url_for("agencies.index"))


def _settings_form() -> dict:
    values = {name: form_text(name) for name in _TEXT_SETTINGS}
    values["enabled"] = request.form.get("enabled") == "1"
    return values


def _swedish(errors: dict) -> dict:
    def one(message: str) -> str:
        if message.startswith("At most"):  # the logo's size (texts: otto.limits' words)
            return "Filen är för stor."
        return _MESSAGES.get(message, message)

    return {field: [one(m) for m in messages] for field, messages in errors.items()}


@pages.get("/myndigheter/<code>/logotyp.png")
@page_auth(COORDINATORS)
def logo(code, actor):
    """The agency's stored logo."""
    agency = agencies.get_agency(code)
    if agency.logo is None:
        raise NotFound(f"Agency {code!r} has no logo.")
    response = current_app.response_class(agency.logo, mimetype="image/png")
    response.cache_control.private = True
    return response
