"""The JSON API's plumbing: the flask-smorest Api (which writes /api/openapi.json from the
marshmallow schemas) and the Blueprint class every API module uses."""

import flask_smorest

from otto.errors import ApiParser

BEARER = [{"deviceToken": []}]


class Api(flask_smorest.Api):
    """flask-smorest's Api without its own error handlers: otto.errors owns the error shape."""

    def _register_error_handlers(self):
        pass


class Blueprint(flask_smorest.Blueprint):
    """API blueprint whose argument parser answers bad input with our 400 error shape."""

    ARGUMENTS_PARSER = ApiParser()


api = Api(
    spec_kwargs={
        "components": {
            "securitySchemes": {
                "deviceToken": {"type": "http", "scheme": "bearer", "description": "Device token"}
            }
        }
    }
)
