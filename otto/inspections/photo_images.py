"""Image work for photos, without the database: checking that an upload is a JPEG, PNG or
WebP that decodes, within the pixel limit; reading when and where it was taken from EXIF; and
writing the derived copies (report, thumbnail) upright, in sRGB, without metadata.
"""

import datetime as dt
import functools
import io
import struct
import warnings
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from otto import limits
from otto.errors import DomainError, Invalid
from otto.timeutil import LOCAL_TZ

# Pillow's format names of the accepted images. MPO is a JPEG with extra frames (phones
# write it for portrait and depth shots); only its first frame is used.
MEDIA_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Formats Pillow can scale while decoding (`draft`): any size within MAX_PHOTO_PIXELS decodes
# small. Others (PNG, WebP) decode at full size, so limits.PHOTO_DECODE_PIXELS bounds them.
DRAFTABLE = ("JPEG", "MPO")
# Long edge in pixels and JPEG quality of each derived copy.
DERIVED = {"report": (1600, 85), "thumb": (320, 80)}
# What Pillow raises for a file it recognised but cannot decode (truncated, corrupt).
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)


class ImageTooLarge(DomainError):
    status, code = 413, "image_too_large"


def derive_copies(scratch: Path, max_pixels: int) -> dict:
    """Check and decode `scratch/original`; write `report` and `thumb` beside it.

    Returns the Photo fields the image gives: media_type, upright width and height,
    taken_at and location. Raises Invalid (not_an_image, unsupported_image_type,
    corrupt_image) or ImageTooLarge, having written nothing.

    The decode that proves the file whole is also the one the copies are made from: for a
    JPEG, `draft` lets libjpeg scale by 1/2, 1/4 or 1/8 while decoding, which still reads
    every byte of the compressed data (a truncated file fails just the same).
    """
    # WeasyPrint (the PDF reports) switches Pillow, process-wide, to accept truncated images
    # when it is imported; an upload must be refused when truncated, whatever ran before.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        # Pillow warns about images between its own pixel limit and twice that (and raises
        # beyond); ours (50 million by default) is checked right after the header is read.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with _open_image(scratch / "original", max_pixels) as image:
            width, height = image.size
            image.draft("RGB", _fit(image.size, DERIVED["report"][0]))
            try:
                image.load()
            except DECODE_ERRORS as error:
                raise _corrupt(error) from None
            taken_at, location = _exif_facts(image)
            media_type = MEDIA_TYPES[image.format]
            decoded = image.size
            # In place: a full-size PNG is held once, not once more turned upright.
            ImageOps.exif_transpose(image, in_place=True)
            if image.size != decoded:  # turned a quarter: the upright photo is portrait
                width, height = height, width
            _save_copies(image, scratch)
    return {
        "media_type": media_type,
        "width": width,
        "height": height,
        "taken_at": taken_at,
        "location": location,
    }


def _open_image(path: Path, max_pixels: int) -> Image.Image:
    """Open an accepted image after reading only its header, refusing everything else."""
    try:
        image = Image.open(path)
    except UnidentifiedImageError:
        raise Invalid("The file is not an image.", code="not_an_image") from None
    except Image.DecompressionBombError as error:
        raise _image_too_large({"error": str(error)}) from None
    except DECODE_ERRORS as error:
        raise _corrupt(error) from None
    if image.format not in MEDIA_TYPES:
        image.close()
        raise Invalid(
            f"{image.format} images are not accepted; send JPEG, PNG or WebP.",
            {"format": image.format},
            code="unsupported_image_type",
        )
    width, height = image.size
    if image.format not in DRAFTABLE:
        max_pixels = min(max_pixels, limits.PHOTO_DECODE_PIXELS)
    if width * height > max_pixels:
        image.close()
        raise _image_too_large({"width": width, "height": height, "max_pixels": max_pixels})
    return image


def _image_too_large(details: dict) -> ImageTooLarge:
    most = details.get("max_pixels")
    limit = f" (högst {most / 1e6:g} miljoner pixlar)" if most else ""
    return ImageTooLarge(
        f"Bilden har för många pixlar{limit}. Ta en JPEG-bild eller minska bilden.", details
    )


def _corrupt(error: Exception) -> Invalid:
    return Invalid(
        "The image is truncated or corrupt.", {"error": str(error)}, code="corrupt_image"
    )


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its long edge is at most `long_edge`."""
    scale = min(1.0, long_edge / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _save_copies(image: Image.Image, scratch: Path) -> None:
    """Write the report copy and, from it, the thumbnail: sRGB JPEG without metadata."""
    profile = image.info.get("icc_profile")
    if image.mode in ("RGB", "L", "RGBA", "LA"):  # made small first: full size is costly
        image.thumbnail((DERIVED["report"][0],) * 2)
    copy = _flatten(image)
    copy.thumbnail((DERIVED["report"][0],) * 2)
    copy = _to_srgb(copy, profile)
    for variant in ("report", "thumb"):
        long_edge, quality = DERIVED[variant]
        copy.thumbnail((long_edge, long_edge))  # a no-op for the report copy
        copy.info = {}  # nothing of the original (EXIF, GPS, comments) reaches a copy
        copy.save(scratch / variant, "JPEG", quality=quality)


def _flatten(image: Image.Image) -> Image.Image:
    """An image JPEG can hold: transparency over white; palettes and odd modes as RGB."""
    if image.mode in ("RGB", "L", "CMYK"):
        return image
    if image.mode.startswith("I;16"):  # 16-bit greyscale PNG: scale to 8 bits, not clip
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


@functools.cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """Convert colours to sRGB from the original's ICC profile, if any (phones often write
    Display P3): a copy without a profile is read as sRGB by browsers and PDF renderers."""
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, _srgb_profile(), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: keep the pixel values as they are
    return image if image.mode in ("RGB", "L") else image.convert("RGB")


def _exif_facts(image: Image.Image) -> tuple[dt.datetime | None, dict | None]:
    """When (DateTimeOriginal) and where (GPS) the photo was taken, as far as EXIF says.

    Best effort: a damaged EXIF block loses this metadata, never the photo.
    """
    try:
        exif = image.getexif()
        return _taken_at(exif.get_ifd(ExifTags.IFD.Exif)), _location(
            exif.get_ifd(ExifTags.IFD.GPSInfo)
        )
    except Exception:  # whatever the EXIF parser trips on means "no metadata"
        return None, None


def _taken_at(tags: dict) -> dt.datetime | None:
    """DateTimeOriginal in UTC: in the camera's OffsetTimeOriginal if it wrote one, else in
    Swedish local time."""
    raw = tags.get(ExifTags.Base.DateTimeOriginal)
    if not isinstance(raw, str):
        return None
    try:
        taken = dt.datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:  # "0000:00:00 00:00:00" and other placeholders
        return None
    zone = LOCAL_TZ  # EXIF times carry no zone; the cameras are in Sweden
    offset = tags.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str):
        try:
            zone = dt.datetime.strptime(offset.strip("\x00 "), "%z").tzinfo
        except ValueError:
            pass
    return taken.replace(tzinfo=zone).astimezone(dt.UTC)


def _location(gps: dict) -> dict | None:
    """The GPS position as decimal degrees {"lat", "lon"}, or None when absent or invalid."""
    try:
        lat = _degrees(gps[ExifTags.GPS.GPSLatitude], gps[ExifTags.GPS.GPSLatitudeRef], "S")
        lon = _degrees(gps[ExifTags.GPS.GPSLongitude], gps[ExifTags.GPS.GPSLongitudeRef], "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (abs(lat) <= 90 and abs(lon) <= 180):  # also false for NaN (a zero denominator)
        return None
    return {"lat": round(lat, 7), "lon": round(lon, 7)}


def _degrees(dms, ref, negative: str) -> float:
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).strip().upper() == negative else value
