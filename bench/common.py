"""Shared set-up for benchmarks: an app on a fresh, migrated database (SQLite, or a
throwaway PostgreSQL database when OTTO_BENCH_POSTGRES_URL names a server)."""

import contextlib
import os
import tempfile
import uuid
from pathlib import Path

import psycopg
from flask_migrate import upgrade
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from otto import create_app
from otto.accounts.services import create_user, ensure_agencies
from otto.checklists.services import install_template
from otto.config import database_url
from otto.extensions import db
from otto.inspections.businesses import CATEGORIES, create_business
from otto.inspections.models import Business
from otto.inspections.org_number import with_check_digit

# A PostgreSQL server to run on instead of SQLite (benchmarks create and drop their own
# databases there).
POSTGRES_URL = os.environ.get("OTTO_BENCH_POSTGRES_URL")


def postgres_database() -> tuple[str, str]:
    """Create an empty throwaway database next to POSTGRES_URL: (its URL, its name)."""
    name = f"otto_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(database_url(POSTGRES_URL)).set(database=name)
    return url.render_as_string(hide_password=False), name


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def bench_database(postgres: bool | None = None, **config):
    """Yield (app, "SQLite" or "PostgreSQL") on a fresh migrated database: a throwaway
    PostgreSQL database on POSTGRES_URL's server (dropped afterwards) when `postgres`, by
    default when POSTGRES_URL is set; else a new SQLite file."""
    if postgres is None:
        postgres = bool(POSTGRES_URL)
    if not postgres:
        yield bench_app(**config), "SQLite"
        return
    url, name = postgres_database()
    try:
        app = bench_app(SQLALCHEMY_DATABASE_URI=url, **config)
        yield app, "PostgreSQL"
        with app.app_context():
            db.engine.dispose()
    finally:
        drop_postgres_database(name)


def bench_app(**config):
    """Create the app on a new SQLite file in a temporary folder, migrated to head."""
    folder = Path(tempfile.mkdtemp(prefix="otto-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "PHOTO_DIR": str(folder / "photos"),
            "WTF_CSRF_ENABLED": False,
            **config,
        }
    )
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


def integer_checklist(key: str, questions: int):
    """Publish a miljö checklist of `questions` integer questions q0, q1, …"""
    return install_template(
        {
            "key": key,
            "agency": "miljo",
            "title": "Bench",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "questions": [
                        {"id": f"q{n}", "type": "integer", "text": f"Fråga {n}"}
                        for n in range(questions)
                    ],
                }
            ],
        }
    )


def team(inspectors: int):
    """The agencies, a coordinator, `inspectors` miljö inspectors and one business."""
    ensure_agencies()
    password = "ett-långt-lösenord"
    coordinator = create_user(
        None,
        username="samordnare",
        name="S",
        email="s@x.se",
        role="coordinator",
        password=password,
    )
    users = [
        create_user(
            None,
            username=f"insp{n}",
            name=f"I{n}",
            email=f"i{n}@x.se",
            role="inspector",
            agency="miljo",
            password=password,
        )
        for n in range(inspectors)
    ]
    business = create_business(
        None, name="B", org_number="556677-8899", address="Gatan 1", category="kiosk"
    )
    return coordinator, users, business


def insert_businesses(count: int, words=("Verksamhet",)) -> None:
    """`count` businesses with one bare multi-row insert (ids 1..count): names cycle through
    `words`, org numbers are valid, categories cycle through the known ones."""
    categories = list(CATEGORIES)
    db.session.execute(
        insert(Business),
        [
            {
                "name": f"{words[n % len(words)]} {n}",
                "org_number": with_check_digit(f"{556000000 + n:09d}"),
                "address": f"Storgatan {n % 200}",
                "category": categories[n % len(categories)],
            }
            for n in range(count)
        ],
    )
