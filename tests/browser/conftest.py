"""Browser tests: one live server on a seeded SQLite database, the system Chromium, and, for
the scenarios shared through tablets.py, WebKitGTK (the iPad's engine) under Xvfb."""

import os
import socket
import subprocess
import threading

import pytest
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from otto.demo import seed_demo
from otto.extensions import db
from tests.browser.tablets import ChromiumTablet, WebKitTablet
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


class LiveServer:
    """The app served over HTTP on one loopback port. stop() takes it off the network,
    open connections included, and start() brings it back on the same port: how a tablet
    without network emulation (WebKit) goes offline and online again."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self._connections = set()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        connections = self._connections

        class Handler(WSGIRequestHandler):
            def setup(self):
                super().setup()
                connections.add(self.connection)

            def finish(self):
                connections.discard(self.connection)
                super().finish()

        self._server = make_server(
            "127.0.0.1", self.port, self.app, threaded=True, request_handler=Handler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        for connection in list(self._connections):  # kept-alive connections end too
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its handler
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The app with the demo data, served over HTTP on a free loopback port."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'otto.sqlite3'}"
    app = make_app(url, tmp_path_factory, WTF_CSRF_ENABLED=True)  # as in production
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        db.session.remove()
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(server):
    """The live server's base URL."""
    return server.url


@pytest.fixture(scope="session")
def display():
    """An X display for WebKitGTK: Xvfb on a free display number, for the session."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1400x24", "-nolisten", "tcp"],
        pass_fds=[write],
    )
    os.close(write)
    with os.fdopen(read) as announced:
        number = announced.readline().strip()
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait()


@pytest.fixture(params=["chromium", "webkit"])
def tablet(request, server):
    """A fresh tablet (no storage) of each engine, for the scenarios written once."""
    if request.param == "chromium":
        tablet = ChromiumTablet(request.getfixturevalue("browser"), server)
    else:
        tablet = WebKitTablet(request.getfixturevalue("display"), server)
    yield tablet
    tablet.close()
