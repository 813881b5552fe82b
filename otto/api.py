"""The JSON API's plumbing: the flask-smorest Api (which writes /api/openapi.json from the
marshmallow schemas) and the Blueprint class every API module uses."""

import re
from http import HTTPStatus

import flask_smorest
from flask import request
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from otto.auth import api_auth
from otto.errors import ApiParser, ErrorSchema, Invalid
from otto.extensions import db
from otto.schemas import MAX_INT

BEARER = [{"deviceToken": []}]

# Error statuses any operation may answer (bad input, no or wrong token, role or agency,
# unknown id, state or version conflict, login throttling), documented once for all.
COMMON_ERRORS = (400, 401, 403, 404, 409, 429)


# The deepest nesting of arrays and objects a JSON request body may have. Checked on the raw
# bytes before the body is parsed, so no parser, schema or service ever recurses deeper.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets inside strings
    are not counted); a malformed text is measured as well as it can be."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", body)).translate(_DEPTH_STEP)
    depth = deepest = 0
    for step in brackets:
        depth += 1 if step == 1 else -1
        deepest = max(deepest, depth)
    return deepest


def refuse_deep_json() -> None:
    """Refuse a JSON request body nested deeper than MAX_JSON_DEPTH (400 too_deep)."""
    if request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        raise Invalid(
            f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.", code="too_deep"
        )


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: an id that fits an integer column, so /businesses/99999999999
    is a 404 (no such route) rather than a database overflow; documented with its range."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_INT, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Api(flask_smorest.Api):
    """flask-smorest's Api without its own error handlers: otto.errors owns the error shape,
    and the OpenAPI document describes that shape."""

    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app, **kwargs):
        # Before any route is added: every <int:...> in a URL is bounded (see IdConverter).
        app.url_map.converters["int"] = IdConverter
        app.before_request(refuse_deep_json)
        super().init_app(app, **kwargs)

    def _register_error_handlers(self):
        pass

    def _register_pagination_header(self):
        # The header's value is one JSON object; described as an object, OpenAPI would read it
        # as comma-separated key,value pairs.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, a JSON object: total, total_pages, "
                "first_page, last_page, page, previous_page, next_page.",
                "schema": {"type": "string"},
            },
            lazy=True,
        )


class Blueprint(flask_smorest.Blueprint):
    """API blueprint whose argument parsers answer bad input with our 400 error shape, and
    whose operations document the common error responses."""

    ARGUMENTS_PARSER = ApiParser()
    PAGINATION_ARGUMENTS_PARSER = ApiParser()

    @staticmethod
    def _prepare_response_doc(doc, doc_info, *, api, spec, **kwargs):
        responses = doc_info.setdefault("response", {}).setdefault("responses", {})
        for status in COMMON_ERRORS:
            responses.setdefault(status, [HTTPStatus(status).name])
        return flask_smorest.Blueprint._prepare_response_doc(
            doc, doc_info, api=api, spec=spec, **kwargs
        )

    def auth(self, roles=None):
        """Require a device token (and one of `roles`) before anything else is parsed;
        documents the bearer scheme. Place it right below the route decorator."""

        def decorator(view):
            return self.doc(security=BEARER)(api_auth(roles)(view))

        return decorator


def committed(result):
    """Commit the request's one transaction and pass the view's result through."""
    db.session.commit()
    return result


class QueryPage(flask_smorest.Page):
    """Paginate a SQLAlchemy select in the database, never loading every row."""

    @property
    def item_count(self):
        return db.session.scalar(select(func.count()).select_from(self.collection.subquery()))

    @property
    def items(self):
        params = self.page_params
        if params.first_item > MAX_INT:
            return []  # past any table's last row (and past what OFFSET accepts)
        query = self.collection.offset(params.first_item).limit(params.page_size)
        return list(db.session.scalars(query))


api = Api(
    spec_kwargs={
        "components": {
            "securitySchemes": {
                "deviceToken": {"type": "http", "scheme": "bearer", "description": "Device token"}
            }
        }
    }
)
