"""Security headers on every response, and the rules for serving uploaded bytes.

One place decides what the browser is allowed to do with what OTTO sends:

- Pages, static files and the field app get a Content-Security-Policy without
  'unsafe-inline': scripts, styles, fonts and connections only from this origin, images also
  from `data:` and `blob:` (the field app previews photos and signatures from local bytes),
  no plugins, no framing, forms only to this origin. The HTML has no inline scripts, <style>
  blocks, style="" attributes or on*= handlers; behaviour lives in otto/static/*.js.
- /api/ answers (JSON) and uploaded photos are never documents: they get `default-src 'none'`
  with `sandbox`, so even a file a browser were tricked into rendering runs nothing.
- Photos are served only as one of `SAFE_IMAGE_TYPES` (anything else would go out as an
  `application/octet-stream` attachment), with `nosniff` and a Content-Disposition naming the
  file, so a polyglot upload can never become HTML or script in the browser.
- Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (links in
  dossiers never leak visit ids to other sites), `X-Frame-Options: DENY` for browsers that
  predate frame-ancestors, `Cross-Origin-Opener-Policy: same-origin`, and a Permissions-Policy
  allowing only what the field app uses (camera, location). Behind HTTPS
  (`SESSION_COOKIE_SECURE`, from OTTO_SECURE_COOKIES=1) also Strict-Transport-Security.

A view that sets its own Content-Security-Policy keeps it (e.g. a PDF a browser shows in its
own viewer). Cookie flags live in otto.config; CSRF protection (Flask-WTF) covers every page
form, while /api/ authenticates with bearer tokens and is exempt.

Secrets: device tokens and calendar-feed URLs are random 256-bit tokens stored only as their
SHA-256 and found by an indexed lookup of that hash (otto.accounts.devices.authenticate_token), so
no secret is ever compared byte by byte in Python and response time says nothing about how
much of a guess was right. Passwords are checked by werkzeug's check_password_hash, which
compares in constant time. Should a secret ever have to be compared as it is, use
hmac.compare_digest, never ==.
"""

import re

from flask import Flask, current_app, request

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# For responses that are data, not documents: nothing may load or run, not even when the
# browser is made to open one as a page.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; sandbox"
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"
HSTS = "max-age=31536000"

SAFE_IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# The views that send uploaded bytes back (field app API and the dossier pages).
UPLOAD_ENDPOINTS = {"photos.PhotoBytes", "dossier.photo"}
_HEX = re.compile(r"[0-9a-f]{64}")


def init_app(app: Flask) -> None:
    """Add the security headers to every response of `app`."""
    app.after_request(_add_headers)


def _add_headers(response):
    headers = response.headers
    if request.endpoint in UPLOAD_ENDPOINTS and request.method in ("GET", "HEAD"):
        _harden_upload(response)
    if request.path.startswith("/api/"):
        headers.setdefault("Content-Security-Policy", DATA_POLICY)
    headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _harden_upload(response) -> None:
    """An uploaded photo goes out as an image type a browser only ever displays."""
    if response.status_code >= 400:
        return  # the error shape (JSON or page) with its own policy
    sha256 = str((request.view_args or {}).get("sha256", ""))
    name = sha256 if _HEX.fullmatch(sha256) else "photo"
    extension = SAFE_IMAGE_TYPES.get(response.mimetype)
    if extension is None:
        response.mimetype = "application/octet-stream"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    else:
        response.headers["Content-Disposition"] = f'inline; filename="{name}.{extension}"'
    response.headers["Content-Security-Policy"] = DATA_POLICY
