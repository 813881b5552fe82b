"""Agencies as senders: the letterhead and footer of each agency's reports (organisation,
unit, postal address, telephone, e-mail, web, optional logo), edited by an admin."""

import io

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from otto import audit, limits
from otto.accounts.models import Agency, Role
from otto.errors import Forbidden, Invalid, NotFound
from otto.extensions import db

# Field → longest allowed value (the column sizes).
SENDER_FIELDS = {
    "organisation": limits.NAME,
    "unit": limits.NAME,
    "postal_address": limits.POSTAL_ADDRESS,
    "phone": limits.PHONE,
    "email": limits.EMAIL,
    "web": limits.WEB,
}
MAX_LOGO_BYTES = 1_000_000
LOGO_EDGE = 600  # px: the stored logo's longest side (printed at most 45 mm wide)


def sender_snapshot(agency: Agency) -> dict:
    """The audited sender fields of an agency (the logo by whether it is set)."""
    snapshot = {field: getattr(agency, field) for field in SENDER_FIELDS}
    snapshot["logo"] = agency.logo is not None
    return snapshot


def list_agencies() -> list[Agency]:
    """Every agency, by code."""
    return list(db.session.scalars(select(Agency).order_by(Agency.code)))


def get_agency(code: str) -> Agency:
    """The agency with `code`, or NotFound."""
    agency = db.session.get(Agency, code)
    if agency is None:
        raise NotFound(f"No agency {code!r}.")
    return agency


def update_sender(
    actor, code: str, *, logo: bytes | None = None, remove_logo: bool = False, **fields
) -> Agency:
    """Set an agency's sender fields (admins). `logo` is image bytes (PNG or JPEG), stored
    as a PNG at most LOGO_EDGE pixels on its longest side. Audited."""
    if actor.user.role != Role.ADMIN:
        raise Forbidden("Only admins edit the agencies.")
    agency = get_agency(code)
    errors = limits.length_errors(
        {
            name: (value, SENDER_FIELDS[name])
            for name, value in fields.items()
            if name in SENDER_FIELDS
        }
    )
    unknown = set(fields) - set(SENDER_FIELDS)
    errors |= {name: ["Unknown field."] for name in unknown}
    stored_logo = _logo_png(logo, errors) if logo else None
    if errors:
        raise Invalid("The sender is not valid.", errors)
    before = sender_snapshot(agency)
    for name, value in fields.items():
        setattr(agency, name, value.strip())
    if stored_logo is not None:
        agency.logo = stored_logo
    elif remove_logo:
        agency.logo = None
    db.session.flush()
    audit.record(actor, "update", "agency", code, before=before, after=sender_snapshot(agency))
    return agency


def _logo_png(data: bytes, errors: dict) -> bytes | None:
    if len(data) > MAX_LOGO_BYTES:
        errors["logo"] = [f"At most {MAX_LOGO_BYTES // 1000} kB."]
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise UnidentifiedImageError
            image.thumbnail((LOGO_EDGE, LOGO_EDGE))
            buffer = io.BytesIO()
            image.convert("RGBA").save(buffer, "PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        errors["logo"] = ["Not a PNG or JPEG image."]
        return None
    return buffer.getvalue()
