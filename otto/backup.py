"""Backups: a consistent copy of the database and of the photo store in one new folder, and
the way back (`flask --app otto backup PATH`, `flask --app otto restore PATH`).

A backup folder holds:

    manifest.json      what the copy is: when it was made, the database kind, the Alembic
                       revision, the rows per table, and the SHA-256 of every file in it
    database.sqlite3   SQLite: a copy made with SQLite's online backup API, or
    database.dump      PostgreSQL: pg_dump's custom format
    photos/ab/cd/<sha256>.<variant>   every stored variant of every photo row in the copy

The copy is consistent while the app keeps writing: SQLite's backup API copies one state of
the file, and on PostgreSQL pg_dump reads the snapshot of a transaction that this module
holds open, in which the row counts and the photo list are read too. Photos are named by
their content and only removed after the retention time, so copying the files named by the
copied rows after the snapshot gives the files of that state. Every table is copied, whatever
migrations have added; nothing here lists tables.

Restoring verifies every hash first, refuses a database that holds data unless forced, puts
the photos back before the rows that name them, and gives the server a new sync epoch, so
devices whose state is newer than the backup notice and push again (see DESIGN.md).
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, create_engine, inspect, text, update
from sqlalchemy.engine import URL, Connection

from otto.inspections.photo_storage import VARIANTS, PhotoStorage, object_name

FORMAT = "otto-backup/1"
MANIFEST = "manifest.json"
PHOTO_FOLDER = "photos"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# Tables that migrations fill in an otherwise empty database: rows there are not data.
SCHEMA_ROWS = {"alembic_version", "sync_state", "agency"}
CHUNK_BYTES = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


# --- backup ----------------------------------------------------------------------------


def create_backup(target: Path, engine: Engine, storage: PhotoStorage) -> dict:
    """Copy the database and the photos it names into the new folder `target`; returns the
    manifest (also written to `target/manifest.json`, last, so a folder without one is an
    unfinished backup). Refuses an existing non-empty folder."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty folder.")
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)  # it holds every finding and password hash: its owner's eyes only
    kind = _kind(engine)
    database_file = target / DATABASE_FILES[kind]
    if kind == "sqlite":
        _sqlite_copy(_sqlite_path(engine.url), database_file, self_contained=True)
        copy_engine = create_engine(URL.create("sqlite", database=str(database_file)))
        try:
            with copy_engine.connect() as connection:
                facts = _facts(connection)
        finally:
            copy_engine.dispose()
    else:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            with connection.begin():
                # The transaction's snapshot, shared with pg_dump: the dump, the counts and
                # the photo list all see one state of the database.
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                _pg_dump(engine.url, snapshot, database_file)
                facts = _facts(connection)
    photos, missing = _copy_photos(storage, facts.pop("photo_sha256s"), target / PHOTO_FOLDER)
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {"kind": kind, "file": database_file.name, "sha256": _hash(database_file)},
        **facts,
        "photos": photos,
        "missing_photo_files": missing,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _facts(connection: Connection) -> dict:
    """The Alembic revision, the rows of every table and the photos, as the connection sees
    them."""
    tables = sorted(inspect(connection).get_table_names())
    counts = {}
    for table in tables:
        # A table name from the database's own catalogue, quoted as an identifier.
        quoted = connection.dialect.identifier_preparer.quote(table)
        counts[table] = connection.scalar(text(f"SELECT count(*) FROM {quoted}"))  # nosec B608
    revision = None
    if "alembic_version" in tables:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    shas = []
    if "photo" in tables:
        shas = list(connection.scalars(text("SELECT sha256 FROM photo ORDER BY sha256")))
    return {"alembic_revision": revision, "row_counts": counts, "photo_sha256s": shas}


def _copy_photos(storage: PhotoStorage, shas: list[str], folder: Path) -> tuple[dict, list]:
    """Copy every stored variant of the photos into `folder`; returns {file: sha256} and the
    files the storage did not have (lost files, or a retention run after the snapshot)."""
    hashes, missing = {}, []
    for sha256 in shas:
        for variant in VARIANTS:
            name = object_name(sha256, variant)
            try:
                source = storage.open(sha256, variant)
            except FileNotFoundError:
                missing.append(name)
                continue
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with source, target.open("wb") as out:
                hashes[name] = _copy_hashing(source, out)
    return hashes, missing


# --- restore ---------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    """The manifest of a backup folder, checked for its format."""
    try:
        manifest = json.loads((Path(source) / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(
            f"{source} has no {MANIFEST}: not a backup, or an unfinished one."
        ) from None
    except json.JSONDecodeError as error:
        raise BackupError(f"{source}/{MANIFEST} is not valid JSON: {error}.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a backup this version can restore ({FORMAT}).")
    return manifest


def verify_backup(source: Path) -> dict:
    """Check every file of a backup against the hashes in its manifest; returns the
    manifest, or raises BackupError naming each missing or changed file."""
    source = Path(source)
    manifest = read_manifest(source)
    expected = {manifest["database"]["file"]: manifest["database"]["sha256"]}
    expected.update({f"{PHOTO_FOLDER}/{name}": sha for name, sha in manifest["photos"].items()})
    problems = []
    for name, sha256 in sorted(expected.items()):
        path = source / name
        if not path.is_file():
            problems.append(f"missing: {name}")
        elif _hash(path) != sha256:
            problems.append(f"changed: {name}")
    if problems:
        raise BackupError(
            f"The backup in {source} does not match its manifest:\n  " + "\n  ".join(problems)
        )
    return manifest


def restore_backup(source: Path, engine: Engine, storage: PhotoStorage, force=False) -> dict:
    """Bring back a backup made by `create_backup` into the app's database and photo
    storage; returns its manifest.

    Nothing is changed unless every file matches the manifest, the database is of the
    backup's kind, and the database holds no data (`force` replaces it). The photos go back
    first, so no restored row names a missing file; photos already in the storage are
    kept. The restored database gets a new sync epoch.
    """
    source = Path(source)
    manifest = verify_backup(source)
    kind = _kind(engine)
    if manifest["database"]["kind"] != kind:
        raise BackupError(
            f"The backup is of a {manifest['database']['kind']} database; this app uses {kind}."
        )
    holding = tables_with_data(engine)
    if holding and not force:
        listed = ", ".join(f"{table} ({rows})" for table, rows in holding.items())
        raise BackupError(
            f"The database holds data ({listed}). Restore into an empty database, or use "
            "--force to replace everything in it."
        )
    _put_photos(storage, source / PHOTO_FOLDER, manifest["photos"])
    database_file = source / manifest["database"]["file"]
    engine.dispose()  # no pooled connection may keep the old database in use
    if kind == "sqlite":
        _sqlite_copy(database_file, _sqlite_path(engine.url))
    else:
        _pg_wipe(engine)
        _pg_restore(engine.url, database_file)
    _new_epoch(engine)
    return manifest


def tables_with_data(engine: Engine) -> dict[str, int]:
    """The tables that hold rows, with their counts (the rows migrations write aside)."""
    with engine.connect() as connection:
        counts = _facts(connection)["row_counts"]
    return {table: rows for table, rows in counts.items() if rows and table not in SCHEMA_ROWS}


def _put_photos(storage: PhotoStorage, folder: Path, photos: dict) -> None:
    for name in photos:
        sha256, variant = Path(name).name.split(".")
        with storage.scratch() as scratch:
            shutil.copyfile(folder / name, scratch / variant)
            storage.put_file(sha256, variant, scratch / variant)


def _new_epoch(engine: Engine) -> None:
    """Devices synced past the backup's state must find out (409 epoch_reset) and push what
    they hold again."""
    from otto.changes.models import SyncState

    with engine.begin() as connection:
        if inspect(connection).has_table(SyncState.__tablename__):
            connection.execute(update(SyncState).values(epoch=str(uuid.uuid4())))


# --- databases -------------------------------------------------------------------------


def _kind(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {kind}.")
    return kind


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path, self_contained: bool = False) -> None:
    """Copy one SQLite database onto another with the online backup API: a consistent copy
    even while others write to `source` (one step, under one read transaction); `target`'s
    whole content is replaced. A self-contained copy is one file, without a WAL beside it."""
    if not Path(source).is_file():
        raise BackupError(f"No SQLite database at {source}.")
    reader = sqlite3.connect(source)
    try:
        writer = sqlite3.connect(target)
        try:
            reader.backup(writer)
            if self_contained:
                writer.execute("PRAGMA journal_mode = DELETE")
        finally:
            writer.close()
    finally:
        reader.close()


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection string for pg_dump/pg_restore, with the password in the
    environment rather than on the command line (where `ps` would show it)."""
    options = {key: value for key, value in url.query.items() if isinstance(value, str)}
    conninfo = make_conninfo(
        host=url.host or "", port=url.port or "", user=url.username or "",
        dbname=url.database or "", **options,
    )  # fmt: skip
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return conninfo, environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools of the "
            "server's major version (Debian: postgresql-client)."
        )
    return path


def _run(command: list[str], environment: dict) -> None:
    # An argument list (no shell) naming a PostgreSQL tool found on PATH.
    result = subprocess.run(command, env=environment, capture_output=True, text=True)  # nosec B603
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed:\n{result.stderr.strip()}")


def _pg_dump(url: URL, snapshot: str, target: Path) -> None:
    conninfo, environment = _libpq(url)
    command = [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
    _run([*command, f"--dbname={conninfo}"], environment)


def _pg_restore(url: URL, dump: Path) -> None:
    conninfo, environment = _libpq(url)
    command = [
        _tool("pg_restore"),
        "--no-owner",  # the restoring role owns everything, whoever made the backup
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={conninfo}",
        str(dump),
    ]
    _run(command, environment)


def _pg_wipe(engine: Engine) -> None:
    """Drop every table, view, sequence and type in the app's schema, in one transaction."""
    kinds = {
        "VIEW": "SELECT viewname FROM pg_views WHERE schemaname = current_schema()",
        "TABLE": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
        "SEQUENCE": (
            "SELECT sequence_name FROM information_schema.sequences"
            " WHERE sequence_schema = current_schema()"
        ),
        "TYPE": (
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            " WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd')"
        ),
    }
    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for kind, query in kinds.items():
            for name in connection.scalars(text(query)).all():
                connection.execute(text(f"DROP {kind} IF EXISTS {quote(name)} CASCADE"))


# --- files -----------------------------------------------------------------------------


def _copy_hashing(source, out) -> str:
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK_BYTES):
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def _hash(path: Path) -> str:
    with Path(path).open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
