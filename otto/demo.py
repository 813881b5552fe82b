"""The demo data set: a realistic, fictional Swedish joint-inspection setting."""

import dataclasses
import datetime as dt
import hashlib
import io
import random
import uuid

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from otto.accounts import agencies as agency_table
from otto.accounts import services as accounts
from otto.accounts.models import DEFAULT_COLOUR, Agency, Role, User
from otto.auth import Actor
from otto.checklists.library import install_library
from otto.extensions import db
from otto.inspections import businesses, visits
from otto.inspections.org_number import with_check_digit
from otto.inspections.photo_storage import storage_from_config
from otto.timeutil import LOCAL_TZ

# The demo's published password (README), not a secret.
DEMO_PASSWORD = "otto-demo-2026"  # nosec B105
DEMO_NAMESPACE = uuid.UUID("6f1c2a52-3d0e-4c55-9a0b-0d3e8c7a7e14")  # the demo tablets' ids

DEMO_USERS = [
    # username, name, role, agency
    ("samordnare", "Sara Lindqvist", Role.COORDINATOR, None),
    ("admin", "Adam Nordin", Role.ADMIN, None),
    ("miljo", "Maria Öberg", Role.INSPECTOR, "miljo"),
    ("brand", "Björn Åkesson", Role.INSPECTOR, "brand"),
    ("livsmedel", "Leila Haddad", Role.INSPECTOR, "livsmedel"),
    ("polis", "Peter Sjöström", Role.INSPECTOR, "polis"),
    ("skatt", "Sofia Ekström", Role.INSPECTOR, "skatt"),
    ("arbetsmiljo", "Anna Järvinen", Role.INSPECTOR, "arbetsmiljo"),
    ("migration", "Mikael Gashi", Role.INSPECTOR, "migration"),
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
    _seed_partner_agencies()
    _seed_senders()
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
        case_number=_case_number("miljo", today, today.timetuple().tm_yday),
        briefing="Samordnad tillsyn. Samling vid Tumba torg kl. 08.45.",
        participants=[
            {
                "user_id": users[agency].id,
                "template_version_ids": [version_by_agency[agency]]
                if agency in version_by_agency
                else [],
                "case_number": _case_number(agency, today, today.timetuple().tm_yday),
            }
            for agency in ("miljo", "brand", "livsmedel", "polis")
        ],
    )
    _seed_history(users, {b.name: b for b in created}, version_by_agency, today)
    return {"created": True, "users": DEMO_USERS, "password": DEMO_PASSWORD}


# Each agency's sender (letterhead and footer of its reports): realistic, fictional numbers.
DEMO_SENDERS = {
    "miljo": (
        "Botkyrka kommun",
        "Miljö- och hälsoskyddsnämnden",
        "Box 100\n147 85 Tumba",
        "08-555 261 00",
        "miljo@botkyrka.example",
        "botkyrka.example/miljo",
    ),
    "livsmedel": (
        "Botkyrka kommun",
        "Miljö- och hälsoskyddsnämnden, livsmedelskontrollen",
        "Box 100\n147 85 Tumba",
        "08-555 261 10",
        "livsmedel@botkyrka.example",
        "botkyrka.example/livsmedel",
    ),
    "brand": (
        "Södertörns brandförsvarsförbund",
        "Enheten för tillsyn enligt LSO och LBE",
        "Box 5010\n141 05 Huddinge",
        "08-555 270 00",
        "tillsyn@sbff.example",
        "sbff.example",
    ),
    "polis": (
        "Polismyndigheten",
        "Polisregion Stockholm, lokalpolisområde Botkyrka",
        "Box 1204\n102 25 Stockholm",
        "08-555 280 00",
        "registrator.stockholm@polisen.example",
        "polisen.example",
    ),
    "skatt": (
        "Skatteverket",
        "Kontrollavdelningen, personalliggare och kassaregister",
        "Box 5061\n171 94 Solna",
        "08-555 290 00",
        "kontroll@skatteverket.example",
        "skatteverket.example",
    ),
    "arbetsmiljo": (
        "Arbetsmiljöverket",
        "Region Stockholm",
        "Box 9500\n112 79 Stockholm",
        "08-555 295 00",
        "arbetsmiljoverket@av.example",
        "av.example",
    ),
    "migration": (
        "Migrationsverket",
        "Arbetstillståndsenheten, region Stockholm",
        "Box 1600\n171 26 Solna",
        "08-555 298 00",
        "kontroll@migrationsverket.example",
        "migrationsverket.example",
    ),
}


def _case_number(agency: str, day: dt.date, number: int) -> str:
    """An agency's own (fictional) case number for a demo visit, in its own style."""
    year = day.year
    return {
        "miljo": f"MHN {year}-{number:04d}",
        "livsmedel": f"MHN {year}-{number + 500:04d}",
        "brand": f"SBFF {year}-{number + 120:06d}",
        "polis": f"5000-K{40000 + number * 37}-{year % 100:02d}",
        "skatt": f"131 {480000 + number * 13}-{year % 100:02d}/1113",
        "arbetsmiljo": f"{year}/{31000 + number * 41:06d}",
        "migration": f"{year}-{7000 + number * 29}",
    }.get(agency, f"{agency.upper()} {year}-{number:04d}")


@dataclasses.dataclass(frozen=True)
class DemoFinding:
    """A finding of a demo visit, tied to the question it is about (None: no question)."""

    agency: str
    question_id: str | None
    severity: str
    description: str
    legal_ref: str
    due_in: int | None = None  # days from the visit to its follow-up deadline
    visibility: str | None = None  # None: the agency's default
    internal: bool = False
    photo: str | None = None  # a caption: the finding gets a generated photo


# Earlier joint visits, so the statistics, exports, follow-ups and archived reports have a
# history: (business, days ago, agencies, status, answers that differ from the compliant
# default per agency (a list of captions for a photo question), findings, signer or None).
DEMO_HISTORY = [
    (
        "Restaurang Smak av Syrien",
        63,
        ("miljo", "livsmedel", "skatt", "polis"),
        "closed",
        {
            "livsmedel": {"kyl": 12, "temp-foto": ["Termometern i kylen visar 12 °C"]},
            "skatt": {"bransch": "restaurang", "pl-fors": "yes", "pl-ej-antecknade": 2},
            "polis": {
                "arbetsplatsinspektion": "yes",
                "id-kontrollerade": 6,
                "utan-ratt-att-arbeta": 2,
                "verksamma-antal": 6,
            },
        },
        [
            DemoFinding(
                "livsmedel",
                "kyl",
                "major",
                "Kylen i köket höll 12 °C. Varor kasserades på plats.",
                "(EG) 852/2004 bilaga II kap. IX",
                due_in=14,
                photo="Kylens termometer",
            ),
            DemoFinding(
                "skatt",
                "pl-ej-antecknade",
                "major",
                "Personalliggaren saknade två personer som arbetade i köket.",
                "SFL 39 kap. 11 §",
            ),
            DemoFinding(
                "polis",
                "utan-ratt-att-arbeta",
                "critical",
                "Två personer saknade arbetstillstånd.",
                "UtlL 20 kap. 5 §",
            ),
            DemoFinding(
                "polis",
                None,
                "info",
                "Ärendet är överlämnat till gränspolisen.",
                "",
                internal=True,
            ),
        ],
        ("Rami Haddad", "Ägare"),
    ),
    (
        "Däckcentralen Hallunda",
        42,
        ("miljo", "brand", "polis"),
        "closed",
        {
            "miljo": {
                "kem-hanteras": "yes",
                "kem-forteckning": "yes",
                "kem-sakerhetsdatablad": "yes",
                "kem-invallning": "no",
                "kem-produktval": "yes",
                "kem-foto": ["Spilloljefat vid golvbrunnen"],
            },
            "brand": {"utr-fria": "no", "utr-foto": ["Däckstaplar i utrymningsvägen"]},
            "polis": {
                "okant-gods": "yes",
                "okant-gods-beskrivning": "Fyra kompletta hjul, vinterdäck på alufälg.",
                "okant-gods-foto": ["Hjul utan kvitton"],
            },
        },
        [
            DemoFinding(
                "miljo",
                "kem-invallning",
                "major",
                "Spillolja förvaras utan invallning nära golvbrunn.",
                "MB 2 kap. 3 §",
                due_in=30,
                photo="Oljefat utan invallning",
            ),
            DemoFinding(
                "brand",
                "utr-fria",
                "critical",
                "Utrymningsvägen var blockerad av däckstaplar. Rättades på plats.",
                "LSO 2 kap. 2 §",
                due_in=7,
            ),
            DemoFinding(
                "polis",
                "okant-gods",
                "major",
                "Fyra hjul utan kvitton eller känt ursprung. Beslag.",
                "BrB 9 kap. 6 §",
            ),
        ],
        ("Goran Petrović", "Verkstadschef"),
    ),
    (
        "Nails by Linh",
        28,
        ("miljo", "skatt"),
        "completed",
        {
            "miljo": {"egenkontroll": "no"},
            "skatt": {
                "bransch": "skonhetsvard",
                "pl-fors": "yes",
                "pl-ej-antecknade": 0,
                "kontantforsaljning": "yes",
                "kassaregister-finns": "yes",
                "kassaregister-anmalt": "no",
            },
        },
        [
            DemoFinding(
                "miljo",
                "egenkontroll",
                "minor",
                "Egenkontrollprogrammet saknar rutin för rengöring av verktyg.",
                "MB 26 kap. 19 §",
                due_in=21,
            ),
            DemoFinding(
                "skatt",
                "kassaregister-anmalt",
                "major",
                "Kassaregistret var inte anmält till Skatteverket.",
                "SFL 39 kap. 4–10 §§",
            ),
        ],
        ("Linh Nguyen", "Ägare"),
    ),
    (
        "Bilservice Tullinge",
        35,
        ("arbetsmiljo", "migration", "skatt"),
        "closed",
        {
            "arbetsmiljo": {
                "bransch": "bilverkstad",
                "antal-arbetstagare": 4,
                "fordonslyft-finns": "yes",
                "fordonslyft-besiktigad": "no",
                "beslut-pa-plats": ["forbud"],
                "arbetsmiljo-foto": ["Billyft utan giltig besiktningsskylt"],
            },
            "migration": {
                "verksamma-antal": 4,
                "tredjelandsmedborgare": 2,
                "id-kontrollerade": 4,
                "handlingar": ["ut-kort"],
                "ratt-att-arbeta": "no",
                "utan-ratt-antal": 1,
                "kontroll-fore-anstallning": "no",
                "kopia-sparad": "no",
                "skatteverket-underrattat": "yes",
                "atgarder": ["anmalan-arbetsgivare", "sarskild-avgift"],
                "migration-foto": ["Uppvisat UT-kort"],
            },
            "skatt": {
                "bransch": "fordonsservice",
                "vilka-verksamma": "slakt",
                "pl-fors": "no",
                "pl-foto": ["Ingen personalliggare vid kassan"],
            },
        },
        [
            DemoFinding(
                "arbetsmiljo",
                "fordonslyft-besiktigad",
                "critical",
                "Billyften saknade giltig besiktning. Användningsförbud på plats.",
                "AFS 2023:11",
                due_in=14,
                photo="Billyft med utgången besiktningsskylt",
            ),
            DemoFinding(
                "migration",
                "ratt-att-arbeta",
                "critical",
                "En person arbetade utan arbetstillstånd.",
                "UtlL 20 kap. 5 §",
            ),
            DemoFinding(
                "migration",
                "kopia-sparad",
                "major",
                "Arbetsgivaren hade inte sparat kopior av uppehållstillstånden.",
                "UtlF 6 kap. 13 a §",
                due_in=30,
            ),
            DemoFinding(
                "skatt",
                "pl-fors",
                "major",
                "Personalliggare fördes inte. Ägarens bror arbetade i verkstaden.",
                "SFL 39 kap. 11 §",
            ),
        ],
        ("Dragan Ilić", "Ägare"),
    ),
    (
        "Grillhuset Storvreten",
        21,
        ("arbetsmiljo", "migration", "livsmedel"),
        "completed",
        {
            "arbetsmiljo": {"bransch": "restaurang", "antal-arbetstagare": 5, "maskinskydd": "no"},
            "migration": {
                "verksamma-antal": 5,
                "tredjelandsmedborgare": 1,
                "handlingar": ["ut-kort"],
                "ratt-att-arbeta": "yes",
                "kontroll-fore-anstallning": "yes",
                "kopia-sparad": "yes",
                "skatteverket-underrattat": "yes",
                "tillstand-arbetsgivare-yrke": "yes",
                "villkor-uppfylls": "yes",
            },
            "livsmedel": {"kontaminering": "no", "hygien-foto": ["Rå kyckling ovanför sallad"]},
        },
        [
            DemoFinding(
                "arbetsmiljo",
                "maskinskydd",
                "critical",
                "Degblandaren saknade skydd och nödstopp. Användningsförbud på plats.",
                "AFS 2023:11",
                due_in=7,
            ),
            DemoFinding(
                "livsmedel",
                "kontaminering",
                "major",
                "Rå kyckling förvarades ovanför färdig sallad i kylen.",
                "(EG) 852/2004 bilaga II kap. IX p. 3",
                due_in=14,
            ),
        ],
        ("Mehmet Kaya", "Köksansvarig"),
    ),
    ("Fittja Biltvätt & Rekond", 17, ("miljo", "brand"), "closed", {}, [], None),
    (
        "Alby Livs & Kiosk",
        10,
        ("livsmedel", "miljo"),
        "completed",
        {
            "livsmedel": {"allergener": "no"},
            "miljo": {
                "tobak-saljs": "yes",
                "tobak-tillstand": "yes",
                "tobak-egenkontroll": "yes",
                "tobak-skylt": "no",
                "tobak-halsovarning": "yes",
                "tobak-foto": ["Disken utan 18-årsskylt"],
            },
        },
        [
            DemoFinding(
                "livsmedel",
                "allergener",
                "minor",
                "Allergeninformation saknades för lösviktsgodis.",
                "(EU) 1169/2011 art. 9",
                due_in=14,
            ),
            DemoFinding(
                "miljo",
                "tobak-skylt",
                "major",
                "Tobak säljs utan synlig 18-årsskylt.",
                "LTLP 2018:2088 5 kap.",
                due_in=21,
                visibility="joint",
            ),
        ],
        ("Ahmed Yusuf", "Butiksansvarig"),
    ),
]


# The national partners of the joint controls against welfare crime, offered switched off: a
# municipality switches on those it works with (Myndigheter → Ändra → Påslagen).
DEMO_PARTNER_AGENCIES = {
    # code: (name, colour, default visibility)
    "af": ("Arbetsförmedlingen", "#00557f", "agency"),
    "fk": ("Försäkringskassan", "#007b4f", "agency"),
    "ekobrott": ("Ekobrottsmyndigheten", "#7a2e5a", "agency"),
}


DEMO_COLOURS = {
    "miljo": "#2e7d32",
    "brand": "#c62828",
    "livsmedel": "#ef6c00",
    "polis": "#1a237e",
    "skatt": "#6a1b9a",
    "arbetsmiljo": "#00838f",
    "migration": "#4e342e",
}


def _seed_partner_agencies() -> None:
    """Add the national partner agencies, switched off, unless they exist; give the seed
    agencies their colours unless an admin has chosen one."""
    for agency in db.session.scalars(select(Agency)):
        if agency.colour == DEFAULT_COLOUR and agency.code in DEMO_COLOURS:
            agency.colour = DEMO_COLOURS[agency.code]
    for code, (name, colour, visibility) in DEMO_PARTNER_AGENCIES.items():
        if db.session.get(Agency, code) is None:
            agency_table.create_agency(
                None, code, name=name, colour=colour, default_visibility=visibility, enabled=False
            )
    db.session.flush()


def _seed_senders() -> None:
    """Give every agency its (fictional) sender, unless an admin has set one."""
    for agency in db.session.scalars(select(Agency)):
        if agency.organisation or agency.code not in DEMO_SENDERS:
            continue
        (
            agency.organisation,
            agency.unit,
            agency.postal_address,
            agency.phone,
            agency.email,
            agency.web,
        ) = DEMO_SENDERS[agency.code]
    db.session.flush()


def _seed_history(users: dict, by_name: dict, version_by_agency: dict, today: dt.date) -> None:
    """Plan, carry out and (some) close the DEMO_HISTORY visits through the services: the
    inspectors answer on their tablets during the visit (device time), link photos and
    findings to the questions they are about, and the representative signs."""
    from otto.accounts.devices import register_device
    from otto.changes.merge import Write
    from otto.inspections import findings, photos, signatures

    coordinator = Actor(users["samordnare"])
    storage = storage_from_config(current_app.config)
    # Each inspector works on a tablet: what they record carries its device and its clock.
    tablets = {
        username: Actor(
            user,
            register_device(
                user,
                str(uuid.uuid5(DEMO_NAMESPACE, username)),
                f"Surfplatta {user.name.split()[0]}",
            )[0].id,
        )
        for username, user in users.items()
        if user.role == Role.INSPECTOR
    }

    def upload(actor: Actor, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        photos.ingest_photo(
            actor,
            sha256,
            io.BytesIO(data),
            storage=storage,
            max_bytes=current_app.config["MAX_PHOTO_BYTES"],
            max_pixels=current_app.config["MAX_PHOTO_PIXELS"],
        )
        return sha256

    for number, (name, days_ago, agencies, status, given, items, signer) in enumerate(
        DEMO_HISTORY, 1
    ):
        day = today - dt.timedelta(days=days_ago)
        start = dt.datetime.combine(day, dt.time(10, 0), LOCAL_TZ)
        clock = _VisitClock(start)
        visit = visits.plan_visit(
            coordinator,
            business_id=by_name[name].id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            case_number=_case_number("miljo", day, number),
            participants=[
                {
                    "user_id": users[a].id,
                    "template_version_ids": [version_by_agency[a]],
                    "case_number": _case_number(a, day, number),
                }
                for a in agencies
            ],
        )
        first = tablets[agencies[0]]
        visits.set_visit_status(first, visit.id, "in_progress")
        for assignment in visit.assignments:
            actor = tablets[assignment.user.username]
            overrides = given.get(assignment.agency_code, {})
            photo_ids = _photo_questions(assignment.template_version)
            for question_id, value in _answers(assignment.template_version, overrides).items():
                if question_id in photo_ids:  # captions of generated photos
                    value = [
                        upload(actor, demo_photo(caption, number * 10 + n))
                        for n, caption in enumerate(value)
                    ]
                _answer(actor, visit.id, assignment.template_version_id, question_id, value, clock)
        for n, item in enumerate(items):
            actor = tablets[item.agency]
            finding = findings.create_finding(
                Write(actor, client_time=clock.tick()),
                visit_id=visit.id,
                severity=item.severity,
                description=item.description,
                legal_ref=item.legal_ref,
                question_id=item.question_id,
                visibility=item.visibility,
                internal=item.internal,
                follow_up_due=day + dt.timedelta(days=item.due_in) if item.due_in else None,
            )
            if item.photo:
                photos.link_photo(
                    actor,
                    visit_id=visit.id,
                    photo_sha256=upload(actor, demo_photo(item.photo, number * 10 + 5 + n)),
                    finding_id=finding.id,
                    caption=item.photo,
                )
        if signer:
            signatures.add_signature(
                first,
                visit_id=visit.id,
                signer_name=signer[0],
                signer_role=signer[1],
                image_sha256=upload(first, demo_signature(signer[0])),
                signed_at=clock.tick(),
            )
        visits.set_visit_status(first, visit.id, "completed")
        if status == "closed":
            visits.set_visit_status(coordinator, visit.id, "closed")
        _fit_times_to_visit(visit, start)


class _VisitClock:
    """The tablet's clock during a demo visit: a few minutes between recorded items."""

    def __init__(self, start: dt.datetime):
        self.now = start + dt.timedelta(minutes=5)

    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=2)
        return self.now.astimezone(dt.UTC)


def _answers(version, overrides: dict) -> dict:
    """A compliant answer to every always-shown yes/no question, then the visit's own
    answers (which may show further questions)."""
    answers = {}
    for section in version.body["sections"]:
        for question in section["questions"]:
            if question["type"] != "yesno" or "show_if" in question:
                continue
            when = question.get("deviation", {}).get("when", {})
            flagged = when.get("value") if when.get("q") == question["id"] else "yes"
            answers[question["id"]] = "no" if flagged == "yes" else "yes"
    return answers | overrides


def _photo_questions(version) -> set[str]:
    return {
        q["id"] for s in version.body["sections"] for q in s["questions"] if q["type"] == "photo"
    }


def _answer(actor: Actor, visit_id: str, version_id: int, question_id, value, clock) -> None:
    from otto.changes.merge import Write
    from otto.inspections import answers

    answers.set_answer(
        Write(actor, client_time=clock.tick()),
        visit_id=visit_id,
        template_version_id=version_id,
        question_id=question_id,
        value=value,
    )


def _fit_times_to_visit(visit, start: dt.datetime) -> None:
    """Give the demo visit's rows the times of the visit itself (they were made now): what
    the tablets recorded keeps its device time, and reached the server as the inspectors
    synced half an hour later; the plan was made a week before, the closing a day after."""
    from otto.audit import AuditEvent
    from otto.inspections.models import Answer, Finding, PhotoLink

    synced = dt.timedelta(minutes=30)
    for answer in db.session.scalars(select(Answer).where(Answer.visit_id == visit.id)):
        answer.updated_at = answer.client_time + synced
    for finding in db.session.scalars(select(Finding).where(Finding.visit_id == visit.id)):
        finding.created_at = finding.updated_at = start + dt.timedelta(hours=1) + synced
    for link in db.session.scalars(select(PhotoLink).where(PhotoLink.visit_id == visit.id)):
        link.created_at = start + dt.timedelta(hours=1) + synced
    events = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.visit_id == visit.id).order_by(AuditEvent.id)
        )
    )
    on_site = start + dt.timedelta(hours=1)
    for event in events:
        if event.client_time is not None:
            event.at = event.client_time + synced
        elif event.action == "create" and event.entity == "visit":
            event.at = start - dt.timedelta(days=7)
        elif event.entity == "visit" and (event.after or {}).get("status") == "closed":
            event.at = start + dt.timedelta(days=1)
        elif event.entity == "visit" and (event.after or {}).get("status") == "completed":
            event.at = start + dt.timedelta(hours=2)
        elif event.entity == "visit":
            event.at = start
        else:
            event.at = on_site + synced
    visit.updated_at = max(e.at for e in events)
    db.session.flush()


# Seeded pseudo-random numbers only vary the demo pictures (nosec B311 below).
def demo_photo(caption: str, seed: int) -> bytes:
    """A generated JPEG standing in for a photo taken on site: a simple scene in colours
    that differ by seed, with the caption written on it (each seed its own SHA-256)."""
    rng = random.Random(seed)  # nosec B311
    width, height = 1024, 768
    image = Image.new("RGB", (width, height), (rng.randrange(90, 160),) * 3)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, height * 2 // 3, width, height], fill=(rng.randrange(60, 110),) * 3)
    for _ in range(6):
        x, y = rng.randrange(0, width - 200), rng.randrange(120, height - 260)
        colour = tuple(rng.randrange(40, 220) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(80, 220), y + rng.randrange(80, 240)], colour)
    draw.rectangle([0, 0, width, 70], fill=(20, 24, 30))
    draw.text((24, 24), caption, fill=(255, 255, 255), font_size=28)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


def demo_signature(name: str) -> bytes:
    """A generated signature (PNG): a pen stroke that differs by name."""
    rng = random.Random(name)  # nosec B311
    image = Image.new("RGB", (600, 200), "white")
    points = [(30 + i * 45, 100 + rng.randrange(-60, 60)) for i in range(13)]
    ImageDraw.Draw(image).line(points, fill=(20, 30, 90), width=5, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
