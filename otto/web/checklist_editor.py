"""The checklist editor's JSON endpoints: check a draft's body, and save it.

The editor (pwa/src/editor, hosted by the page /checklistor/versioner/<id>/redigera) sends the
whole body as {"body": {...}} with the page's session cookie and its CSRF token in the
`X-CSRFToken` header. Answers are JSON with Swedish text, whatever goes wrong: the template's
errors located by `template_errors` ({path, section, question, field, message, where}), other
refusals as {"message": "..."}; a signed-out caller gets 401, not the login page.
"""

import functools
import json

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from otto import limits
from otto.accounts.models import COORDINATORS
from otto.api import MAX_JSON_DEPTH, json_depth
from otto.auth import Actor
from otto.checklists import services
from otto.checklists.template_errors import swedish_errors
from otto.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    holds_nul,
    http_error_text,
    page_message,
)
from otto.extensions import db
from otto.web.labels import json_error

editor = Blueprint("checklist_editor", __name__, url_prefix="/checklistor")

_NOT_A_DRAFT = "Bara utkast kan ändras. Skapa en ny version för att ändra mallen."
_NO_VERSION = "Versionen finns inte. Den kan ha tagits bort; gå tillbaka till checklistorna."
_SIGNED_OUT = "Du är inte inloggad längre. Logga in igen; utkastet är inte sparat."
_FORBIDDEN = "Bara samordnare och administratörer kan redigera checklistor."
_SHAPE = 'Skicka mallen som ett JSON-objekt: {"body": {…}}.'
_TOO_DEEP = f"Mallen är nästlad i fler än {MAX_JSON_DEPTH} nivåer."
_TOO_BIG = f"Mallen är för stor: högst {limits.TEMPLATE_BODY_BYTES // 1_000_000} MB som JSON."
_BAD_TEXT = "Mallen innehåller ett tecken som inte kan sparas (NUL eller en ensam surrogat)."


def _message(status: int, text: str):
    return jsonify({"message": text}), status


def _coordinator(view):
    """Like page_auth(COORDINATORS), but a script gets 401/403 JSON rather than a login page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return _message(401, _SIGNED_OUT)
        if current_user.role not in COORDINATORS:
            return _message(403, _FORBIDDEN)
        return view(*args, actor=Actor(user=current_user._get_current_object()), **kwargs)

    return wrapper


def _sent_body():
    """The body the editor sent, or Invalid with the Swedish reason it cannot be read."""
    if (request.content_length or 0) > limits.TEMPLATE_BODY_BYTES:
        raise Invalid("Too large.", {"": [_TOO_BIG]}, code="too_large")
    data = request.get_data(cache=True)
    if len(data) > limits.TEMPLATE_BODY_BYTES:
        raise Invalid("Too large.", {"": [_TOO_BIG]}, code="too_large")
    if json_depth(data) > MAX_JSON_DEPTH:  # before parsing: no parser recurses that deep
        raise Invalid("Too deep.", {"": [_TOO_DEEP]}, code="too_deep")
    try:
        sent = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise Invalid("Not UTF-8.", {"": ["Mallen är inte UTF-8-text."]}) from None
    except json.JSONDecodeError as error:
        raise Invalid("Malformed JSON.", {"": [json_error(error)]}) from None
    if not isinstance(sent, dict) or set(sent) != {"body"}:
        raise Invalid("Wrong shape.", {"": [_SHAPE]})
    try:  # PostgreSQL stores neither NUL nor lone surrogates
        json.dumps(sent, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("Bad text.", {"": [_BAD_TEXT]}) from None
    if holds_nul(sent):
        raise Invalid("Bad text.", {"": [_BAD_TEXT]})
    return sent["body"]


@editor.post("/versioner/<int:version_id>/kontrollera")
@_coordinator
def check(version_id, actor):
    """Validate a body as the draft's next content; nothing is saved."""
    body = _sent_body()
    errors = services.draft_errors(version_id, body)
    located = swedish_errors(body, errors)
    db.session.rollback()
    return jsonify({"valid": not located, "errors": located})


@editor.put("/versioner/<int:version_id>/utkast")
@_coordinator
def save(version_id, actor):
    """Replace the draft's body (audited); refused with the located errors when invalid."""
    body = _sent_body()
    try:
        services.update_draft(actor, version_id, body)
    except Invalid as error:
        db.session.rollback()
        return jsonify({"valid": False, "errors": swedish_errors(body, error.details)}), 400
    db.session.commit()
    return jsonify({"saved": True, "errors": []})


@editor.errorhandler(DomainError)
def _refused(error: DomainError):
    """A refusal as JSON in Swedish (the services' own messages are English)."""
    db.session.rollback()
    if isinstance(error, NotFound):
        return _message(404, _NO_VERSION)
    if isinstance(error, Conflict):
        return _message(409, _NOT_A_DRAFT)
    if isinstance(error, Invalid) and error.code == "too_deep":  # raised before the view
        return _message(400, _TOO_DEEP)
    if isinstance(error, Invalid) and list(error.details) == [""]:
        return _message(400, error.details[""][0])
    return _message(error.status, page_message(error.status))


@editor.errorhandler(HTTPException)
def _http_refused(error: HTTPException):
    """CSRF, size and method refusals as JSON in Swedish; a body over the size limit is
    a 400 like every other body the editor cannot send."""
    if error.code == 413:
        return _message(400, _TOO_BIG)
    return _message(error.code or 500, http_error_text(error))
