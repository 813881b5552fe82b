"""Benchmark: ingest of a 12-megapixel phone photo (hash, verify, orient, report copy,
thumbnail, files and row) beside a bare Pillow decode of the same JPEG.

Run from the repository root: `.venv/bin/python bench/photo_ingest.py [runs]`. No server is
needed: the app runs on a temporary SQLite database built by the migrations, with a temporary
photo folder. Prints the median of each in milliseconds and their ratio; the target for
ingest is under 250 ms.
"""

import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from PIL import ExifTags, Image, ImageFilter, ImageOps

from otto import create_app
from otto.accounts.services import create_user, ensure_agencies
from otto.auth import Actor
from otto.extensions import db
from otto.inspections import photos
from otto.inspections.photo_storage import storage_from_config

WIDTH, HEIGHT = 4000, 3000


def phone_photo() -> bytes:
    """A 4000 × 3000 JPEG at quality 90 that compresses like a photo (3–4 MB): gradients
    under blurred noise, with the EXIF a phone writes (portrait orientation, time, GPS)."""
    size = (WIDTH, HEIGHT)
    gradient = Image.linear_gradient("L").resize(size)
    scene = Image.merge(
        "RGB", (gradient, Image.radial_gradient("L").resize(size), ImageOps.invert(gradient))
    )
    noise = Image.merge("RGB", [Image.effect_noise(size, sigma) for sigma in (40, 55, 70)])
    image = Image.blend(scene, noise, 0.5).filter(ImageFilter.GaussianBlur(0.8))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "2024:05:14 10:30:00"}
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (59.0, 19.0, 45.6),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (18.0, 4.0, 5.0),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def median_ms(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def bare_decode(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        image.load()


def main(runs: int) -> None:
    data = phone_photo()
    sha256 = hashlib.sha256(data).hexdigest()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
                "PHOTO_DIR": str(Path(folder) / "photos"),
            }
        )
        with app.app_context():
            upgrade()
            ensure_agencies()
            user = create_user(
                None,
                username="bench",
                name="Bench",
                email="bench@example.org",
                role="inspector",
                agency="miljo",
                password="benchmark-password",
            )
            db.session.commit()
            actor, storage = Actor(user), storage_from_config(app.config)

            def ingest() -> None:
                _, created = photos.ingest_photo(
                    actor,
                    sha256,
                    io.BytesIO(data),
                    storage=storage,
                    max_bytes=app.config["MAX_PHOTO_BYTES"],
                    max_pixels=app.config["MAX_PHOTO_PIXELS"],
                )
                assert created
                db.session.rollback()  # so the next run ingests again instead of a no-op

            ingest_ms = median_ms(ingest, runs)
            decode_ms = median_ms(lambda: bare_decode(data), runs)
            db.engine.dispose()
    print(
        f"{WIDTH}×{HEIGHT} JPEG, {len(data) / 1e6:.1f} MB, {runs} runs: "
        f"ingest median {ingest_ms:.0f} ms (target < 250), "
        f"bare Pillow decode median {decode_ms:.0f} ms, ratio {ingest_ms / decode_ms:.2f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
