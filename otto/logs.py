"""One logging configuration for the web app, the CLI commands and the scheduler: every
record goes to stdout (systemd's journal or the container log collects it) as one line with
time, level, logger, request id and message.

The request id comes from the `X-Request-Id` header (nginx sets it, see deploy/) or is made
per request by otto.errors; it is sent back in the response's `X-Request-Id` so a user's
error page, the access log and the application log can be matched. Outside a request the id
is "-".
"""

import logging
import sys

from flask import Flask, g, has_request_context

FORMAT = "%(asctime)s %(levelname)s [%(name)s] [%(request_id)s] %(message)s"


class _RequestId(logging.Filter):
    """Give every record the current request's id (or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class _Stdout(logging.StreamHandler):
    """A handler writing to whatever sys.stdout is at the time (test runners swap it)."""

    def __init__(self):
        super().__init__()
        self.addFilter(_RequestId())
        self.setFormatter(logging.Formatter(FORMAT))

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass  # always sys.stdout


# Loggers that say at INFO what no operator reads: WeasyPrint's progress logger writes a
# line per step and per laid-out page, some 40 lines for every report rendered.
QUIET_LOGGERS = ("weasyprint.progress",)


def configure_logging(level: str) -> None:
    """Send the records of every logger to stdout at `level` (once per process; a second
    app in the same process changes only the level); QUIET_LOGGERS only from WARNING up."""
    root = logging.getLogger()
    if not any(isinstance(handler, _Stdout) for handler in root.handlers):
        root.addHandler(_Stdout())
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def init_app(app: Flask) -> None:
    """Configure logging for the app and echo the request id in every response."""
    configure_logging(app.config["LOG_LEVEL"])

    @app.after_request
    def _send_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response
