"""Extension instances, created unbound and initialised in create_app()."""

import flask_sqlalchemy.session
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic revisions are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy's session, but honouring an explicit `bind`.

    Tests bind the session to a connection inside an outer transaction that is rolled back
    after each test; Flask-SQLAlchemy alone would ignore that bind.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


# expire_on_commit=False: a route commits and then serialises what it just wrote.
db = flask_sqlalchemy.SQLAlchemy(
    model_class=Base, session_options={"class_": Session, "expire_on_commit": False}
)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave like a real transactional database.

    pysqlite's own transaction handling breaks SAVEPOINTs; we turn it off and emit BEGIN
    ourselves (SQLAlchemy's documented recipe). BEGIN IMMEDIATE takes the write lock at the
    start, so transactions are serialised (SQLite's stand-in for locking a device row) and
    never fail half way on a stale snapshot; a busy timeout makes the next one wait. Foreign
    keys are enforced.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
