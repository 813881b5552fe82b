"""Photos in an S3-compatible bucket (moto's server on loopback): app servers on different
machines share them, nothing is kept on an app server's disk, and a wrong configuration says
what is missing. The photo service's own behaviours run on both storages in
tests/inspections/test_photos.py."""

import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade

from otto.accounts import devices
from otto.extensions import db
from otto.inspections.photo_storage import S3Storage, storage_from_config
from tests.conftest import make_app
from tests.inspections.test_photos import photo_bytes, sha


def files_in(folder: str) -> list[Path]:
    return [path for path in Path(folder).rglob("*") if path.is_file()]


@pytest.mark.no_rollback
def test_two_app_servers_share_the_photos_in_the_bucket(
    app, empty_database, tmp_path_factory, s3_photo_config
):
    url = empty_database(app.config["DB_KIND"])
    first = make_app(url, tmp_path_factory, **s3_photo_config)
    second = make_app(url, tmp_path_factory, **s3_photo_config)  # another machine's disk
    with first.app_context():
        upgrade()
        from otto.accounts.services import create_user, ensure_agencies

        ensure_agencies()
        user = create_user(
            None,
            username="delad",
            name="Dela Foto",
            email="delad@example.org",
            role="inspector",
            agency="miljo",
            password="correct-horse-battery",
        )
        _, token = devices.register_device(user, str(uuid.uuid4()), "Surfplatta")
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    data = photo_bytes((400, 300))
    try:
        uploaded = first.test_client().put(
            f"/api/photos/{sha(data)}", data=data, headers={**headers, "Content-Type": "image/jpeg"}
        )
        assert uploaded.status_code == 201, uploaded.json

        other = second.test_client()
        assert other.head(f"/api/photos/{sha(data)}", headers=headers).status_code == 200
        url = f"/api/photos/{sha(data)}"
        original = other.get(f"{url}?size=original", headers=headers, buffered=True)
        assert original.status_code == 200 and original.data == data
        thumb = other.get(f"{url}?size=thumb", headers=headers, buffered=True)
        assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"

        assert files_in(first.config["PHOTO_DIR"]) == files_in(second.config["PHOTO_DIR"]) == []
    finally:
        for server in (first, second):
            with server.app_context():
                db.engine.dispose()


def test_objects_are_named_by_hash_under_the_prefix(app, s3_photo_config, monkeypatch):
    for key, value in s3_photo_config.items():
        monkeypatch.setitem(app.config, key, value)
    storage = storage_from_config(app.config)
    assert isinstance(storage, S3Storage)
    sha256 = "ab" + "c" * 62
    with storage.scratch() as scratch:
        (scratch / "thumb").write_bytes(b"bytes")
        storage.put_file(sha256, "thumb", scratch / "thumb")
        assert not (scratch / "thumb").exists()  # moved, as into a folder
    listed = storage.client.list_objects_v2(Bucket=storage.bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"photos/ab/cc/{sha256}.thumb"]
    assert storage.exists(sha256, "thumb") and not storage.exists(sha256, "report")
    with storage.open(sha256, "thumb") as stored:
        assert stored.read() == b"bytes"
    with pytest.raises(FileNotFoundError):
        storage.open(sha256, "report")
    storage.delete(sha256)
    storage.delete(sha256)  # deleting what is gone is no error
    assert "Contents" not in storage.client.list_objects_v2(Bucket=storage.bucket)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"PHOTO_STORAGE": "s3", "S3_BUCKET": ""}, "OTTO_S3_BUCKET"),
        ({"PHOTO_STORAGE": "ftp"}, "use 'folder' or 's3'"),
    ],
)
def test_a_wrong_storage_setting_says_what_to_fix(app, monkeypatch, settings, message):
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    with pytest.raises(ValueError, match=message):
        storage_from_config(app.config)
