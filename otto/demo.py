"""The demo data set: a realistic, fictional Swedish joint-inspection setting."""

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select

from otto.accounts import services as accounts
from otto.accounts.models import Role, User
from otto.auth import Actor
from otto.checklists.library import install_library
from otto.extensions import db
from otto.inspections import businesses, visits
from otto.inspections.org_number import with_check_digit

LOCAL_TZ = ZoneInfo("Europe/Stockholm")
DEMO_PASSWORD = "otto-demo-2026"

DEMO_USERS = [
    # username, name, role, agency
    ("samordnare", "Sara Lindqvist", Role.COORDINATOR, None),
    ("admin", "Adam Nordin", Role.ADMIN, None),
    ("miljo", "Maria Öberg", Role.INSPECTOR, "miljo"),
    ("brand", "Björn Åkesson", Role.INSPECTOR, "brand"),
    ("livsmedel", "Leila Haddad", Role.INSPECTOR, "livsmedel"),
    ("polis", "Peter Sjöström", Role.INSPECTOR, "polis"),
    ("skatt", "Sofia Ekström", Role.INSPECTOR, "skatt"),
]

DEMO_BUSINESSES = [
    # name, first nine digits of the org number, address, postal code, city, category
    ("Pizzeria Napoli i Tumba", "559123456", "Tumba torg 4", "147 30", "Tumba", "pizzeria"),
    (
        "Restaurang Smak av Syrien",
        "559234567",
        "Hallundavägen 12",
        "145 68",
        "Norsborg",
        "restaurang",
    ),
    ("Alby Livs & Kiosk", "556345678", "Albyvägen 21", "145 59", "Norsborg", "kiosk"),
    ("Nails by Linh", "559456789", "Fittja centrum 3", "145 51", "Norsborg", "nagelsalong"),
    ("Salong Fönix", "559567890", "Storvretsvägen 40", "147 31", "Tumba", "frisor"),
    (
        "Fittja Biltvätt & Rekond",
        "556678901",
        "Fittja gårdsväg 6",
        "145 50",
        "Norsborg",
        "biltvatt",
    ),
    (
        "Däckcentralen Hallunda",
        "559789012",
        "Tegelbruksvägen 9",
        "145 67",
        "Norsborg",
        "bilverkstad",
    ),
    ("Bilservice Tullinge", "556890123", "Tullingevägen 88", "146 30", "Tullinge", "bilverkstad"),
    ("Thai Wellness Massage", "559901234", "Tumba gränd 2", "147 30", "Tumba", "massage"),
    ("Grillhuset Storvreten", "559012345", "Storvretstorget 1", "147 31", "Tumba", "restaurang"),
    ("Hallunda Mini Market", "556112233", "Hallunda torg 7", "145 68", "Norsborg", "kiosk"),
    ("Café Kvarnen", "559223344", "Kvarnvägen 15", "146 38", "Tullinge", "restaurang"),
]


def seed_demo() -> dict:
    """Load the demo into an empty database; return what was created (logins included).

    Safe to call again: when users exist it creates nothing and returns the logins.
    """
    accounts.ensure_agencies()
    versions = install_library()
    if db.session.scalar(select(User).limit(1)) is not None:
        return {"created": False, "users": DEMO_USERS, "password": DEMO_PASSWORD}
    users = {
        username: accounts.create_user(
            None,
            username=username,
            name=name,
            email=f"{username}@botkyrka.example",
            role=role,
            agency=agency,
            password=DEMO_PASSWORD,
        )
        for username, name, role, agency in DEMO_USERS
    }
    created = [
        businesses.create_business(
            None,
            name=name,
            org_number=with_check_digit(digits),
            address=address,
            postal_code=postal_code,
            city=city,
            category=category,
        )
        for name, digits, address, postal_code, city, category in DEMO_BUSINESSES
    ]
    version_by_agency = {v.template.agency_code: v.id for v in versions}
    today = dt.datetime.now(LOCAL_TZ).date()
    start = dt.datetime.combine(today, dt.time(9, 0), LOCAL_TZ)
    coordinator = Actor(users["samordnare"])
    visits.plan_visit(
        coordinator,
        business_id=created[0].id,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=3),
        case_number=f"MHN {today.year}-{today.timetuple().tm_yday:04d}",
        briefing="Samordnad tillsyn. Samling vid Tumba torg kl. 08.45.",
        participants=[
            {
                "user_id": users[agency].id,
                "template_version_ids": [version_by_agency[agency]]
                if agency in version_by_agency
                else [],
            }
            for agency in ("miljo", "brand", "livsmedel", "polis")
        ],
    )
    return {"created": True, "users": DEMO_USERS, "password": DEMO_PASSWORD}
