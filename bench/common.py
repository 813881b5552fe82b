"""Shared set-up for benchmarks: an app on a fresh, migrated SQLite database."""

import tempfile
from pathlib import Path

from flask_migrate import upgrade

from otto import create_app
from otto.extensions import db


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
