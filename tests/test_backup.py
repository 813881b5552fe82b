"""Backups: the demo data with photos uploaded through the photo service survives backup,
wipe and restore row for row and byte for byte, on SQLite and on PostgreSQL, with photos in a
folder or in an S3 bucket; a damaged backup and a database holding data are refused."""

import hashlib
import json
import shutil
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from PIL import Image
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from otto.audit import AuditEvent
from otto.extensions import db
from otto.inspections.models import Assignment, Business, Photo
from otto.inspections.photo_storage import VARIANTS, storage_from_config
from tests.conftest import POSTGRES_URL, make_app
from tests.inspections.test_photos import encode, exif_with, photo_bytes, sha

pytestmark = pytest.mark.no_rollback


def invoke(app, *args):
    """Run a `flask` command of `app` (in its own app context: the command would otherwise
    use the context the test fixtures pushed)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def add_finding_with_photos(app) -> None:
    """As an inspector of the demo visit, through the API: upload three photos, record a
    finding and attach the photos to it."""
    from otto.accounts import devices

    with app.app_context():
        assignment = db.session.scalar(select(Assignment).limit(1))
        _, token = devices.register_device(assignment.user, str(uuid.uuid4()), "Surfplatta")
        visit_id = assignment.visit_id
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    images = [
        photo_bytes((400, 300)),
        encode(Image.new("RGBA", (50, 40), (0, 128, 0, 128)), "PNG"),
        photo_bytes((300, 200), exif=exif_with(orientation=6)),
    ]
    for data in images:
        response = client.put(
            f"/api/photos/{sha(data)}",
            data=data,
            headers={**headers, "Content-Type": "image/jpeg"},
        )
        assert response.status_code == 201, response.json
    finding = client.post(
        f"/api/visits/{visit_id}/findings",
        headers=headers,
        json={"severity": "major", "description": "Nödutgången är blockerad av pallar"},
    )
    assert finding.status_code == 201, finding.json
    for data in images:
        response = client.post(
            f"/api/visits/{visit_id}/photo-links",
            headers=headers,
            json={"photo_sha256": sha(data), "finding_id": finding.json["id"]},
        )
        assert response.status_code == 201, response.json


def every_row(app) -> dict[str, list]:
    """Every row of every table, in a stable order."""
    with app.app_context(), db.engine.connect() as connection:
        rows = {}
        for table in inspect(connection).get_table_names():
            quoted = connection.dialect.identifier_preparer.quote(table)
            result = connection.execute(text(f"SELECT * FROM {quoted}"))
            rows[table] = sorted((tuple(row) for row in result), key=repr)
        return rows


def photo_hashes(app) -> dict[str, str]:
    """The SHA-256 of every stored variant of every photo row."""
    with app.app_context():
        storage = storage_from_config(app.config)
        hashes = {}
        for sha256 in db.session.scalars(select(Photo.sha256)):
            for variant in VARIANTS:
                with storage.open(sha256, variant) as file:
                    hashes[f"{sha256}.{variant}"] = hashlib.file_digest(file, "sha256").hexdigest()
        db.session.remove()
        return hashes


def wipe(app) -> None:
    """Throw the database and the photos away: an empty database and an empty store."""
    with app.app_context():
        db.engine.dispose()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        for suffix in ("-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        Path(url.database).write_bytes(b"")  # an empty file is an empty SQLite database
    else:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{url.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{url.database}"')
    if app.config["PHOTO_STORAGE"] == "s3":
        storage = storage_from_config(app.config)
        bucket = storage.client.list_objects_v2(Bucket=storage.bucket).get("Contents", [])
        for item in bucket:
            storage.client.delete_object(Bucket=storage.bucket, Key=item["Key"])
    else:
        shutil.rmtree(app.config["PHOTO_DIR"])


@pytest.fixture(params=["folder"])
def seeded(request, app, empty_database, tmp_path_factory):
    """An app of the test's database kind on its own database holding the demo data and
    a finding with three photos, stored in a folder (or, parametrised indirectly with "s3",
    in a bucket of the local S3 server)."""
    photo_config = {}
    if request.param == "s3":
        photo_config = request.getfixturevalue("s3_photo_config")
    other = make_app(empty_database(app.config["DB_KIND"]), tmp_path_factory, **photo_config)
    with other.app_context():
        upgrade()
        db.session.remove()
    result = invoke(other, "seed-demo")
    assert result.exit_code == 0, result.output
    add_finding_with_photos(other)
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("seeded", ["folder", "s3"], indirect=True)
def test_backup_wipe_restore_brings_back_every_row_and_photo(seeded, tmp_path):
    rows, hashes = every_row(seeded), photo_hashes(seeded)
    assert len(hashes) >= 3 * len(VARIANTS)  # the demo's photos and the finding's three
    assert all(rows[table] for table in ("business", "visit", "finding", "photo_link", "change"))

    result = invoke(seeded, "backup", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0  # for its owner's eyes only
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["row_counts"] == {table: len(table_rows) for table, table_rows in rows.items()}
    assert manifest["alembic_revision"] == rows["alembic_version"][0][0]
    assert sorted(manifest["photos"].values()) == sorted(hashes.values())

    wipe(seeded)
    result = invoke(seeded, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output

    restored = every_row(seeded)
    before_state, after_state = rows.pop("sync_state"), restored.pop("sync_state")
    assert restored == rows
    assert photo_hashes(seeded) == hashes
    # Same feed position, new epoch: devices synced past the backup must push again.
    (before,), (after,) = before_state, after_state
    assert after[2] == before[2] and after[1] != before[1]


def test_restore_refuses_a_database_holding_data_unless_forced(seeded, tmp_path):
    assert invoke(seeded, "backup", str(tmp_path / "backup")).exit_code == 0
    with seeded.app_context():
        business = db.session.scalar(select(Business).limit(1))
        business.name = "Ändrad efter säkerhetskopian"
        db.session.commit()

    refused = invoke(seeded, "restore", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "holds data" in refused.output and "--force" in refused.output
    with seeded.app_context():
        assert db.session.get(Business, business.id).name == "Ändrad efter säkerhetskopian"
        db.session.remove()

    forced = invoke(seeded, "restore", "--force", str(tmp_path / "backup"))
    assert forced.exit_code == 0, forced.output
    with seeded.app_context():
        assert db.session.get(Business, business.id).name != "Ändrad efter säkerhetskopian"
        db.session.remove()


def test_a_backup_that_does_not_match_its_manifest_is_not_restored(seeded, tmp_path):
    assert invoke(seeded, "backup", str(tmp_path / "backup")).exit_code == 0
    name = next(iter(json.loads((tmp_path / "backup" / "manifest.json").read_text())["photos"]))
    damaged = tmp_path / "backup" / "photos" / name
    damaged.write_bytes(damaged.read_bytes()[:-1])
    wipe(seeded)

    result = invoke(seeded, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert f"changed: photos/{name}" in result.output
    with seeded.app_context():
        assert inspect(db.engine).get_table_names() == []  # nothing was restored
        db.engine.dispose()


def test_backup_refuses_a_folder_that_holds_files(seeded, tmp_path):
    (tmp_path / "earlier.txt").write_text("något annat")
    result = invoke(seeded, "backup", str(tmp_path))
    assert result.exit_code == 1
    assert "not an empty folder" in result.output
    assert [path.name for path in tmp_path.iterdir()] == ["earlier.txt"]


def test_a_backup_taken_while_the_app_writes_is_one_state(seeded, tmp_path):
    """Businesses are added, each with its audit event in one transaction, while the backup
    runs: the restored database has the rows its manifest counted, and no business without
    its audit event."""
    from otto.inspections.businesses import create_business
    from otto.inspections.org_number import with_check_digit

    stop, written, errors = threading.Event(), [], []

    def write():
        with seeded.app_context():
            try:
                while not stop.is_set():
                    n = len(written)
                    create_business(
                        None,
                        name=f"Kiosk {n}",
                        org_number=with_check_digit(f"5597{n:05d}"),
                        address="Torget 1",
                        category="kiosk",
                    )
                    db.session.commit()
                    written.append(n)
            except Exception as error:  # reported on the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 3 and not errors:  # the writer is under way
            stop.wait(0.01)
        result = invoke(seeded, "backup", str(tmp_path / "backup"))
    finally:
        stop.set()
        writer.join(timeout=60)
    assert errors == [] and result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())

    wipe(seeded)
    assert invoke(seeded, "restore", str(tmp_path / "backup")).exit_code == 0
    with seeded.app_context():
        counts = {
            table: db.session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
            for table in ("business", "audit_event")
        }
        kiosks = set(db.session.scalars(select(Business.id).where(Business.name.like("Kiosk %"))))
        audited = select(AuditEvent.entity_id).where(AuditEvent.entity == "business")
        audited = {int(entity_id) for entity_id in db.session.scalars(audited)}
        db.session.remove()
    assert counts == {table: manifest["row_counts"][table] for table in counts}
    assert 0 < len(kiosks) <= len(written)
    assert kiosks <= audited
