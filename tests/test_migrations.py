"""The schema is built only by migrations: upgrade, downgrade to nothing, upgrade again,
with the real `flask db` command, on each database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from otto.config import database_url

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "otto", "db"]


def flask_db(url: str, *args: str, instance: Path) -> None:
    env = os.environ | {"DATABASE_URL": url, "OTTO_INSTANCE_DIR": str(instance)}
    result = subprocess.run(
        [*FLASK, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def tables(url: str) -> set[str]:
    engine = create_engine(database_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.no_rollback
def test_upgrade_downgrade_upgrade(app, empty_database, tmp_path):
    url = empty_database(app.config["DB_KIND"])
    flask_db(url, "upgrade", instance=tmp_path)
    created = tables(url)
    assert {"visit", "answer", "finding", "audit_event", "change", "sync_state"} <= created
    flask_db(url, "downgrade", "base", instance=tmp_path)
    assert tables(url) <= {"alembic_version"}
    flask_db(url, "upgrade", instance=tmp_path)
    assert tables(url) == created


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to add: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from otto.extensions import db

    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []
