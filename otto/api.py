"""The JSON API's plumbing: the flask-smorest Api (which writes /api/openapi.json from the
marshmallow schemas) and the Blueprint class every API module uses."""

import flask_smorest
from sqlalchemy import func, select

from otto.auth import api_auth
from otto.errors import ApiParser
from otto.extensions import db

BEARER = [{"deviceToken": []}]


class Api(flask_smorest.Api):
    """flask-smorest's Api without its own error handlers: otto.errors owns the error shape."""

    def _register_error_handlers(self):
        pass


class Blueprint(flask_smorest.Blueprint):
    """API blueprint whose argument parser answers bad input with our 400 error shape."""

    ARGUMENTS_PARSER = ApiParser()

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
