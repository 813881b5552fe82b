"""Health endpoints for load balancers and monitoring, without login and without data.

`GET /healthz`: the process answers (liveness; restart it when this fails).
`GET /readyz`: this app server can serve: the database answers, its schema is at the
migrations' head (or at a newer revision this code does not know: a newer version migrated
it during a rolling upgrade), and the photo storage takes a file. 200 when all hold, else 503; the
body names each check and, for a failing one, what is wrong (never data).
"""

import functools
import hashlib
import logging
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from otto.extensions import db
from otto.inspections.photo_storage import storage_from_config

log = logging.getLogger(__name__)

health = Blueprint("health", __name__)

# Written and removed by the storage check; no photo has this hash (it is of a fixed text).
PROBE_SHA256 = hashlib.sha256(b"otto readiness probe").hexdigest()


@functools.cache
def _migrations(directory: str) -> tuple[frozenset[str], frozenset[str]]:
    """The head revisions and all revisions of the migrations shipped with this code."""
    script = ScriptDirectory(directory)
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def _check_database() -> str | None:
    db.session.execute(text("SELECT 1"))
    return None


def _check_migrations() -> str | None:
    current = set(MigrationContext.configure(db.session.connection()).get_current_heads())
    heads, known = _migrations(str(Path(current_app.root_path) / "migrations"))
    if current == heads:
        return None
    if current and not current & known:
        # Migrated by a newer version during a rolling upgrade: this server still serves
        # until it is upgraded (migrations keep the previous version working, see README).
        return None
    return f"schema at {sorted(current) or 'nothing'}, code expects {sorted(heads)}"


def _check_photo_storage() -> str | None:
    storage = storage_from_config(current_app.config)
    with storage.scratch() as folder:
        probe = folder / "probe"
        probe.write_bytes(b"ok")
        storage.put_file(PROBE_SHA256, "thumb", probe)
    stored = storage.exists(PROBE_SHA256, "thumb")
    storage.delete(PROBE_SHA256)
    return None if stored else "the probe file was not stored"


def _run(check) -> str:
    """ "ok", or what is wrong (the error's type and first line; details go to the log)."""
    try:
        problem = check()
    except Exception as error:  # a readiness probe reports every failure, it never raises
        log.warning("Readiness check %s failed: %s", check.__name__, error)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        problem = f"{type(error).__name__}: {first_line}"
    return "ok" if problem is None else problem


@health.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify(status="ok")


@health.get("/readyz")
def readyz():
    """Database reachable and migrated to head, photo storage writable."""
    checks = {
        "database": _run(_check_database),
        "migrations": _run(_check_migrations),
        "photo_storage": _run(_check_photo_storage),
    }
    ready = all(result == "ok" for result in checks.values())
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    response.cache_control.no_store = True
    return response
