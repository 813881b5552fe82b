"""A seeded joint visit for the report tests: food control, fire and police, with answers,
findings with photos (uploaded through the real photo service), a follow-up and the
representative's signature. Police items are agency-only (the police default); one food
control finding is made agency-only too."""

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image, ImageDraw

from otto.accounts.models import Agency
from otto.auth import Actor
from otto.changes.merge import Write
from otto.checklists import services as checklists
from otto.extensions import db
from otto.inspections import answers, findings, followups, photos, signatures
from otto.inspections.photo_storage import storage_from_config

# Texts the tests look for in the PDFs: each belongs to one agency and one visibility.
POLICE_NOTE = "Polisens anteckning om efterlyst person"
POLICE_FINDING = "Misstänkt stöldgods i lagret"
FOOD_JOINT_FINDING = "Kylvaror förvaras vid 11 °C i kylrummet"
FOOD_AGENCY_FINDING = "Oklar spårbarhet för kött från okänd leverantör"
FIRE_FINDING = "Utrymningsvägen är blockerad av kartonger"
INTERNAL_NOTE = "Ärendet är överlämnat till gränspolisen"
# Each agency's own case number (diarienummer) on its participation; the visit's is the
# coordinator's.
VISIT_CASE = "KS 2026-0042"
CASE_NUMBERS = {"livsmedel": "MHN 2026-0815", "brand": "SBF 2026-0412", "polis": "5000-K123456-26"}
SENDERS = {
    "livsmedel": ("Tumba kommun", "Miljö- och hälsoskyddsnämnden", "08-555 010 00"),
    "brand": ("Södertörns brandförsvarsförbund", "Enheten för tillsyn", "08-555 020 00"),
    "polis": ("Polismyndigheten", "Polisregion Stockholm, lokalpolisområde Tumba", "114 14"),
}

CHECKLISTS = {
    "livsmedel": {
        "title": "Livsmedelskontroll",
        "sections": [
            {
                "id": "temp",
                "title": "Temperaturer",
                "questions": [
                    {
                        "id": "kyl",
                        "type": "number",
                        "unit": "°C",
                        "text": "Temperatur i kylförvaring",
                        "legal_ref": "Förordning (EG) nr 852/2004 bilaga II kap. IX",
                        "deviation": {
                            "when": {"q": "kyl", "op": "gt", "value": 8},
                            "severity": "minor",
                            "text": "Kylvaror förvaras över 8 °C",
                        },
                    },
                    {"id": "varm", "type": "number", "unit": "°C", "text": "Varmhållning"},
                ],
            },
            {
                "id": "hygien",
                "title": "Hygien och rengöring",
                "questions": [
                    {"id": "rengoring", "type": "yesno", "text": "Är lokalen väl rengjord?"},
                    {"id": "allergen", "type": "yesno", "text": "Finns allergeninformation?"},
                    {"id": "skadedjur", "type": "yesno", "text": "Fritt från skadedjur?"},
                ],
            },
        ],
    },
    "brand": {
        "title": "Brandskyddskontroll",
        "sections": [
            {
                "id": "utrymning",
                "title": "Utrymning",
                "questions": [
                    {
                        "id": "fria",
                        "type": "yesno",
                        "text": "Är utrymningsvägarna fria och skyltade?",
                        "deviation": {
                            "when": {"q": "fria", "op": "eq", "value": "no"},
                            "severity": "critical",
                            "text": "Utrymningsväg blockerad",
                        },
                    },
                    {"id": "slackare", "type": "yesno", "text": "Handbrandsläckare kontrollerade?"},
                ],
            }
        ],
    },
    "polis": {
        "title": "Arbetsplatsinspektion",
        "sections": [
            {
                "id": "personer",
                "title": "Personer på plats",
                "questions": [
                    {"id": "antal", "type": "integer", "text": "Antal personer på plats"},
                    {"id": "efterlysta", "type": "yesno", "text": "Påträffades efterlysta?"},
                ],
            }
        ],
    },
}


def photo_bytes(seed: int, size=(640, 480)) -> bytes:
    """A JPEG that looks different for every seed (so each has its own SHA-256)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20 + seed % 200, 40, 260 + seed % 200, 200], fill=(180, 40 + seed % 200, 60))
    draw.text((30, 300), f"Foto {seed}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def signature_png() -> bytes:
    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).line([(20, 150), (150, 40), (300, 160), (580, 50)], fill="black", width=6)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def upload(app):
    """Upload image bytes through the photo service as a user; returns the SHA-256."""
    storage = storage_from_config(app.config)

    def put(user, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        photos.ingest_photo(
            Actor(user),
            sha256,
            io.BytesIO(data),
            storage=storage,
            max_bytes=app.config["MAX_PHOTO_BYTES"],
            max_pixels=app.config["MAX_PHOTO_PIXELS"],
        )
        return sha256

    return put


@pytest.fixture
def report_visit(make_user, make_visit, upload):
    """The seeded visit: {"visit", "coordinator", "livsmedel", "brand", "polis"} (users)."""
    coordinator = make_user(role="coordinator", name="Sara Samordnare")
    inspectors = {
        "livsmedel": make_user(agency="livsmedel", name="Åsa Öhman", email="asa@example.org"),
        "brand": make_user(agency="brand", name="Björn Ärlig", email="bjorn@example.org"),
        "polis": make_user(agency="polis", name="Peter Sjöström", email="peter@example.org"),
    }
    versions = {
        code: checklists.install_template(
            {"key": f"{code}-rapport", "agency": code, **CHECKLISTS[code]}
        )
        for code in inspectors
    }
    db.session.commit()
    visit = make_visit(
        coordinator=coordinator,
        inspectors=list(inspectors.values()),
        case_number=VISIT_CASE,
        reason="event",
        participants=[
            {
                "user_id": user.id,
                "template_version_ids": [versions[code].id],
                "case_number": CASE_NUMBERS[code],
            }
            for code, user in inspectors.items()
        ],
    )
    for code, (organisation, unit, phone) in SENDERS.items():
        agency = db.session.get(Agency, code)
        agency.organisation, agency.unit, agency.phone = organisation, unit, phone
        agency.postal_address = "Box 100\n147 80 Tumba"
        agency.email = f"{code}@example.se"

    def answer(code, question_id, value, note=None):
        answers.set_answer(
            Write(Actor(inspectors[code])),
            visit_id=visit.id,
            template_version_id=versions[code].id,
            question_id=question_id,
            value=value,
            note=note,
        )

    def finding(code, description, severity, photo_seeds=(), **fields):
        user = inspectors[code]
        row = findings.create_finding(
            Write(Actor(user)),
            visit_id=visit.id,
            severity=severity,
            description=description,
            **fields,
        )
        for seed in photo_seeds:
            photos.link_photo(
                Actor(user),
                visit_id=visit.id,
                photo_sha256=upload(user, photo_bytes(seed)),
                finding_id=row.id,
                caption=f"Bild {seed} från kontrollen",
            )
        return row

    answer("livsmedel", "kyl", 11, note="Mätt med stickprovstermometer")
    answer("livsmedel", "varm", 63)
    answer("livsmedel", "rengoring", "yes")
    answer("livsmedel", "allergen", "na")
    answer("brand", "fria", "no")
    answer("brand", "slackare", "yes")
    answer("polis", "antal", 6)
    answer("polis", "efterlysta", "yes", note=POLICE_NOTE)
    food = finding(
        "livsmedel",
        FOOD_JOINT_FINDING,
        "major",
        photo_seeds=(1, 2),
        question_id="kyl",
        legal_ref="Förordning (EG) nr 852/2004 bilaga II kap. IX p. 5",
        follow_up_due=dt.date(2026, 12, 15),
    )
    finding(
        "livsmedel",
        FOOD_AGENCY_FINDING,
        "minor",
        legal_ref="Förordning (EG) nr 178/2002 art. 18",
        visibility="agency",
    )
    finding("brand", FIRE_FINDING, "critical", photo_seeds=(3,), question_id="fria")
    finding("polis", POLICE_FINDING, "major", photo_seeds=(4,), legal_ref="BrB 9 kap. 6 §")
    finding("polis", INTERNAL_NOTE, "info", photo_seeds=(5,), internal=True)
    followups.create_follow_up(
        Actor(coordinator),
        finding_id=food.id,
        kind="document",
        due_date=dt.date(2026, 12, 15),
        note="Bifoga temperaturprotokoll.",
    )
    signatures.add_signature(
        Actor(inspectors["livsmedel"]),
        visit_id=visit.id,
        signer_name="Göran Ålund",
        signer_role="Ägare",
        image_sha256=upload(inspectors["livsmedel"], signature_png()),
        signed_at=dt.datetime(2026, 11, 20, 10, 45, tzinfo=dt.UTC),
    )
    db.session.commit()
    return {"visit": visit, "coordinator": coordinator, **inspectors}


@pytest.fixture
def fetch(client, token_for):
    """GET a report through the API as a user; returns the response."""
    tokens = {}

    def get(user, visit_id, agency=None):
        if user.id not in tokens:
            tokens[user.id] = token_for(user)
        query = f"?agency={agency}" if agency else ""
        return client.get(f"/api/visits/{visit_id}/report.pdf{query}", headers=tokens[user.id])

    return get
