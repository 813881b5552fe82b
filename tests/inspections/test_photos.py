"""Photos: content-addressed upload, derived copies without metadata, refusals that leave
nothing behind, links in the dossier, and the agency compartment on downloads."""

import functools
import hashlib
import io
import struct
import threading
import uuid
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms
from sqlalchemy import delete, func, select

from otto.accounts import devices
from otto.accounts.models import User
from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.models import Change
from otto.extensions import db
from otto.inspections import photo_images, photos
from otto.inspections.models import Photo, PhotoHolder
from otto.inspections.photo_storage import FolderStorage, S3Storage, storage_from_config
from tests.test_errors import assert_error

# --- images --------------------------------------------------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(image: Image.Image, format="JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def photo_bytes(size=(64, 48), format="JPEG", **options) -> bytes:
    """A small image with some texture, so it compresses like a photo."""
    noise = Image.effect_noise(size, 40).convert("RGB")
    return encode(Image.blend(Image.new("RGB", size, "olive"), noise, 0.3), format, **options)


@functools.cache
def huge_png(width: int, height: int) -> bytes:
    """A valid black 1-bit PNG of width × height pixels, compressed row by row: about
    100 kB for 30000 × 30000, and neither this test nor the server holds its pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = bytes(1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def exif_with(orientation=None, taken="2024:05:14 10:30:00", offset=None, gps=True) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Testkamera"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    times = {ExifTags.Base.DateTimeOriginal: taken}
    if offset:
        times[ExifTags.Base.OffsetTimeOriginal] = offset
    exif[ExifTags.IFD.Exif] = times
    if gps:  # Sergels torg, Stockholm
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (59.0, 19.0, 45.6),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (18.0, 4.0, 5.0),
        }
    return exif


# --- helpers -------------------------------------------------------------------------------


def put_photo(client, headers, data, sha256=None, content_type="image/jpeg"):
    return client.put(
        f"/api/photos/{sha256 or sha(data)}",
        data=data,
        headers={**headers, "Content-Type": content_type},
    )


def download(client, url, **options):
    """GET a photo; buffered, so the test client reads and closes the sent file."""
    return client.get(url, buffered=True, **options)


def stored_files(app) -> set:
    """Every file in the photo folder (scratch folders included), or every object in the
    bucket."""
    storage = storage_from_config(app.config)
    if isinstance(storage, S3Storage):
        pages = storage.client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}
    return {path for path in Path(app.config["PHOTO_DIR"]).rglob("*") if path.is_file()}


def stored_image(app, sha256: str, variant: str) -> Image.Image:
    with storage_from_config(app.config).open(sha256, variant) as file:
        image = Image.open(file)
        image.load()
    return image


def photo_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Photo))


def bearer(user) -> dict:
    """Headers of a newly registered device of `user`. Registered through the service, as
    the password check (a deliberately slow hash) is not what these tests are about."""
    _, token = devices.register_device(user, str(uuid.uuid4()), "Surfplatta")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=["folder", "s3"])
def photo_storage(request, app, monkeypatch):
    """Run a test once with photos in a folder and once in a bucket of a local S3 server."""
    if request.param == "s3":
        for key, value in request.getfixturevalue("s3_photo_config").items():
            monkeypatch.setitem(app.config, key, value)
    return request.param


on_both_storages = pytest.mark.usefixtures("photo_storage")


@pytest.fixture
def joint(make_user, make_visit):
    """A visit with a miljö and a polis inspector, and its coordinator."""
    coordinator = make_user(role="coordinator")
    miljo, polis = make_user(agency="miljo"), make_user(agency="polis")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, polis])
    return {
        "visit": visit,
        "coordinator": bearer(coordinator),
        "miljo": bearer(miljo),
        "polis": bearer(polis),
    }


@pytest.fixture
def inspector(make_user):
    """Device headers of a miljö inspector, for tests about the photo alone."""
    return bearer(make_user(agency="miljo"))


@pytest.fixture
def outsider(make_user):
    """A miljö inspector who takes no part in the visit."""
    return bearer(make_user(agency="miljo"))


def link(client, headers, visit_id, sha256, **fields):
    return client.post(
        f"/api/visits/{visit_id}/photo-links",
        headers=headers,
        json={"photo_sha256": sha256, **fields},
    )


# --- upload and download -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format", "media_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")],
)
@on_both_storages
def test_upload_then_head_and_get_every_size(client, joint, format, media_type):
    data = photo_bytes((400, 300), format)
    url = f"/api/photos/{sha(data)}"
    assert client.head(url, headers=joint["miljo"]).status_code == 404

    response = put_photo(client, joint["miljo"], data, content_type=media_type)
    assert response.status_code == 201, response.json
    assert response.json == {
        "sha256": sha(data),
        "media_type": media_type,
        "byte_size": len(data),
        "width": 400,
        "height": 300,
        "taken_at": None,
    }
    assert client.head(url, headers=joint["miljo"]).status_code == 200  # the uploader holds it
    # Another agency's device is told nothing: 404, as for a photo the server lacks.
    assert client.head(url, headers=joint["polis"]).status_code == 404

    original = download(client, f"{url}?size=original", headers=joint["miljo"])
    assert original.status_code == 200
    assert original.mimetype == media_type
    assert original.data == data  # the evidence, byte for byte
    for size, long_edge in [("report", 400), ("thumb", 320)]:
        copy = download(client, f"{url}?size={size}", headers=joint["miljo"])
        assert copy.status_code == 200
        assert copy.mimetype == "image/jpeg"
        assert max(Image.open(io.BytesIO(copy.data)).size) == long_edge
    assert (
        download(client, url, headers=joint["miljo"]).data
        == download(client, f"{url}?size=report", headers=joint["miljo"]).data
    )


@on_both_storages
def test_download_is_private_with_an_etag_that_revalidates(client, inspector):
    data = photo_bytes()
    put_photo(client, inspector, data)
    url = f"/api/photos/{sha(data)}?size=thumb"
    response = download(client, url, headers=inspector)
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["ETag"]
    again = download(client, url, headers={**inspector, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_unknown_size_is_a_validation_error(client, inspector):
    data = photo_bytes()
    put_photo(client, inspector, data)
    response = download(client, f"/api/photos/{sha(data)}?size=poster", headers=inspector)
    assert_error(response, 400, "validation_error")


@on_both_storages
def test_repeat_upload_is_a_no_op(client, app, joint):
    data = photo_bytes()
    assert put_photo(client, joint["miljo"], data).status_code == 201
    files = stored_files(app)
    repeat = put_photo(client, joint["polis"], data)
    assert repeat.status_code == 200
    assert repeat.json["sha256"] == sha(data)
    assert photo_count() == 1
    assert stored_files(app) == files
    audits = select(func.count()).where(AuditEvent.entity == "photo")
    assert db.session.scalar(audits) == 1


@on_both_storages
def test_lost_files_are_restored_by_the_next_upload(client, app, inspector):
    data = photo_bytes()
    put_photo(client, inspector, data)
    storage_from_config(app.config).delete(sha(data))
    assert client.head(f"/api/photos/{sha(data)}", headers=inspector).status_code == 404
    assert put_photo(client, inspector, data).status_code == 200
    assert client.head(f"/api/photos/{sha(data)}", headers=inspector).status_code == 200


# --- orientation and metadata --------------------------------------------------------------


def test_exif_orientation_is_applied_to_the_derived_copies(client, app, inspector):
    # Stored landscape, red left and blue right; orientation 6 means "turn 90° clockwise
    # to view", so the upright photo is portrait with red on top.
    stored = Image.new("RGB", (640, 480), "blue")
    stored.paste("red", (0, 0, 320, 480))
    data = encode(stored, exif=exif_with(orientation=6))
    response = put_photo(client, inspector, data)
    assert (response.json["width"], response.json["height"]) == (480, 640)
    thumb = stored_image(app, sha(data), "thumb")
    assert thumb.size == (240, 320)
    red, green, blue = thumb.getpixel((120, 20))
    assert red > 200 and blue < 60
    red, green, blue = thumb.getpixel((120, 300))
    assert blue > 200 and red < 60
    assert stored_image(app, sha(data), "report").size == (480, 640)


@on_both_storages
def test_location_and_time_are_kept_in_the_database_and_stripped_from_copies(
    client, app, inspector
):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = photo_bytes(
        (300, 200), exif=exif_with(), comment=b"Kungsgatan 1, kassaskap", icc_profile=srgb
    )
    put_photo(client, inspector, data)

    photo = db.session.get(Photo, sha(data))
    assert photo.location == {"lat": pytest.approx(59.3293333), "lon": pytest.approx(18.0680556)}
    # 10:30 in Stockholm in May is summer time, UTC+2.
    assert photo.taken_at.isoformat() == "2024-05-14T08:30:00+00:00"
    for variant in ("report", "thumb"):
        copy = stored_image(app, sha(data), variant)
        assert not copy.getexif()
        assert copy.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert not {"exif", "comment", "icc_profile", "xmp"} & set(copy.info)
    with storage_from_config(app.config).open(sha(data), "original") as original:
        assert original.read() == data


def test_the_cameras_own_utc_offset_wins_over_swedish_time(client, inspector):
    data = photo_bytes(exif=exif_with(taken="2024:01:10 12:00:00", offset="+00:00"))
    put_photo(client, inspector, data)
    assert db.session.get(Photo, sha(data)).taken_at.isoformat() == "2024-01-10T12:00:00+00:00"


def test_a_photo_without_exif_has_no_location_or_time(client, inspector):
    data = photo_bytes()
    put_photo(client, inspector, data)
    photo = db.session.get(Photo, sha(data))
    assert (photo.location, photo.taken_at) == (None, None)


@pytest.mark.parametrize(
    ("image", "pixel"),
    [
        (Image.new("RGBA", (40, 40), (255, 0, 0, 0)), (255, 255, 255)),  # clear: on white
        (Image.new("I;16", (40, 40), 30_000), 117),  # 16-bit grey scaled, not clipped
        (Image.new("P", (40, 40), 0), (0, 0, 0)),
    ],
    ids=["transparent", "16-bit grey", "palette"],
)
def test_any_png_mode_becomes_a_plain_jpeg_copy(client, app, inspector, image, pixel):
    data = encode(image, "PNG")
    assert put_photo(client, inspector, data, content_type="image/png").status_code == 201
    assert stored_image(app, sha(data), "thumb").getpixel((20, 20)) == pixel


# --- refusals ------------------------------------------------------------------------------

TWENTY_SIX_MB = 26 * 1024 * 1024


def _bad_input(kind):
    """(body, sha256 in the URL, Content-Type) for each refused upload."""
    if kind == "zero bytes":
        return b"", sha(b""), "image/jpeg"
    if kind == "text named .jpg":
        text = "Detta är ingen bild.\n".encode() * 20
        return text, sha(text), "image/jpeg"
    if kind == "truncated jpeg":
        whole = photo_bytes((200, 150))
        return whole[: len(whole) // 2], sha(whole[: len(whole) // 2]), "image/jpeg"
    if kind == "png 30000x30000":
        bomb = huge_png(30_000, 30_000)
        return bomb, sha(bomb), "image/png"
    if kind == "wrong hash":
        return photo_bytes(), sha(b"another photo"), "image/jpeg"
    if kind == "26 MB body":
        body = bytes(TWENTY_SIX_MB)
        return body, sha(body), "image/jpeg"
    if kind == "gif":
        gif = encode(Image.new("P", (20, 20)), "GIF")
        return gif, sha(gif), "image/gif"
    if kind == "uppercase sha":
        data = photo_bytes()
        return data, sha(data).upper(), "image/jpeg"
    if kind == "form upload":
        data = photo_bytes()
        return data, sha(data), "multipart/form-data; boundary=x"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("zero bytes", 400, "empty_photo"),
        ("text named .jpg", 400, "not_an_image"),
        ("truncated jpeg", 400, "corrupt_image"),
        ("png 30000x30000", 413, "image_too_large"),
        ("wrong hash", 400, "hash_mismatch"),
        ("26 MB body", 413, "photo_too_large"),
        ("gif", 400, "unsupported_image_type"),
        ("uppercase sha", 400, "invalid_sha256"),
        ("form upload", 400, "image_required"),
    ],
)
def test_bad_photo_is_refused_and_leaves_nothing_behind(client, app, inspector, kind, status, code):
    body, sha256, content_type = _bad_input(kind)
    files, rows = stored_files(app), photo_count()
    response = put_photo(client, inspector, body, sha256, content_type)
    assert_error(response, status, code)
    assert stored_files(app) == files
    assert photo_count() == rows
    assert db.session.scalar(select(func.count()).where(AuditEvent.entity == "photo")) == 0


def test_pixel_limit_is_checked_from_the_header(client, app, inspector, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_PHOTO_PIXELS", 1000)
    data = photo_bytes((40, 30))  # 1,200 pixels
    body = assert_error(put_photo(client, inspector, data), 413, "image_too_large")
    assert body["details"] == {"width": 40, "height": 30, "max_pixels": 1000}


def test_pillows_bomb_warning_never_escapes(client, inspector, monkeypatch):
    # 1,200 pixels is between Pillow's (lowered) warning limit and twice that; our own
    # limit is far higher, so the photo is accepted and the warning (an error in this test
    # suite) stays inside the service.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert put_photo(client, inspector, photo_bytes((40, 30))).status_code == 201


class EndlessBody:
    """A request body that never ends, counting what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def read(self, size):
        self.read_bytes += size
        return bytes(size)


def test_reading_stops_as_soon_as_the_limit_is_passed(app, make_user, tmp_path):
    body = EndlessBody()
    with pytest.raises(photos.PhotoTooLarge):
        photos.ingest_photo(
            Actor(make_user()),
            "0" * 64,
            body,
            storage=FolderStorage(tmp_path),
            max_bytes=3 * photos.CHUNK_BYTES,
            max_pixels=1000,
        )
    assert body.read_bytes == 4 * photos.CHUNK_BYTES
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@on_both_storages
def test_a_cut_off_upload_leaves_nothing_and_the_retry_succeeds(client, app, inspector):
    data = photo_bytes((200, 150))
    files = stored_files(app)
    cut_off = client.put(
        f"/api/photos/{sha(data)}",
        data=data[:1000],
        headers={**inspector, "Content-Type": "image/jpeg"},
        environ_overrides={"CONTENT_LENGTH": str(len(data))},
    )
    assert_error(cut_off, 400, "bad_request")
    assert stored_files(app) == files
    assert photo_count() == 0
    assert put_photo(client, inspector, data).status_code == 201


def test_head_needs_a_device_token(client):
    assert client.head(f"/api/photos/{'0' * 64}").status_code == 401


# --- links and confidentiality -------------------------------------------------------------


def test_link_before_bytes_is_pending_until_they_arrive(client, joint):
    visit_id = joint["visit"].id
    data = photo_bytes()
    response = link(client, joint["miljo"], visit_id, sha(data), caption=" Kylrum ")
    assert response.status_code == 201, response.json
    created = response.json
    assert (created["agency"], created["visibility"], created["caption"]) == (
        "miljo",
        "joint",
        "Kylrum",
    )
    listed = client.get(f"/api/visits/{visit_id}/photo-links", headers=joint["polis"]).json
    assert [(item["link"]["id"], item["pending"]) for item in listed] == [(created["id"], True)]

    put_photo(client, joint["miljo"], data)
    listed = client.get(f"/api/visits/{visit_id}/photo-links", headers=joint["polis"]).json
    assert listed[0]["pending"] is False
    assert listed[0]["photo"]["sha256"] == sha(data)


def test_link_is_audited_and_reaches_the_change_feed(client, joint):
    link_id = str(uuid.uuid4())
    link(client, joint["polis"], joint["visit"].id, "a" * 64, link_id=link_id)
    change = db.session.scalar(select(Change).where(Change.entity_id == link_id))
    assert (change.entity, change.agency_code, change.visibility) == (
        "photo_link",
        "polis",
        "agency",  # the police agency's default
    )
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == link_id))
    assert audit.action == "create" and audit.visit_id == joint["visit"].id


def test_same_link_id_twice_is_a_conflict(client, joint):
    link_id = str(uuid.uuid4())
    first = link(client, joint["miljo"], joint["visit"].id, "a" * 64, link_id=link_id)
    assert first.status_code == 201
    again = link(client, joint["miljo"], joint["visit"].id, "b" * 64, link_id=link_id)
    assert_error(again, 409, "duplicate_id")


def test_only_participants_link_photos(client, joint, outsider):
    response = link(client, outsider, joint["visit"].id, "a" * 64)
    assert_error(response, 404, "not_found")
    response = link(client, joint["coordinator"], joint["visit"].id, "a" * 64)
    assert_error(response, 403, "forbidden")


def test_photos_attach_to_your_own_agencys_findings_only(client, joint):
    finding = client.post(
        f"/api/visits/{joint['visit'].id}/findings",
        headers=joint["miljo"],
        json={"severity": "minor", "description": "Trasig kyl"},
    ).json
    response = link(client, joint["polis"], joint["visit"].id, "a" * 64, finding_id=finding["id"])
    assert_error(response, 403, "forbidden")


def test_no_photos_are_linked_to_a_closed_visit(client, joint):
    visit_id = joint["visit"].id
    for status in ("in_progress", "completed", "closed"):
        client.post(
            f"/api/visits/{visit_id}/status", headers=joint["coordinator"], json={"status": status}
        )
    assert_error(link(client, joint["miljo"], visit_id, "a" * 64), 409, "visit_closed")


def test_a_bad_sha256_cannot_be_linked(client, joint):
    response = link(client, joint["miljo"], joint["visit"].id, "not-a-hash")
    assert_error(response, 400, "invalid_sha256")


def _agency_finding_photo(client, joint):
    """A polis finding with `agency` visibility (the police default) and a photo of it."""
    finding = client.post(
        f"/api/visits/{joint['visit'].id}/findings",
        headers=joint["polis"],
        json={"severity": "major", "description": "Misstänkt stöldgods i lagret"},
    ).json
    assert finding["visibility"] == "agency"
    data = photo_bytes()
    assert put_photo(client, joint["polis"], data).status_code == 201
    created = link(
        client, joint["polis"], joint["visit"].id, sha(data), finding_id=finding["id"]
    ).json
    assert created["visibility"] == "agency"
    return finding, data


@on_both_storages
def test_agency_photo_stays_inside_its_agency(client, joint, outsider):
    _, data = _agency_finding_photo(client, joint)
    for size in ("thumb", "report", "original"):
        url = f"/api/photos/{sha(data)}?size={size}"
        assert_error(download(client, url, headers=joint["miljo"]), 404, "not_found")
        assert_error(download(client, url, headers=outsider), 404, "not_found")
        assert download(client, url, headers=joint["polis"]).status_code == 200
        assert download(client, url, headers=joint["coordinator"]).status_code == 200
    links = f"/api/visits/{joint['visit'].id}/photo-links"
    assert client.get(links, headers=joint["miljo"]).json == []
    assert len(client.get(links, headers=joint["polis"]).json) == 1


def test_an_unknown_photo_looks_like_a_hidden_one(client, joint):
    _, data = _agency_finding_photo(client, joint)
    hidden = download(client, f"/api/photos/{sha(data)}", headers=joint["miljo"]).json
    missing = download(client, f"/api/photos/{'f' * 64}", headers=joint["miljo"]).json
    assert hidden["code"] == missing["code"] == "not_found"


def test_finding_made_agency_later_takes_its_photos_along(client, joint):
    finding = client.post(
        f"/api/visits/{joint['visit'].id}/findings",
        headers=joint["polis"],
        json={"severity": "minor", "description": "Skylt saknas", "visibility": "joint"},
    ).json
    data = photo_bytes()
    put_photo(client, joint["polis"], data)
    link(client, joint["polis"], joint["visit"].id, sha(data), finding_id=finding["id"])
    url = f"/api/photos/{sha(data)}"
    assert download(client, url, headers=joint["miljo"]).status_code == 200

    client.patch(
        f"/api/findings/{finding['id']}", headers=joint["polis"], json={"visibility": "agency"}
    )
    assert_error(download(client, url, headers=joint["miljo"]), 404, "not_found")
    links = f"/api/visits/{joint['visit'].id}/photo-links"
    assert client.get(links, headers=joint["miljo"]).json == []


def test_unlinking_leaves_a_tombstone_and_ends_access(client, joint):
    data = photo_bytes()
    put_photo(client, joint["miljo"], data)
    created = link(client, joint["miljo"], joint["visit"].id, sha(data)).json
    url = f"/api/photos/{sha(data)}"
    assert download(client, url, headers=joint["polis"]).status_code == 200

    assert_error(
        client.delete(f"/api/photo-links/{created['id']}", headers=joint["polis"]), 403, "forbidden"
    )
    removed = client.delete(f"/api/photo-links/{created['id']}", headers=joint["miljo"])
    assert removed.status_code == 200
    assert (removed.json["deleted"], removed.json["version"]) == (True, 2)
    assert (
        client.get(f"/api/visits/{joint['visit'].id}/photo-links", headers=joint["miljo"]).json
        == []
    )
    assert_error(download(client, url, headers=joint["polis"]), 404, "not_found")
    assert download(client, url, headers=joint["miljo"]).status_code == 200  # the uploader
    again = client.delete(f"/api/photo-links/{created['id']}", headers=joint["miljo"])
    assert_error(again, 409, "photo_link_deleted")


# --- storage and concurrency ---------------------------------------------------------------


def test_folder_storage_fans_out_and_replaces_atomically(tmp_path):
    storage = FolderStorage(tmp_path)
    sha256 = "ab" + "c" * 62
    with storage.scratch() as scratch:
        (scratch / "thumb").write_bytes(b"bytes")
        storage.put_file(sha256, "thumb", scratch / "thumb")
    assert storage.path(sha256, "thumb") == tmp_path / "ab" / "cc" / f"{sha256}.thumb"
    assert storage.exists(sha256, "thumb") and not storage.exists(sha256, "report")
    with storage.open(sha256, "thumb") as stored:
        assert stored.read() == b"bytes"
    storage.delete(sha256)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.no_rollback
@pytest.mark.postgres_only
def test_concurrent_uploads_of_one_photo_both_succeed(app, monkeypatch):
    """Two threads, each with its own app context, session and real transaction, upload
    the same bytes. Both get past the "already there?" check before either inserts (a
    barrier after the image work makes sure), so one insert meets the other's committed
    row. PostgreSQL only: SQLite serialises writers on one file lock."""
    data = photo_bytes((320, 240))
    storage = storage_from_config(app.config)
    user = User(
        username=f"samtidig-{uuid.uuid4().hex[:8]}",
        name="Samtidig",
        email="samtidig@example.org",
        role="coordinator",
        password_hash="-",
    )
    db.session.add(user)
    db.session.commit()

    both_checked = threading.Barrier(2, timeout=10)
    derive = photo_images.derive_copies

    def derive_then_wait(*args):
        facts = derive(*args)
        both_checked.wait()
        return facts

    monkeypatch.setattr(photo_images, "derive_copies", derive_then_wait)
    results, errors = [], []

    def upload():
        with app.app_context():
            try:
                actor = Actor(db.session.get(User, user.id))
                _, created = photos.ingest_photo(
                    actor,
                    sha(data),
                    io.BytesIO(data),
                    storage=storage,
                    max_bytes=app.config["MAX_PHOTO_BYTES"],
                    max_pixels=app.config["MAX_PHOTO_PIXELS"],
                )
                db.session.commit()
                results.append(created)
            except Exception as error:  # reported below, on the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert sorted(results) == [False, True]
        assert db.session.scalar(select(func.count()).where(Photo.sha256 == sha(data))) == 1
        audits = select(func.count()).where(AuditEvent.entity_id == sha(data))
        assert db.session.scalar(audits) == 1
    finally:
        db.session.rollback()
        db.session.execute(delete(AuditEvent).where(AuditEvent.entity_id == sha(data)))
        db.session.execute(delete(Photo).where(Photo.sha256 == sha(data)))
        db.session.execute(delete(PhotoHolder).where(PhotoHolder.photo_sha256 == sha(data)))
        db.session.execute(delete(User).where(User.id == user.id))
        db.session.commit()
        storage.delete(sha(data))
