"""The field app: serves the built PWA (`pwa/dist`) under /app/ with the headers it needs.

The app shell is precached by its service worker, so index.html and sw.js must always be
revalidated (`no-cache`), while the content-hashed bundles can be cached for a year. Like
every response, these carry the strict Content-Security-Policy of otto.security: the app has
no inline scripts or styles and talks only to its own origin.
"""

import re
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

field_app = Blueprint("field_app", __name__, url_prefix="/app")

# Bundles named by their content (app-3F2KQ7XD.js) never change under the same name.
_HASHED = re.compile(r"^app-[A-Z0-9]{8}\.(js|css)$")
_ALWAYS_REVALIDATE = {"index.html", "sw.js", "manifest.webmanifest"}


def dist_dir() -> Path:
    """Where the built front end is (the field app, and the checklist editor in `editor/`):
    FIELD_APP_DIR, else pwa/dist beside the package."""
    configured = current_app.config.get("FIELD_APP_DIR")
    return Path(configured) if configured else Path(current_app.root_path).parent / "pwa" / "dist"


def send_built(directory: Path, filename: str, *, hashed: bool, revalidate: bool):
    """A built file with its caching: content-hashed names for a year (immutable), files that
    name the others (`revalidate`) always revalidated, anything else for a day."""
    response = send_from_directory(directory, filename, max_age=0)
    if revalidate:
        response.cache_control.no_cache = True
        response.cache_control.max_age = 0
    elif hashed:
        response.cache_control.public = True
        response.cache_control.max_age = 31536000
        response.cache_control.immutable = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = 86400
    return response


def _send(filename: str):
    dist = dist_dir()
    if not (dist / "index.html").is_file():
        abort(404, description="Fältappen är inte byggd (kör make pwa).")
    response = send_built(
        dist,
        filename,
        hashed=bool(_HASHED.match(filename)),
        revalidate=filename in _ALWAYS_REVALIDATE,
    )
    if filename == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/app/"
    return response


@field_app.get("/")
def index():
    """The app shell; the app routes inside it by the URL fragment."""
    return _send("index.html")


@field_app.get("/<path:filename>")
def asset(filename: str):
    """A built file, or the shell for any other path under /app/ (deep links)."""
    if "/" not in filename and (dist_dir() / filename).is_file():
        return _send(filename)
    return _send("index.html")
