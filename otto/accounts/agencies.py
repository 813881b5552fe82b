"""Agencies as data: the one place that knows which agencies exist, their Swedish names,
colours, default visibility, whether they are switched on, their report texts, and their
sender (the letterhead and footer of their reports: organisation, unit, postal address,
telephone, e-mail, web, optional logo). An admin adds and edits them; no agency is named in
code except the seed a fresh database starts with."""

import io
import re

from marshmallow import ValidationError
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from otto import audit, limits
from otto.accounts.models import DEFAULT_COLOUR, Agency, Role
from otto.errors import Conflict, Forbidden, Invalid, NotFound
from otto.extensions import db

# The agencies a fresh database starts with (migration 0007 wrote the same rows): code →
# (Swedish name, default visibility). After that they are data, edited on the agencies page.
SEED_AGENCIES = {
    "miljo": ("Miljö- och hälsoskydd", "joint"),
    "brand": ("Räddningstjänsten", "joint"),
    "livsmedel": ("Livsmedelskontrollen", "joint"),
    "polis": ("Polismyndigheten", "agency"),
    "skatt": ("Skatteverket", "agency"),
    "arbetsmiljo": ("Arbetsmiljöverket", "joint"),
    "migration": ("Migrationsverket", "agency"),
}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,19}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
VISIBILITIES = ("joint", "agency")
# The agency's own report texts (empty: the built-in text for its code).
NAME_MISSING = "A name is required."
REPORT_TEXTS = ("purpose", "legal_basis", "right_to_comment", "appeal", "fee_notice")
UNKNOWN_AGENCY = "Unknown agency."

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


def list_agencies(enabled_only: bool = False) -> list[Agency]:
    """Every agency (or those switched on), in their order."""
    query = select(Agency).order_by(Agency.position, Agency.code)
    if enabled_only:
        query = query.where(Agency.enabled.is_(True))
    return list(db.session.scalars(query))


def agency_names(enabled_only: bool = False) -> dict[str, str]:
    """Agency code → Swedish name: the word every page, report, mail and export shows for an
    agency. `enabled_only`: the agencies that may be chosen for something new."""
    return {agency.code: agency.name for agency in list_agencies(enabled_only)}


def known_agency(code: str) -> None:
    """Marshmallow validator: `code` names an agency in the table."""
    if db.session.get(Agency, code) is None:
        raise ValidationError(UNKNOWN_AGENCY)


def enabled_agency(code: str) -> None:
    """Marshmallow validator: `code` names an agency that is switched on."""
    agency = db.session.get(Agency, code)
    if agency is None or not agency.enabled:
        raise ValidationError(UNKNOWN_AGENCY)


def ensure_agencies() -> list[Agency]:
    """Create the seed agencies that do not exist yet; return all of them."""
    existing = {a.code: a for a in db.session.scalars(select(Agency))}
    for position, (code, (name, visibility)) in enumerate(SEED_AGENCIES.items(), 1):
        if code not in existing:
            existing[code] = Agency(
                code=code, name=name, default_visibility=visibility, position=position
            )
            db.session.add(existing[code])
    db.session.flush()
    return list(existing.values())


def settings_snapshot(agency: Agency) -> dict:
    """The audited settings of an agency (name, colour, switch, visibility, report texts)."""
    names = ("name", "colour", "enabled", "default_visibility", *REPORT_TEXTS)
    return {name: getattr(agency, name) for name in names}


def _settings_errors(fields: dict) -> dict:
    errors = limits.length_errors(
        {"name": (fields.get("name"), limits.PERSON_NAME)}
        | {name: (fields.get(name), limits.REPORT_TEXT) for name in REPORT_TEXTS}
    )
    if "name" in fields and not fields["name"].strip():
        errors["name"] = [NAME_MISSING]
    if "colour" in fields and not COLOUR_RE.match(fields["colour"]):
        errors["colour"] = ["Must be a colour as #rrggbb."]
    if "default_visibility" in fields and fields["default_visibility"] not in VISIBILITIES:
        errors["default_visibility"] = ["Must be one of joint, agency."]
    allowed = {"name", "colour", "enabled", "default_visibility", *REPORT_TEXTS}
    errors |= {name: ["Unknown field."] for name in set(fields) - allowed}
    return errors


def create_agency(actor, code: str, **fields) -> Agency:
    """Add an agency (admins): a code (a–z, 0–9, _; 2–20 characters, never changed), a
    Swedish name and optionally colour, default visibility, switch and report texts.
    Audited; Conflict when the code is taken."""
    _require_admin(actor)
    code = code.strip().lower()
    errors = _settings_errors(fields)
    if not CODE_RE.match(code):
        errors["code"] = ["Use 2–20 characters a–z, 0–9 or _, starting with a letter."]
    if "name" not in fields:
        errors["name"] = [NAME_MISSING]
    if errors:
        raise Invalid("The agency is not valid.", errors)
    if db.session.get(Agency, code) is not None:
        raise Conflict(f"The agency code {code!r} is taken.", {"code": ["Code taken."]})
    last = db.session.scalar(select(func.max(Agency.position))) or 0
    agency = Agency(
        code=code,
        position=max(last, len(SEED_AGENCIES)) + 1,
        name=fields["name"].strip(),
        colour=fields.get("colour") or DEFAULT_COLOUR,
        enabled=bool(fields.get("enabled", True)),
        default_visibility=fields.get("default_visibility") or "agency",
        **{name: fields.get(name, "").strip() for name in REPORT_TEXTS},
    )
    db.session.add(agency)
    db.session.flush()
    audit.record(actor, "create", "agency", code, after=settings_snapshot(agency))
    return agency


def update_agency(actor, code: str, **fields) -> Agency:
    """Change an agency's settings (admins): name, colour, switch, default visibility, report
    texts. The default visibility applies to items recorded from now on. Audited."""
    _require_admin(actor)
    agency = get_agency(code)
    errors = _settings_errors(fields)
    if errors:
        raise Invalid("The agency is not valid.", errors)
    before = settings_snapshot(agency)
    for name, value in fields.items():
        setattr(agency, name, value.strip() if isinstance(value, str) else bool(value))
    db.session.flush()
    audit.record(actor, "update", "agency", code, before=before, after=settings_snapshot(agency))
    return agency


def _require_admin(actor) -> None:
    if actor is not None and actor.user.role != Role.ADMIN:
        raise Forbidden("Only admins edit the agencies.")


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
