"""OTTO field inspections: the Flask application factory."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from otto import auth, errors, limits, logs, security
from otto.api import api
from otto.changes import feed
from otto.config import INSTANCE_DIR, load_config
from otto.extensions import configure_sqlite, csrf, db, login_manager, migrate
from otto.inspections import read_log


def create_app(config: dict | None = None) -> Flask:
    """Create the app from the environment's configuration, with `config` overriding it."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.update(load_config())
    app.config.update(config or {})
    logs.init_app(app)
    _trust_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    errors.init_app(app)
    limits.guard_lengths()
    security.init_app(app)
    feed.init_app(app)
    read_log.init_app(app)
    # A request's unfinished work is rolled back at its end, also when the app context
    # outlives the request (CLI, tests), so a failed request never leaks into the next.
    app.teardown_request(lambda _exc: db.session.remove())
    _register_cli(app)
    _start_scheduler(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT reverse proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (never from a client directly: without proxies, none)."""
    hops = app.config["PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)


def _init_extensions(app: Flask) -> None:
    from otto import models  # noqa: F401  (every model registered before migrations look)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    # Inside the package, so an installed OTTO finds its migrations wherever it runs from.
    migrate.init_app(
        app, db, directory=str(Path(app.root_path) / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Logga in för att se sidan."
    login_manager.login_message_category = "info"
    auth.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """The JSON API blueprints of the domain packages and sync, then the pages (otto.web)."""
    from otto.accounts import routes as accounts
    from otto.analysis import routes as analysis
    from otto.checklists import routes as checklists
    from otto.health import health
    from otto.inspections import photo_routes as photos
    from otto.inspections import routes as inspections
    from otto.reports import routes as reports
    from otto.sync import routes as sync
    from otto.web import accounts as account_pages
    from otto.web import agencies as agency_pages
    from otto.web import analysis as analysis_pages
    from otto.web import businesses as business_pages
    from otto.web import calendar as calendar_pages
    from otto.web import checklist_editor
    from otto.web import checklists as checklist_pages
    from otto.web import dossier as dossier_pages
    from otto.web import followups as follow_up_pages
    from otto.web import mail_log as mail_log_pages
    from otto.web import people as people_pages
    from otto.web import planning as planning_pages
    from otto.web import read_log as read_log_pages
    from otto.web import reports as report_pages
    from otto.web import routes as web
    from otto.web import sso as sso_pages
    from otto.web.field_app import field_app

    api.init_app(app)
    for blueprint in (
        accounts.api_blp,
        analysis.blp,
        checklists.blp,
        inspections.blp,
        photos.blp,
        reports.blp,
        sync.blp,
    ):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(health)
    app.register_blueprint(account_pages.pages)
    app.register_blueprint(sso_pages.pages)
    sso_pages.init_app(app)
    app.register_blueprint(checklist_pages.pages)
    app.register_blueprint(checklist_editor.editor)
    app.register_blueprint(web.pages)
    app.register_blueprint(business_pages.pages)
    app.register_blueprint(planning_pages.pages)
    app.register_blueprint(dossier_pages.pages)
    app.register_blueprint(calendar_pages.pages)
    app.register_blueprint(people_pages.pages)
    app.register_blueprint(agency_pages.pages)
    app.register_blueprint(mail_log_pages.pages)
    app.register_blueprint(read_log_pages.pages)
    app.register_blueprint(field_app)
    app.register_blueprint(follow_up_pages.pages)
    app.register_blueprint(report_pages.pages)
    app.register_blueprint(analysis_pages.pages)


def _register_cli(app: Flask) -> None:
    from otto import cli

    cli.register(app)


def _start_scheduler(app: Flask) -> None:
    """Only in the development server with RUN_SCHEDULER (see otto.scheduler)."""
    from otto import scheduler

    scheduler.start_in_dev_server(app)
