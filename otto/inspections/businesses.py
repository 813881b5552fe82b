"""The business register."""

from sqlalchemy import func, or_, select

from otto import audit, limits
from otto.errors import Invalid, NotFound
from otto.extensions import db
from otto.inspections.models import (
    Business,
    Finding,
    FindingStatus,
    FollowUp,
    FollowUpStatus,
    Visit,
)
from otto.inspections.org_number import normalize_org_number
from otto.inspections.visibility import visible_items, visible_visits
from otto.timeutil import utcnow

EDITABLE = (
    "name",
    "org_number",
    "address",
    "postal_code",
    "city",
    "phone",
    "email",
    "category",
    "notes",
)

CATEGORIES = {
    "restaurang": "Restaurang",
    "pizzeria": "Pizzeria",
    "kiosk": "Kiosk/livsmedelsbutik",
    "nagelsalong": "Nagelsalong",
    "frisor": "Frisörsalong",
    "biltvatt": "Biltvätt",
    "bilverkstad": "Bil- och däckverkstad",
    "massage": "Massagesalong",
    "butik": "Butik",
    "ovrigt": "Övrigt",
}


def business_snapshot(business: Business) -> dict:
    """The audited fields of a business."""
    return {field: getattr(business, field) for field in EDITABLE}


def _clean(fields: dict) -> dict:
    """Normalise and check business fields; raise Invalid naming each bad field."""
    errors = {}
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    if "org_number" in cleaned:
        try:
            cleaned["org_number"] = normalize_org_number(cleaned["org_number"])
        except ValueError as error:
            errors["org_number"] = [str(error)]
    if "category" in cleaned and cleaned["category"] not in CATEGORIES:
        errors["category"] = [f"Must be one of {', '.join(CATEGORIES)}."]
    for required in ("name", "address"):
        if required in cleaned and not cleaned[required]:
            errors[required] = ["Must not be empty."]
    if cleaned.get("postal_code"):
        digits = cleaned["postal_code"].replace(" ", "")
        if len(digits) == 5 and digits.isdigit():
            cleaned["postal_code"] = f"{digits[:3]} {digits[3:]}"
        else:
            errors["postal_code"] = ["Must be five digits (NNN NN)."]
    if cleaned.get("email") and "@" not in cleaned["email"]:
        errors["email"] = ["Not an e-mail address."]
    for field in EDITABLE:  # the column's length is the limit (otto.limits)
        limit = Business.__table__.c[field].type.length
        errors |= limits.length_errors({field: (cleaned.get(field), limit)})
    if errors:
        raise Invalid("The business has invalid fields.", errors)
    return cleaned


def check_business_fields(fields: dict) -> dict:
    """The fields normalised (org number as NNNNNN-NNNN), or Invalid naming each bad field.

    The check `create_business` applies, for callers that validate before creating (import
    preview).
    """
    return _clean(fields)


def create_business(actor, **fields) -> Business:
    """Register a business; the organisation number is Luhn-checked. Audited."""
    business = Business(**_clean(fields))
    db.session.add(business)
    db.session.flush()
    audit.record(actor, "create", "business", business.id, after=business_snapshot(business))
    return business


def get_business(business_id: int) -> Business:
    """Return a business or raise NotFound."""
    business = db.session.get(Business, business_id)
    if business is None:
        raise NotFound(f"No business with id {business_id}.")
    return business


def update_business(actor, business_id: int, **fields) -> Business:
    """Change a business's fields; audited with before and after."""
    business = get_business(business_id)
    before = business_snapshot(business)
    for key, value in _clean(fields).items():
        setattr(business, key, value)
    business.updated_at = utcnow()
    db.session.flush()
    audit.record(
        actor, "update", "business", business.id, before=before, after=business_snapshot(business)
    )
    return business


def search_businesses(text: str = "", category: str | None = None):
    """A query for businesses matching free text (name, org number, address) and category."""
    query = select(Business).order_by(Business.name)
    if text:
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Business.name).like(pattern),
                Business.org_number.like(pattern),
                func.lower(Business.address).like(pattern),
            )
        )
    if category:
        query = query.where(Business.category == category)
    return query


# --- a business's history, as the user may see it ------------------------------------------


def business_visits(user, business_id: int):
    """A query for the business's visits that `user` may open, newest first."""
    return (
        select(Visit)
        .where(Visit.business_id == business_id, visible_visits(user))
        .order_by(Visit.planned_start.desc())
    )


def business_open_findings(user, business_id: int):
    """A query for the open findings of all the business's visits that `user` may see."""
    return (
        select(Finding)
        .join(Visit, Visit.id == Finding.visit_id)
        .where(
            Visit.business_id == business_id,
            Finding.status == FindingStatus.OPEN,
            Finding.deleted_at.is_(None),
            visible_items(user, Finding),
        )
        .order_by(Finding.created_at.desc())
    )


def business_follow_ups(user, business_id: int):
    """A query for the unfinished follow-ups of the business's visits, soonest due first;
    a follow-up is visible with its finding."""
    return (
        select(FollowUp)
        .join(Visit, Visit.id == FollowUp.visit_id)
        .join(Finding, Finding.id == FollowUp.finding_id)
        .where(
            Visit.business_id == business_id,
            FollowUp.status != FollowUpStatus.CLOSED,
            visible_items(user, Finding),
        )
        .order_by(FollowUp.due_date)
    )
