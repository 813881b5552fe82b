"""Configuration read from the environment, with safe defaults for a development machine.

Every setting has one name here; tests pass an override dict to `create_app(config)`.
"""

import base64
import datetime as dt
import json
import os
import secrets
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("OTTO_INSTANCE_DIR", Path.cwd() / "instance")).resolve()


def _secret_key(instance_dir: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once into instance/ (one
    machine only: app servers on several machines must share SECRET_KEY in the environment,
    or each would reject the others' session cookies and CSRF tokens)."""
    return _instance_secret(instance_dir, "SECRET_KEY", "secret_key", lambda: secrets.token_hex(32))


def _fernet_key() -> str:
    """A new Fernet key: 32 random bytes, URL-safe base64 (as Fernet.generate_key())."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _instance_secret(instance_dir: Path, variable: str, filename: str, make) -> str:
    """The secret in the environment `variable`, or one made by `make()` once into
    instance/`filename` (development and the demo: production sets the variable, the same on
    every app server)."""
    if os.environ.get(variable):
        return os.environ[variable]
    key_file = instance_dir / filename
    if not key_file.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place (which fails if the file exists): of several
        # workers starting at once, one key wins and every worker reads that one.
        aside = instance_dir / f".{filename}.{os.getpid()}.{secrets.token_hex(4)}"
        with os.fdopen(os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(make())
        try:
            os.link(aside, key_file)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return key_file.read_text().strip()


def database_url(url: str) -> str:
    """Normalise a database URL so PostgreSQL always uses the psycopg (v3) driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# What a finding needs by default, by severity: the kind of follow-up and the days from the
# finding's date to its deadline (None: no follow-up). Agencies override single severities
# under their code, e.g. {"livsmedel": {"minor": {"kind": "document", "days": 14}}}; the
# environment adds overrides as JSON in OTTO_FOLLOW_UP_RULES. See otto.inspections.deadlines.
DEFAULT_FOLLOW_UP_RULES = {
    "default": {
        "critical": {"kind": "revisit", "days": 7},
        "major": {"kind": "revisit", "days": 30},
        "minor": {"kind": "document", "days": 30},
        "info": None,
    },
}


def follow_up_rules(overrides: str) -> dict:
    """The default follow-up rules with per-agency overrides (JSON) merged in."""
    rules = {key: dict(value) for key, value in DEFAULT_FOLLOW_UP_RULES.items()}
    for agency, by_severity in json.loads(overrides or "{}").items():
        rules.setdefault(agency, {}).update(by_severity)
    return rules


def day_range(value: str) -> tuple[int, int]:
    """ "1-5" → (1, 5): ISO weekdays, Monday = 1."""
    first, _, last = value.partition("-")
    days = (int(first), int(last or first))
    if not 1 <= days[0] <= days[1] <= 7:
        raise ValueError(f"OTTO_OFFICE_DAYS {value!r}: use e.g. 1-5 (Monday to Friday).")
    return days


def hour_range(value: str) -> tuple[dt.time, dt.time]:
    """ "07:00-17:00" → (07:00, 17:00), local times; the end is exclusive."""
    start, _, end = value.partition("-")
    hours = (dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip()))
    if not hours[0] < hours[1]:
        raise ValueError(f"OTTO_OFFICE_HOURS {value!r}: use e.g. 07:00-17:00.")
    return hours


def load_config() -> dict:
    """Build the configuration dict from environment variables."""
    env = os.environ.get
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    # Served over HTTPS (production): cookies only over TLS. Follows OTTO_BASE_URL unless
    # OTTO_SECURE_COOKIES says otherwise.
    https = env("OTTO_BASE_URL", "").startswith("https://")
    secure_cookies = env("OTTO_SECURE_COOKIES", "1" if https else "0") == "1"
    return {
        "SECRET_KEY": _secret_key(INSTANCE_DIR),
        "SQLALCHEMY_DATABASE_URI": database_url(
            env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'otto.sqlite3'}")
        ),
        # Photo files: "folder" (PHOTO_DIR, one machine) or "s3" (a bucket shared by several
        # app servers; credentials and region from the standard AWS_* variables).
        "PHOTO_STORAGE": env("OTTO_PHOTO_STORAGE", "folder"),
        "PHOTO_DIR": env("OTTO_PHOTO_DIR", str(INSTANCE_DIR / "photos")),
        "S3_BUCKET": env("OTTO_S3_BUCKET", ""),
        "S3_PREFIX": env("OTTO_S3_PREFIX", ""),
        "S3_ENDPOINT_URL": env("OTTO_S3_ENDPOINT_URL", ""),  # empty: AWS itself
        "MAX_PHOTO_BYTES": int(env("OTTO_MAX_PHOTO_BYTES", 25 * 1024 * 1024)),
        # Width × height checked from the header before decoding (decompression bombs).
        "MAX_PHOTO_PIXELS": int(env("OTTO_MAX_PHOTO_PIXELS", 50_000_000)),
        # JSON bodies are small; photos have their own limit (MAX_PHOTO_BYTES).
        "MAX_CONTENT_LENGTH": int(env("OTTO_MAX_CONTENT_LENGTH", 26 * 1024 * 1024)),
        "SMTP_HOST": env("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(env("SMTP_PORT", 25)),
        "SMTP_USER": env("SMTP_USER", ""),
        "SMTP_PASSWORD": env("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": env("SMTP_STARTTLS", "0") == "1",
        "MAIL_FROM": env("MAIL_FROM", "otto@kommun.example"),
        # Login throttling (otto.accounts.throttle): free failures per user name and address
        # and per address, then locks from LOGIN_BACKOFF_SECONDS doubling up to
        # LOGIN_LOCK_SECONDS; counts are forgotten after LOGIN_FORGET_SECONDS without failures.
        "LOGIN_MAX_FAILURES": int(env("OTTO_LOGIN_MAX_FAILURES", 5)),
        "LOGIN_ADDRESS_MAX_FAILURES": int(env("OTTO_LOGIN_ADDRESS_MAX_FAILURES", 20)),
        "LOGIN_BACKOFF_SECONDS": int(env("OTTO_LOGIN_BACKOFF_SECONDS", 30)),
        "LOGIN_LOCK_SECONDS": int(env("OTTO_LOGIN_LOCK_SECONDS", 900)),
        "LOGIN_FORGET_SECONDS": int(env("OTTO_LOGIN_FORGET_SECONDS", 3600)),
        # Sign-in through OpenID Connect providers (otto.accounts.sso), a JSON list of their
        # settings; empty: none, the login page has only local passwords. Local passwords
        # (OTTO_LOCAL_LOGIN): "on", "admin" (break-glass admins only) or "off".
        "OIDC_PROVIDERS": json.loads(env("OTTO_OIDC_PROVIDERS", "") or "[]"),
        "LOCAL_LOGIN": env("OTTO_LOCAL_LOGIN", "on"),
        # A signed-in browser unused this long is signed out (otto.accounts.sessions).
        "WEB_SESSION_IDLE_SECONDS": int(env("OTTO_WEB_SESSION_IDLE_SECONDS", 12 * 3600)),
        # Cookies never reach scripts or other sites' forms; behind HTTPS (production) they
        # are sent over TLS only and Strict-Transport-Security is added (otto.security).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "RUN_SCHEDULER": env("OTTO_RUN_SCHEDULER", "0") == "1",
        # How often a waiting scheduler tries to take over, and the leader checks its lock.
        "SCHEDULER_POLL_SECONDS": float(env("OTTO_SCHEDULER_POLL_SECONDS", 10)),
        "FOLLOW_UP_RULES": follow_up_rules(env("OTTO_FOLLOW_UP_RULES", "")),
        # Reminders go out this many days before a follow-up's due date, and on the day.
        "REMINDER_DAYS_BEFORE": int(env("OTTO_REMINDER_DAYS_BEFORE", 3)),
        # Photos and personal details of closed visits are removed after this many years
        # (the limitation period of the gravest offences OTTO's findings may be evidence of,
        # grovt skattebrott, is ten years; the municipality's records plan may say otherwise).
        "RETENTION_YEARS": int(env("OTTO_RETENTION_YEARS", 10)),
        # Persons met at a site (names, identity numbers, observations) are kept a shorter
        # time: removed this many days after their visit was carried out; the counts stay.
        "PERSON_RETENTION_DAYS": int(env("OTTO_PERSON_RETENTION_DAYS", 365)),
        # Identity numbers are stored encrypted with this Fernet key, and recognised across
        # visits by an HMAC-SHA256 under the hash key (never decrypted to compare). Losing
        # the number key loses the numbers; changing the hash key forgets the repeats.
        "PERSON_NUMBER_KEY": _instance_secret(
            INSTANCE_DIR, "OTTO_PERSON_NUMBER_KEY", "person_number_key", _fernet_key
        ),
        "PERSON_HASH_KEY": _instance_secret(
            INSTANCE_DIR, "OTTO_PERSON_HASH_KEY", "person_hash_key", lambda: secrets.token_hex(32)
        ),
        # A device holds a visit while it is planned, in progress or completed, and for this
        # many days after it was closed or cancelled; then the visit leaves every device (its
        # answers, findings, photos and signatures are dropped there) until it is reopened.
        "WORKING_SET_DAYS": int(env("OTTO_WORKING_SET_DAYS", 14)),
        # The public address of OTTO: every absolute link (e-mails, calendar feeds) starts
        # with it, whatever host or scheme a request came in by.
        "BASE_URL": env("OTTO_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Reverse proxies in front of the app servers (nginx: 1). Their X-Forwarded-For,
        # -Proto, -Host and -Port are trusted that many hops deep, and only then (0: none).
        "PROXY_COUNT": int(env("OTTO_PROXY_COUNT", 0)),
        # The built field app (pwa/dist). Empty: pwa/dist beside the package (a checkout).
        "FIELD_APP_DIR": env("OTTO_FIELD_APP_DIR", ""),
        # Log level of the app, the CLI and the scheduler (all to stdout, see otto.logs).
        "LOG_LEVEL": env("OTTO_LOG_LEVEL", "INFO"),
        # Reminders and digests leave only on these weekdays (1 = Monday) between these
        # Swedish local times; a run outside them leaves the mail for the next run inside.
        "OFFICE_DAYS": day_range(env("OTTO_OFFICE_DAYS", "1-5")),
        "OFFICE_HOURS": hour_range(env("OTTO_OFFICE_HOURS", "07:00-17:00")),
        # A mail that failed (SMTP server away, refusal) is tried again after 15, 30, 60 ...
        # minutes, at most MAIL_MAX_ATTEMPTS times in all; then it stays failed (admin page).
        "MAIL_MAX_ATTEMPTS": int(env("OTTO_MAIL_MAX_ATTEMPTS", 5)),
        "MAIL_RETRY_MINUTES": int(env("OTTO_MAIL_RETRY_MINUTES", 15)),
        # OpenAPI document (flask-smorest)
        "API_TITLE": "OTTO fältinspektioner API",
        "API_VERSION": "1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
