"""Domain exceptions and the one error shape.

Services raise the exceptions below; this module turns them, and every HTTP error, into
`{"code", "message", "details"}` JSON under /api/ and into an error page elsewhere.
Unexpected errors are logged with a request id and answered with a generic 500.
"""

import logging
import uuid

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, fields
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of the errors services raise; each carries an HTTP status and a machine code."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, details: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class Invalid(DomainError):
    status, code = 400, "invalid"


class TooLong(Invalid):
    """A text longer than its limit (otto.limits); the message is Swedish and names the
    field and the limit, so pages show it as it is."""

    code = "too_long"


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class TooManyRequests(DomainError):
    status, code = 429, "too_many_requests"


# Swedish texts for the error page shown outside /api/: a title and what to do. The API's
# English messages never reach a page (they are written for developers and devices).
_PAGE_TITLES = {
    400: "Felaktig begäran",
    401: "Inloggning krävs",
    403: "Åtkomst nekad",
    404: "Sidan finns inte",
    405: "Metoden stöds inte",
    409: "Konflikt",
    413: "För stor fil",
    429: "För många försök",
    500: "Ett oväntat fel inträffade",
}
_PAGE_MESSAGES = {
    400: "Uppgifterna i begäran kunde inte tolkas. Gå tillbaka och försök igen.",
    401: "Logga in för att se sidan.",
    403: "Du har inte behörighet till den här sidan.",
    404: "Sidan finns inte, eller så har du inte behörighet att se den.",
    405: "Sidan kan inte användas på det sättet. Gå tillbaka och försök igen.",
    409: "Ändringen krockar med en annan ändring. Ladda om sidan och försök igen.",
    413: "Filen är för stor.",
    429: "För många försök. Vänta en stund och försök igen.",
    500: "Något gick fel hos oss. Försök igen om en stund.",
}
_CSRF_TEXT = (
    "Formulärets säkerhetskod (CSRF-token) saknas eller har gått ut. Ladda om sidan och "
    "skicka formuläret igen."
)


class ErrorSchema(Schema):
    """The one error shape, for the OpenAPI document (error_response writes it)."""

    code = fields.String(required=True, metadata={"description": "Machine code, e.g. not_found"})
    message = fields.String(required=True, metadata={"description": "What went wrong, for people"})
    details = fields.Dict(
        required=True, metadata={"description": "Specifics, e.g. the invalid fields"}
    )


def error_response(
    status: int, code: str, message: str, details: dict | None = None, page_text: str = ""
):
    """The single place that shapes an error, as JSON under /api/ and as a page elsewhere
    (in Swedish: `page_text`, or the status's own text)."""
    if request.path.startswith("/api/"):
        body = {"code": code, "message": message, "details": details or {}}
        return jsonify(body), status
    title = _PAGE_TITLES.get(status, "Fel")
    text = page_text or page_message(status)
    if status >= 500:
        text += f" Ange felkod {g.get('request_id', '-')} om du kontaktar support."
    page = render_template("error.html", status=status, title=title, message=text)
    return page, status


def page_message(status: int) -> str:
    """What a status means for a person, in Swedish (pages, and the JSON the pages' own
    scripts read)."""
    return _PAGE_MESSAGES.get(status, "Begäran kunde inte genomföras.")


def http_error_text(error: HTTPException) -> str:
    """A werkzeug exception in Swedish: the CSRF refusal says what to do, others by status."""
    return _CSRF_TEXT if isinstance(error, CSRFError) else page_message(error.code or 500)


def _http_code(error: HTTPException) -> str:
    """A snake_case machine code from a werkzeug exception, e.g. 'method_not_allowed'."""
    return (error.name or "error").lower().replace(" ", "_").replace("'", "")


def _handle_domain_error(error: DomainError):
    page_text = error.message if isinstance(error, TooLong) else ""
    return error_response(
        error.status, error.code, error.message, error.details, page_text=page_text
    )


def _handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    if "messages" in data:  # a marshmallow validation error raised through webargs
        return error_response(
            400, "validation_error", "The request failed validation.", data["messages"]
        )
    page_text = _CSRF_TEXT if isinstance(error, CSRFError) else ""
    response = make_response(
        error_response(
            error.code or 500, _http_code(error), error.description or "", page_text=page_text
        )
    )
    if error.code == 405 and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _handle_unexpected(error: Exception):
    if isinstance(error, HTTPException):
        return _handle_http_exception(error)
    request_id = g.get("request_id", "-")
    log.exception("Unhandled error (request %s)", request_id)
    return error_response(
        500, "internal_error", f"Internal error; quote request id {request_id}.", {}
    )


class ApiParser(FlaskParser):
    """webargs parser answering bad input with 400 and the one error shape."""

    DEFAULT_VALIDATION_STATUS = 400

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise Invalid("The request body is not valid JSON.", code="malformed_json")

    def _raw_load_json(self, req):
        if req.get_data(cache=True) and not req.is_json:
            raise Invalid(
                "The request body must be JSON (Content-Type: application/json).",
                code="json_required",
            )
        data = super()._raw_load_json(req)
        # A parsed string holds a NUL only from the escape \u0000 (JSON refuses it raw) or
        # from a UTF-16/32 body (zero bytes): otherwise nothing needs searching.
        raw = req.get_data(cache=True)
        if (b"\\u0000" in raw or b"\x00" in raw) and holds_nul(data):
            raise _nul_error("body")
        return data


def holds_nul(value) -> bool:
    """Whether a string anywhere in a parsed JSON value holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(holds_nul(item) for item in value)
    return False


def _nul_error(where: str) -> Invalid:
    # PostgreSQL text cannot store NUL, and no name, note or id needs one: refuse it up front.
    return Invalid(
        f"The request's {where} contains a NUL character (\\u0000), which is never valid.",
        {where: ["Contains a NUL character."]},
        code="nul_character",
    )


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse_nul_in_url() -> None:
    """NUL in the path, the query or the fields of a submitted form (JSON bodies are checked
    when parsed; other bodies, such as photo bytes, are left alone)."""
    if "\x00" in request.path:
        raise _nul_error("path")
    if any(holds_nul(key) or holds_nul(value) for key, value in request.args.items(multi=True)):
        raise _nul_error("query")
    if request.mimetype in _FORM_TYPES and any(
        holds_nul(key) or holds_nul(value) for key, value in request.form.items(multi=True)
    ):
        raise _nul_error("form")


def init_app(app: Flask) -> None:
    """Register the request id, the NUL check on URLs and forms, and the error handlers."""

    @app.before_request
    def _assign_request_id():
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:12]

    app.before_request(_refuse_nul_in_url)

    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)
