"""Shared fixtures: one app per database (SQLite always, PostgreSQL when reachable), the
schema built by running the migrations, and each test rolled back in a transaction."""

import email
import email.policy
import os
import socket
import uuid
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from otto import create_app
from otto.config import database_url
from otto.extensions import db

POSTGRES_URL = os.environ.get("OTTO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reachable() -> bool:
    """True when the test PostgreSQL server answers. In CI it must: failing is louder."""
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
        return True
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            raise
        return False


DATABASES = ["sqlite"] + (["postgres"] if postgres_reachable() else [])


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (the Makefile's test target): two workers for the suite or a folder, none when
    only files or single tests are named (`pytest tests/test_cli.py` runs serially, without
    the cost of starting workers, each with its own session servers and migrated databases).
    Two at most: CI has two cores, and every further worker starts its own databases, SMTP
    and S3 servers, so more workers were never measured to help."""
    named = [arg for arg in config.args if not arg.startswith("-")]
    if named and all(Path(arg.split("::")[0]).is_file() for arg in named):
        return 0
    return min(2, os.cpu_count() or 1)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups below
def pytest_collection_modifyitems(config, items):
    """Leave out the SQLite variant of tests that need truly concurrent writers (SQLite
    has one write lock per file, so there is nothing to test there), and the PostgreSQL
    variant of tests that touch no database (the autouse transaction gives every test both).

    The browser tests share one live server whose data they change (test_checklist_pages
    publishes a checklist the planning tests then find): under pytest-xdist (`--dist
    loadgroup`) they run as one group on one worker, in the order they run serially."""
    grouped = config.pluginmanager.hasplugin("xdist")  # the marker exists with the plugin
    keep, drop = [], []
    for item in items:
        if grouped and BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("app") if callspec is not None else None
        redundant = (kind == "sqlite" and item.get_closest_marker("postgres_only")) or (
            kind == "postgres" and item.get_closest_marker("database_free")
        )
        (drop if redundant else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _admin_connection():
    return psycopg.connect(POSTGRES_URL, autocommit=True)


def create_postgres_database() -> str:
    """Create an empty throwaway database on the test server and return its URL."""
    name = f"otto_test_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return str(make_url(database_url(POSTGRES_URL)).set(database=name).render_as_string(False))


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory):
    """A factory for empty databases of a kind ("sqlite" or "postgres"), dropped at the end."""
    created = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'otto.sqlite3'}"
        url = create_postgres_database()
        created.append(url)
        return url

    yield make
    for url in created:
        drop_postgres_database(url)


def make_app(url: str, tmp_path_factory, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "PHOTO_DIR": str(tmp_path_factory.mktemp("photos")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session", params=DATABASES)
def app(request, empty_database, tmp_path_factory):
    """The application on a migrated database, once per database kind."""
    url = empty_database(request.param)
    app = make_app(url, tmp_path_factory)
    app.config["DB_KIND"] = request.param
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rollback(request, app):
    """Run each test in its own app context, inside a transaction rolled back afterwards.

    The session joins the outer transaction with savepoints, so the code under test may
    commit as often as it likes. (Requests made during the test share its app context.)
    """
    with app.app_context():
        if "no_rollback" in request.keywords:
            yield
            return
        connection = db.engine.connect()
        outer = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        yield
        db.session.remove()
        db.session.configure(bind=None)
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories -------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(app):
    """Create a user; inspectors get an agency (default miljo)."""
    from otto.accounts.services import create_user, ensure_agencies

    ensure_agencies()
    db.session.commit()  # so a request before the first user cannot roll the agencies back
    counter = iter(range(1, 10_000))

    def make(role="inspector", agency=None, **overrides):
        if role == "inspector" and agency is None:
            agency = "miljo"
        n = next(counter)
        fields = {
            "username": f"{role}{n}-{uuid.uuid4().hex[:6]}",
            "name": f"Testperson {n}",
            "email": f"test{n}@example.org",
            "role": role,
            "agency": agency,
            "password": PASSWORD,
        }
        fields.update(overrides)
        user = create_user(None, **fields)
        db.session.commit()
        return user

    return make


@pytest.fixture
def token_for(client):
    """Register a device for a user through the API and return its bearer headers."""

    def register(user, password=PASSWORD, device_id=None):
        response = client.post(
            "/api/auth/device",
            json={
                "username": user.username,
                "password": password,
                "device_id": device_id or str(uuid.uuid4()),
                "device_name": "Surfplatta",
            },
        )
        assert response.status_code == 201, response.json
        return {"Authorization": f"Bearer {response.json['token']}"}

    return register


def make_business_now(**overrides):
    """Create a business with a valid organisation number (inside an app context)."""
    from otto.inspections.businesses import create_business

    fields = {
        "name": "Pizzeria Testa",
        "org_number": "556677-8899",
        "address": "Storgatan 1",
        "category": "pizzeria",
    }
    fields.update(overrides)
    business = create_business(None, **fields)
    db.session.commit()
    return business


@pytest.fixture
def make_business(app):
    """Create a business with a valid organisation number."""
    return make_business_now


@pytest.fixture
def template_version(app):
    """A published template version for an agency, from a small valid body."""
    from otto.checklists import services

    def make(agency="miljo", key=None):
        body = {
            "key": key or f"{agency}-test",
            "agency": agency,
            "title": "Testmall",
            "sections": [
                {
                    "id": "allmant",
                    "title": "Allmänt",
                    "questions": [
                        {
                            "id": "ok",
                            "type": "yesno",
                            "text": "Är allt i ordning?",
                            "required": True,
                        },
                        {"id": "antal", "type": "integer", "text": "Antal anställda", "min": 0},
                    ],
                }
            ],
        }
        version = services.install_template(body)
        db.session.commit()
        return version

    return make


@pytest.fixture
def make_visit(make_business, make_user, template_version):
    """Plan a visit; `agencies` gives one inspector (with a checklist) per agency."""
    import datetime as dt

    from otto.auth import Actor
    from otto.inspections.visits import plan_visit
    from otto.timeutil import utcnow

    def make(agencies=("miljo",), coordinator=None, inspectors=None, **overrides):
        coordinator = coordinator or make_user(role="coordinator")
        inspectors = inspectors or [make_user(agency=a) for a in agencies]
        start = utcnow().replace(microsecond=0) + dt.timedelta(hours=1)
        fields = {
            "business_id": make_business().id,
            "planned_start": start,
            "planned_end": start + dt.timedelta(hours=2),
            "participants": [
                {
                    "user_id": user.id,
                    "template_version_ids": [template_version(user.agency_code).id],
                }
                for user in inspectors
            ],
        }
        fields.update(overrides)
        visit = plan_visit(Actor(coordinator), **fields)
        db.session.commit()
        return visit

    return make


# --- e-mail ----------------------------------------------------------------------------


class _Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture(scope="session")
def _smtp_server():
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def mailbox(app, _smtp_server, monkeypatch):
    """A local SMTP server the app sends to; the list of messages it received in this test
    (`email.message.EmailMessage`s)."""
    inbox, port = _smtp_server
    inbox.messages.clear()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", "")
    return inbox.messages


# --- object storage --------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3-compatible server (moto's server mode) on loopback, for the session.
    Its credentials and region are set for boto3 in the environment (moto takes any)."""
    from moto.server import ThreadedMotoServer

    environment = {
        "AWS_ACCESS_KEY_ID": "otto-test",
        "AWS_SECRET_ACCESS_KEY": "otto-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def s3_photo_config(s3_endpoint):
    """The photo settings of an app storing photos in a new, empty bucket on the local S3
    server."""
    from otto.inspections.photo_storage import s3_client

    bucket = f"otto-photos-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=bucket)
    return {
        "PHOTO_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_PREFIX": "photos/",
        "S3_ENDPOINT_URL": s3_endpoint,
    }


@pytest.fixture
def login(client):
    """Sign a user in to the web pages and return the client."""

    def sign_in(user):
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in
