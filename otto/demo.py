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
# The demo's published password (README), not a secret.
DEMO_PASSWORD = "otto-demo-2026"  # nosec B105

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
    _seed_history(users, {b.name: b for b in created}, version_by_agency, today)
    return {"created": True, "users": DEMO_USERS, "password": DEMO_PASSWORD}


# Earlier joint visits, so the statistics, exports, follow-ups and archived reports have a
# history: (business, days ago, agencies, status, findings). A finding is (agency,
# severity, description, legal reference, visibility or None for the agency's default,
# days from the visit to its follow-up deadline or None).
DEMO_HISTORY = [
    (
        "Restaurang Smak av Syrien",
        63,
        ("miljo", "livsmedel", "skatt", "polis"),
        "closed",
        [
            (
                "livsmedel",
                "major",
                "Kylen i köket höll 12 °C. Varor kasserades på plats.",
                "(EG) 852/2004 bilaga II kap. IX",
                None,
                14,
            ),
            (
                "skatt",
                "major",
                "Personalliggaren saknade två personer som arbetade i köket.",
                "SFL 39 kap. 11 §",
                None,
                None,
            ),
            (
                "polis",
                "critical",
                "Två personer saknade arbetstillstånd. Ärendet är överlämnat till gränspolisen.",
                "UtlL 20 kap. 5 §",
                None,
                None,
            ),
        ],
    ),
    (
        "Däckcentralen Hallunda",
        42,
        ("miljo", "brand", "polis"),
        "closed",
        [
            (
                "miljo",
                "major",
                "Spillolja förvaras utan invallning nära golvbrunn.",
                "MB 2 kap. 3 §",
                None,
                30,
            ),
            (
                "brand",
                "critical",
                "Utrymningsvägen var blockerad av däckstaplar. Rättades på plats.",
                "LSO 2 kap. 2 §",
                None,
                7,
            ),
            (
                "polis",
                "major",
                "Fyra hjul utan kvitton eller känt ursprung. Beslag.",
                "BrB 9 kap. 6 §",
                None,
                None,
            ),
        ],
    ),
    (
        "Nails by Linh",
        28,
        ("miljo", "skatt"),
        "completed",
        [
            (
                "miljo",
                "minor",
                "Egenkontrollprogrammet saknar rutin för rengöring av verktyg.",
                "MB 26 kap. 19 §",
                None,
                21,
            ),
            (
                "skatt",
                "major",
                "Kassaregistret var inte anmält till Skatteverket.",
                "SFL 39 kap. 4–10 §§",
                None,
                None,
            ),
        ],
    ),
    ("Fittja Biltvätt & Rekond", 17, ("miljo", "brand"), "closed", []),
    (
        "Alby Livs & Kiosk",
        10,
        ("livsmedel", "miljo"),
        "completed",
        [
            (
                "livsmedel",
                "minor",
                "Allergeninformation saknades för lösviktsgodis.",
                "(EU) 1169/2011 art. 9",
                None,
                14,
            ),
            (
                "miljo",
                "major",
                "Tobak säljs utan synlig 18-årsskylt.",
                "LTLP 2018:2088 5 kap.",
                "joint",
                21,
            ),
        ],
    ),
]


def _seed_history(users: dict, by_name: dict, version_by_agency: dict, today: dt.date) -> None:
    """Plan, carry out and (some) close the DEMO_HISTORY visits through the services."""
    from otto.inspections import findings
    from otto.sync.merge import Write

    coordinator = Actor(users["samordnare"])
    for number, (name, days_ago, agencies, status, items) in enumerate(DEMO_HISTORY, 1):
        day = today - dt.timedelta(days=days_ago)
        start = dt.datetime.combine(day, dt.time(10, 0), LOCAL_TZ)
        visit = visits.plan_visit(
            coordinator,
            business_id=by_name[name].id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            case_number=f"MHN {day.year}-{number:04d}",
            participants=[
                {"user_id": users[a].id, "template_version_ids": [version_by_agency[a]]}
                for a in agencies
            ],
        )
        first = Actor(users[agencies[0]])
        visits.set_visit_status(first, visit.id, "in_progress")
        for assignment in visit.assignments:
            _answer_checklist(Actor(assignment.user), visit.id, assignment.template_version)
        for agency, severity, description, legal_ref, visibility, due_in in items:
            findings.create_finding(
                Write(Actor(users[agency])),
                visit_id=visit.id,
                severity=severity,
                description=description,
                legal_ref=legal_ref,
                visibility=visibility,
                follow_up_due=day + dt.timedelta(days=due_in) if due_in is not None else None,
            )
        visits.set_visit_status(first, visit.id, "completed")
        if status == "closed":
            visits.set_visit_status(coordinator, visit.id, "closed")


def _answer_checklist(actor: Actor, visit_id: str, version) -> None:
    """Answer the always-shown yes/no questions of a checklist without deviation, so a
    demo report shows what was checked (the demo's findings stand for what was not)."""
    from otto.inspections import answers
    from otto.sync.merge import Write

    for section in version.body["sections"]:
        for question in section["questions"]:
            if question["type"] != "yesno" or "show_if" in question:
                continue
            when = question.get("deviation", {}).get("when", {})
            flagged = when.get("value") if when.get("q") == question["id"] else "yes"
            answers.set_answer(
                Write(actor),
                visit_id=visit_id,
                template_version_id=version.id,
                question_id=question["id"],
                value="no" if flagged == "yes" else "yes",
            )
