"""Browser tests: one live server on a seeded SQLite database and the system Chromium."""

import threading

import pytest
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from otto.demo import seed_demo
from otto.extensions import db
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless system Chromium for the whole session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies, no storage) and page per test."""
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _rollback():
    """Browser tests talk to a live server with its own database: no per-test transaction."""
    yield


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with the demo data, served over HTTP on a free loopback port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'otto.sqlite3'}"
    app = make_app(url, tmp_path_factory, WTF_CSRF_ENABLED=True)  # as in production
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
