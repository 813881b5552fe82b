"""The agencies page (/myndigheter): each agency's sender, printed in the letterhead and
footer of its reports. Admins edit; coordinators may look."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from otto.accounts import agencies
from otto.accounts.models import COORDINATORS, Role
from otto.auth import page_auth
from otto.errors import Invalid, NotFound
from otto.extensions import db
from otto.web.forms import form_text, refused
from otto.web.labels import field_errors

pages = Blueprint("agencies", __name__, template_folder="templates")
ADMINS = (Role.ADMIN,)
_MESSAGES = {
    "Not a PNG or JPEG image.": "Logotypen måste vara en PNG- eller JPEG-bild.",
    "Unknown field.": "Okänt fält.",
}


@pages.get("/myndigheter")
@page_auth(COORDINATORS)
def index(actor):
    """Every agency with its sender."""
    return render_template("agencies/index.html", agencies=agencies.list_agencies())


@pages.route("/myndigheter/<code>", methods=["GET", "POST"])
@page_auth(ADMINS)
def edit(code, actor):
    """Edit an agency's sender and logo."""
    agency = agencies.get_agency(code)
    if request.method == "GET":
        values = {name: getattr(agency, name) for name in agencies.SENDER_FIELDS}
        return render_template("agencies/edit.html", agency=agency, values=values, errors={})
    values = {name: form_text(name) for name in agencies.SENDER_FIELDS}
    upload = request.files.get("logo")
    try:
        agencies.update_sender(
            actor,
            code,
            logo=upload.read() if upload and upload.filename else None,
            remove_logo=request.form.get("remove_logo") == "1",
            **values,
        )
    except Invalid as error:
        refused(error, flash_it=False)
        errors = _swedish(field_errors(error.details))
        page = render_template("agencies/edit.html", agency=agency, values=values, errors=errors)
        return page, 400
    db.session.commit()
    flash(f"Avsändaren för {agency.name} är sparad.", "info")
    return redirect(url_for("agencies.index"))


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
