"""Extension instances, created unbound and initialised in create_app()."""

import flask_sqlalchemy.session
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    MetaData,
    String,
    Text,
    any_,
    bindparam,
    event,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
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


# PostgreSQL's deadlock_detected and serialization_failure: the transaction may simply be
# run again.
_TRANSIENT_SQLSTATES = {"40P01", "40001"}


def run_in_transaction(work, attempts: int = 3):
    """Run `work()` and commit; rerun it from scratch after a deadlock (up to `attempts`).

    Two devices pushing edits to the same rows in different orders can deadlock on
    PostgreSQL; the database aborts one of them, and a rerun then succeeds.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except DBAPIError as error:
            db.session.rollback()
            sqlstate = getattr(error.orig, "sqlstate", None)
            if attempt == attempts or sqlstate not in _TRANSIENT_SQLSTATES:
                raise
    raise AssertionError("unreachable")


def insert_or_ignore(model, values: dict, conflict_columns: list[str]) -> None:
    """INSERT a row unless one with the same unique key exists (or is being inserted by a
    concurrent transaction, which is waited for): no unique-key error under concurrency."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(model).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    )
    db.session.execute(statement)


def insert_or_ignore_returning(model, rows: list[dict], conflict_columns: list[str], returning):
    """`insert_or_ignore` for many rows, each giving every column it writes (the same ones,
    no defaults applied), in list order, returning the `returning` columns of the rows it
    inserted (not of those whose key existed or was being inserted by a concurrent
    transaction). Pass the rows in a fixed order (e.g. sorted by key) so concurrent
    transactions wait for each other's new keys in the same order.

    On PostgreSQL one `INSERT … SELECT FROM unnest(one array per column)`: a statement of a
    few parameters, where a multi-row VALUES statement has one per value and psycopg parses
    it anew at every call (bench/sync_push.py). On SQLite SQLAlchemy's "insertmanyvalues"
    batches of multi-row VALUES."""
    from sqlalchemy.dialects import postgresql, sqlite

    if not rows:
        return []
    table = model.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=conflict_columns)
        return db.session.execute(statement.returning(*returning), rows).all()
    columns = [table.c[key] for key in rows[0]]
    # psycopg's dialect casts each array to its type's array type (_array_of).
    arrays = [
        bindparam(None, [row[column.key] for row in rows], _array_of(column)) for column in columns
    ]
    names = [column.key for column in columns]
    unnested = func.unnest(*arrays).table_valued(*names).render_derived()
    statement = (
        postgresql.insert(table)
        .from_select(columns, select(*unnested.c))
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(*returning)
    )
    return db.session.execute(statement).all()


def one_of(columns, values) -> ColumnElement[bool]:
    """A WHERE clause: the column (or the tuple of columns) holds one of `values` (values,
    or tuples of values, in the columns' order). `IN (…)` on SQLite; on PostgreSQL one array
    parameter per column (`= ANY(…)`, or `IN (SELECT … FROM unnest(…))`): a statement of a
    few parameters, where an `IN` list has one per value, and SQLAlchemy rewrites and
    psycopg parses such a statement anew at every call (bench/sync_push.py's profile)."""
    single = not isinstance(columns, tuple | list)
    values = list(values)
    if db.session.get_bind().dialect.name != "postgresql":
        return columns.in_(values) if single else tuple_(*columns).in_(values)
    if single:
        return columns == any_(bindparam(None, values, _array_of(columns)))
    arrays = [
        bindparam(None, [value[n] for value in values], _array_of(column))
        for n, column in enumerate(columns)
    ]
    names = [f"c{n}" for n in range(len(columns))]
    unnested = func.unnest(*arrays).table_valued(*names).render_derived()
    return tuple_(*columns).in_(select(*unnested.c))


def _array_of(column) -> ARRAY:
    """The array type of a column's values as a parameter: a string's without its length,
    as a cast to varchar(n)[] would cut a longer text where an INSERT refuses it."""
    return ARRAY(Text() if isinstance(column.type, String) else column.type)


def insert_rows(statement, rows: list[dict]) -> None:
    """Run an INSERT (e.g. `insert(table)`) for many rows with the same columns, in list
    order, with few round trips. Python-side column defaults are applied per row.

    A plain executemany, rows in order (ids ascend in list order). On PostgreSQL psycopg 3
    sends every row's execution of one prepared statement in a single pipeline; a multi-row
    VALUES statement would cost more, as psycopg parses a statement with over 50 parameters
    anew at every call (measured in bench/sync_push.py). On SQLite the driver's executemany
    of one prepared statement costs a fifth less than SQLAlchemy's multi-row VALUES batches
    ("insertmanyvalues", which asking for the new ids would choose; measured on audit
    events)."""
    if rows:
        db.session.execute(statement, rows)


def append_rows(table, rows: list[dict]) -> None:
    """Append many rows with the same columns to an append-only table (audit trail, change
    feed, idempotency records), in list order, in this transaction; ids ascend in list order.

    On PostgreSQL one COPY: every row in one round trip, written by psycopg's C code,
    several times cheaper than a prepared statement executed per row (bench/sync_push.py).
    Values go through the columns' own bind processing, and Python-side column defaults are
    applied per row, as an INSERT would. Elsewhere `insert_rows`."""
    if not rows:
        return
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        insert_rows(insert(table), rows)
        return
    dialect = bind.dialect
    given = set(rows[0])
    columns = [
        column
        for column in table.columns
        if column.key in given
        or (column.default is not None and not column.primary_key and column.server_default is None)
    ]
    makers = []
    for column in columns:
        process = column.type._cached_bind_processor(dialect)
        default = None if column.key in given else column.default
        makers.append((column.key, process, default))
    quote = dialect.identifier_preparer
    sql = (
        f"COPY {quote.format_table(table)} "
        f"({', '.join(quote.format_column(column) for column in columns)}) FROM STDIN"
    )
    connection = db.session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            values = []
            for key, process, default in makers:
                if default is None:
                    value = row[key]
                else:
                    value = default.arg(None) if default.is_callable else default.arg
                values.append(process(value) if process else value)
            copy.write_row(values)


def lock_row(query):
    """Load the row a select finds, locked until the transaction ends (FOR UPDATE on
    PostgreSQL; SQLite's transactions already hold the database write lock), refreshed from
    the database so a read-modify-write works on the latest committed state."""
    return db.session.scalar(query.with_for_update().execution_options(populate_existing=True))


def transaction_memo() -> dict:
    """A dict that lives as long as the current database transaction.

    For facts that cannot change inside one transaction but are asked for again and again
    by a long push (may this user open this visit?). Cleared when the transaction ends.
    """
    return db.session.info.setdefault("memo", {})


@event.listens_for(Session, "after_transaction_end")
def _clear_memo(session, transaction):
    if transaction.parent is None:
        session.info.pop("memo", None)
