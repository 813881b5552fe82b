"""Authoring pages for checklist templates (coordinators and admins), under /checklistor.

List templates and versions, view a version as the inspector will see it, edit a draft in the
editor (the bundle pwa/src/editor, hosted here; its JSON endpoints: otto.web.checklist_editor)
or as JSON, publish, retire, start a new version, import (XLSForm or JSON) and export. Pages
call the same services as the API and commit once per request.
"""

import functools
import json
import re

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import generate_csrf

from otto import labels, limits
from otto.accounts.models import COORDINATORS
from otto.auth import page_auth
from otto.checklists import services
from otto.checklists.describe import describe_condition
from otto.checklists.diff import diff_templates
from otto.checklists.models import VersionStatus
from otto.checklists.template_errors import swedish_errors
from otto.errors import Invalid, TooLong
from otto.extensions import db
from otto.web.field_app import dist_dir, send_built
from otto.web.forms import arg_choice, refused
from otto.web.labels import AGENCY_CHOICES, AGENCY_NAMES, json_error

pages = Blueprint(
    "checklists",
    __name__,
    url_prefix="/checklistor",
    template_folder="templates",
    static_folder="static",
)
# Import errors about the file itself (not the template in it), explained in Swedish.
# (An XLSForm refusal carries its own Swedish details.)
_FILE_ERRORS = {"malformed_json": "Filen är inte JSON (UTF-8)."}


@pages.context_processor
def _labels():
    return {
        "status_labels": labels.TEMPLATE_STATUSES,
        "severity_labels": labels.SEVERITIES,
        "yesno_labels": labels.YESNO,
    }


@pages.get("/")
@page_auth(COORDINATORS)
def index(actor):
    """Every template with its versions, optionally for one agency."""
    agency = arg_choice("agency", AGENCY_NAMES)
    listings = services.list_templates(agency=agency)
    return render_template("checklists/index.html", listings=listings, agency=agency)


@pages.route("/ny", methods=["GET", "POST"])
@page_auth(COORDINATORS)
def new_template(actor):
    """Start a new template: a title, an agency and a key; the draft opens in the editor."""
    if request.method == "GET":
        return _new_template_page({}, {})
    form = {name: request.form.get(name, "").strip() for name in ("title", "agency", "key")}
    errors = {}
    if not form["title"]:
        errors["title"] = ["Skriv mallens rubrik."]
    elif not form["key"] and not services.slug(form["title"]):
        errors["key"] = ["Skriv en nyckel: rubriken har inga bokstäver a–z eller siffror."]
    if form["agency"] not in AGENCY_CHOICES:
        errors["agency"] = ["Välj en myndighet."]
    if errors:
        return _new_template_page(form, errors, 400)
    try:
        draft = services.create_template(actor, form["title"], form["agency"], form["key"] or None)
    except Invalid as error:
        refused(error, flash_it=False)
        return _new_template_page(form, _new_template_errors(form, error), 400)
    db.session.commit()
    flash(f"Mallen ”{draft.template.title}” är skapad som utkast.", "info")
    return redirect(url_for("checklists.edit", version_id=draft.id))


def _new_template_page(form: dict, errors: dict, status: int = 200):
    return render_template("checklists/new.html", form=form, errors=errors), status


def _new_template_errors(form: dict, error: Invalid) -> dict[str, list[str]]:
    """A refusal of the new template in Swedish, by form field."""
    key = form["key"] or services.slug(form["title"])
    if error.code == "template_exists":
        return {"key": [f"Det finns redan en mall med nyckeln ”{key}”. Välj en annan nyckel."]}
    errors: dict[str, list[str]] = {}
    body = {"key": key, "agency": form["agency"], "title": form["title"]}
    for found in swedish_errors(body, error.details):
        field = found["field"] if found["field"] in ("title", "agency", "key") else "title"
        errors.setdefault(field, []).append(found["message"])
    return errors


@pages.get("/versioner/<int:version_id>")
@page_auth(COORDINATORS)
def show_version(version_id, actor):
    """A version as the inspector will see it, with its rules described in Swedish."""
    version = services.get_version(version_id)
    describe = functools.partial(describe_condition, questions=services.question_index(version))
    return render_template("checklists/version.html", version=version, describe=describe)


# The editor's bundle, named by its content (editor-3F2KQ7XD.js); the build's manifest.json
# names the current pair.
_EDITOR_HASHED = re.compile(r"^[a-z]+-[A-Z0-9]{8}\.(js|css)(\.map)?$")


def _editor_dir():
    return dist_dir() / "editor"


def _editor_bundle() -> dict | None:
    """The built editor's {"js", "css"} file names, or None when it is not built."""
    try:
        manifest = json.loads((_editor_dir() / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    names = {kind: manifest.get(kind) for kind in ("js", "css")}
    if not all(isinstance(n, str) and _EDITOR_HASHED.match(n) for n in names.values()):
        return None
    return names


def _draft_or_redirect(version_id: int):
    """The draft to edit, or a redirect to the version page when it is not a draft."""
    version = services.get_version(version_id)
    if version.status != VersionStatus.DRAFT:
        flash("Bara utkast kan redigeras. Skapa en ny version för att ändra mallen.", "error")
        return None, redirect(url_for("checklists.show_version", version_id=version_id))
    return version, None


@pages.get("/versioner/<int:version_id>/redigera")
@page_auth(COORDINATORS)
def edit(version_id, actor):
    """The editor of a draft: the page hosts the bundle and hands it the draft as JSON."""
    version, elsewhere = _draft_or_redirect(version_id)
    if elsewhere:
        return elsewhere
    agency = version.template.agency_code
    data = {
        "version_id": version.id,
        "version": version.version,
        "title": version.body["title"],
        "key": version.template.key,
        "agency": agency,
        "agency_name": AGENCY_NAMES.get(agency, agency),
        "status": version.status,
        "body": version.body,
        "urls": {
            "check": url_for("checklist_editor.check", version_id=version.id),
            "save": url_for("checklist_editor.save", version_id=version.id),
            "review": url_for("checklists.review", version_id=version.id),
            "json": url_for("checklists.edit_json", version_id=version.id),
            "version": url_for("checklists.show_version", version_id=version.id),
        },
        "csrf_token": generate_csrf(),
    }
    return render_template(
        "checklists/editor.html", version=version, data=data, bundle=_editor_bundle()
    )


@pages.get("/redigerare/<filename>")
def editor_asset(filename):
    """A file of the built editor (public, like the field app's bundle: it holds no data)."""
    if not (_editor_dir() / filename).is_file():
        abort(404)
    return send_built(
        _editor_dir(),
        filename,
        hashed=bool(_EDITOR_HASHED.match(filename)),
        revalidate=not _EDITOR_HASHED.match(filename),
    )


@pages.route("/versioner/<int:version_id>/json", methods=["GET", "POST"])
@page_auth(COORDINATORS)
def edit_json(version_id, actor):
    """Edit a draft's body as JSON (for those who prefer it); errors are listed in Swedish,
    each at its section and question."""
    version, elsewhere = _draft_or_redirect(version_id)
    if elsewhere:
        return elsewhere
    if request.method == "GET":
        text = json.dumps(version.body, ensure_ascii=False, indent=2)
        return render_template("checklists/edit.html", version=version, text=text, errors=[])
    text = request.form.get("body", "")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        errors = [{"where": "", "message": json_error(error)}]
        return render_template(
            "checklists/edit.html", version=version, text=text, errors=errors
        ), 400
    try:
        services.update_draft(actor, version_id, body)
    except Invalid as error:
        refused(error, flash_it=False)
        return render_template(
            "checklists/edit.html",
            version=version,
            text=text,
            errors=swedish_errors(body, error.details),
        ), 400
    db.session.commit()
    flash("Utkastet är sparat.", "info")
    return redirect(url_for("checklists.show_version", version_id=version_id))


@pages.get("/versioner/<int:version_id>/andringar")
@page_auth(COORDINATORS)
def review(version_id, actor):
    """Review a draft before publishing it."""
    version, elsewhere = _draft_or_redirect(version_id)
    if elsewhere:
        return elsewhere
    return _review_page(version)


def _review_page(version, note: str = "", error: str = "", status: int = 200):
    """The draft against the version it would follow, and the publish form; a draft that
    is not valid says why instead of offering to publish."""
    if errors := services.draft_errors(version.id, version.body):
        invalid = swedish_errors(version.body, errors)
        return render_template("checklists/review.html", version=version, invalid=invalid), status
    compared = services.compared_version(version)
    diff = diff_templates(compared.body, version.body) if compared else None
    return render_template(
        "checklists/review.html",
        version=version,
        compared=compared,
        diff=diff,
        note=note,
        note_error=error,
        note_limit=limits.PUBLISH_NOTE,
    ), status


@pages.post("/versioner/<int:version_id>/publicera")
@page_auth(COORDINATORS)
def publish(version_id, actor):
    """Publish a draft, with the note from the review page."""
    note = request.form.get("note")
    try:
        services.publish(actor, version_id, note=note)
        db.session.commit()
    except TooLong as error:
        text = refused(error, limits.too_long(limits.PUBLISH_NOTE), flash_it=False)
        return _review_page(services.get_version(version_id), note, text, 400)
    except Invalid as error:  # the draft itself: the review page says why
        refused(error, flash_it=False)
        return _review_page(services.get_version(version_id), note, status=400)
    flash("Versionen är publicerad och kan väljas för nya besök.", "info")
    return redirect(url_for("checklists.show_version", version_id=version_id))


@pages.post("/versioner/<int:version_id>/dra-tillbaka")
@page_auth(COORDINATORS)
def retire(version_id, actor):
    """Retire a published version."""
    services.retire(actor, version_id)
    db.session.commit()
    flash("Versionen är tillbakadragen. Besök som redan använder den påverkas inte.", "info")
    return redirect(url_for("checklists.show_version", version_id=version_id))


@pages.post("/mallar/<int:template_id>/ny-version")
@page_auth(COORDINATORS)
def new_draft(template_id, actor):
    """Start a new draft from a template's latest version."""
    draft = services.new_draft(actor, template_id)
    db.session.commit()
    flash(f"Version {draft.version} är skapad som utkast.", "info")
    return redirect(url_for("checklists.edit", version_id=draft.id))


@pages.get("/versioner/<int:version_id>/export")
@page_auth(COORDINATORS)
def export(version_id, actor):
    """Download a version as a JSON file."""
    filename, body = services.export_version(version_id)
    return Response(
        json.dumps(body, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@pages.get("/versioner/<int:version_id>/export.xlsx")
@page_auth(COORDINATORS)
def export_xlsform(version_id, actor):
    """Download a version as an XLSForm workbook."""
    filename, data = services.export_xlsform(version_id)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@pages.get("/importera")
@page_auth(COORDINATORS)
def import_form(actor):
    """The XLSForm and JSON upload forms."""
    return _import_page([])


@pages.post("/importera/xlsform")
@page_auth(COORDINATORS)
def import_xlsform(actor):
    """Create a draft from an uploaded XLSForm and show the import summary, row by row."""
    upload, agency = request.files.get("file"), request.form.get("agency", "")
    version_of = request.form.get("version_of", "") if request.form.get("as") == "version" else None
    errors = {}
    if upload is None or not upload.filename:
        errors["file"] = ["Välj en XLSForm-fil (.xlsx)."]
    if agency not in AGENCY_CHOICES:
        errors["agency"] = ["Välj en myndighet."]
    if version_of == "":
        errors["version_of"] = ["Välj vilken mall den nya versionen gäller."]
    if errors:
        return _import_page(_form_errors(errors), status=400)
    try:
        draft, imported = services.import_xlsform(
            actor, upload.stream, agency, upload.filename, version_of
        )
    except Invalid as error:
        refused(error, flash_it=False)
        return _import_page(*_import_refusal(error), status=400)
    db.session.commit()
    return render_template("checklists/imported.html", draft=draft, summary=imported.summary)


@pages.post("/importera/json")
@page_auth(COORDINATORS)
def import_json(actor):
    """Create a draft from an exported template file."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(_form_errors({"file": ["Välj en JSON-fil."]}), status=400)
    data = upload.read()
    try:
        draft = services.import_json(actor, data)
    except Invalid as error:
        refused(error, flash_it=False)
        return _import_page(*_import_refusal(error, data), status=400)
    db.session.commit()
    flash(f"Utkastet ”{draft.template.title}” version {draft.version} är skapat.", "info")
    return redirect(url_for("checklists.show_version", version_id=draft.id))


def _import_page(errors: list[dict], warnings: list[str] = (), status: int = 200):
    """The import page, with the reasons of a refusal (and an XLSForm's warnings apart)."""
    templates = services.list_templates()
    return render_template(
        "checklists/import.html", errors=errors, warnings=warnings, templates=templates
    ), status


def _form_errors(errors: dict[str, list[str]]) -> list[dict]:
    """The page's own Swedish messages, in the shape of located template errors."""
    return [{"where": "", "message": m} for messages in errors.values() for m in messages]


# Refusal details that are already Swedish sentences about the upload (not template paths).
_UPLOAD_FIELDS = ("file", "version_of")


def _import_refusal(error: Invalid, data: bytes = b"") -> tuple[list[dict], list[str]]:
    """A refused import's errors in Swedish (a template's at their section and question, read
    from the uploaded JSON when it parses) and its warnings."""
    if error.code in _FILE_ERRORS:
        return _form_errors({"file": [_FILE_ERRORS[error.code]]}), []
    details = dict(error.details)
    warnings = details.pop("warnings", [])
    own = {field: details.pop(field) for field in _UPLOAD_FIELDS if field in details}
    try:
        body = json.loads(data.decode("utf-8-sig")) if data else {}
    except ValueError:
        body = {}
    return _form_errors(own) + swedish_errors(body, details), warnings
