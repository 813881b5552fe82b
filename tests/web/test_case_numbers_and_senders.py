"""Each agency's own case number is set in planning; each agency's sender is edited by an
admin on the agencies page."""

import io

from PIL import Image
from sqlalchemy import select

from otto.accounts.models import Agency
from otto.audit import AuditEvent
from otto.auth import Actor
from otto.extensions import db
from otto.inspections import visits
from otto.inspections.models import Visit
from tests.web.conftest import text
from tests.web.test_planning import newest_visit, plan_form


def test_planning_sets_each_agencys_own_case_number(
    client, login, coordinator, make_user, make_business, template_version
):
    business = make_business()
    miljo, polis = make_user(agency="miljo"), make_user(agency="polis")
    versions = [template_version("miljo"), template_version("polis")]
    login(coordinator)
    form = plan_form(
        [miljo, polis], versions, **{"case-miljo": "MHN 2026-7", "case-polis": "5000-K1-26"}
    )
    assert client.post(f"/planering/ny?business_id={business.id}", data=form).status_code == 302
    visit = newest_visit()
    assert visits.case_numbers(visit) == {"miljo": "MHN 2026-7", "polis": "5000-K1-26"}
    assert visit.case_number == "MHN 2026-123"  # the coordinator's, on the visit

    visits.set_visit_status(Actor(coordinator), visit.id, "in_progress")
    db.session.commit()
    page = text(client.get(f"/besok/{visit.id}/redigera"))
    assert 'value="5000-K1-26"' in page
    form = plan_form(
        [miljo, polis], versions, **{"case-miljo": "MHN 2026-7", "case-polis": "5000-K9-26"}
    )
    assert client.post(f"/besok/{visit.id}/redigera", data=form).status_code == 302
    visit = db.session.get(Visit, visit.id)
    assert visits.case_numbers(visit)["polis"] == "5000-K9-26"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_id == visit.id).order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["case_numbers"]["polis"] == "5000-K9-26"


def png(size=(300, 100)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 58, 95)).save(buffer, "PNG")
    return buffer.getvalue()


# The agency settings the edit form always posts (brand's as seeded).
BRAND_SETTINGS = {"name": "Räddningstjänsten", "colour": "#5b6770", "default_visibility": "joint"}
BRAND_SETTINGS |= {"enabled": "1"}


def test_an_admin_edits_an_agencys_sender_and_logo(client, login, make_user):
    login(make_user(role="admin"))
    form = BRAND_SETTINGS | {
        "organisation": "Södertörns brandförsvarsförbund",
        "unit": "Tillsynsenheten",
        "postal_address": "Box 5010\n141 05 Huddinge",
        "phone": "08-555 270 00",
        "email": "tillsyn@sbff.example",
        "web": "sbff.example",
        "logo": (io.BytesIO(png()), "logo.png"),
    }
    response = client.post("/myndigheter/brand", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    agency = db.session.get(Agency, "brand")
    assert agency.organisation == "Södertörns brandförsvarsförbund"
    assert agency.postal_address == "Box 5010\n141 05 Huddinge"
    assert Image.open(io.BytesIO(agency.logo)).format == "PNG"
    listing = text(client.get("/myndigheter"))
    assert "Tillsynsenheten" in listing and "08-555 270 00" in listing
    assert client.get("/myndigheter/brand/logotyp.png").mimetype == "image/png"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "agency").order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["organisation"] == "Södertörns brandförsvarsförbund"


def test_a_bad_logo_is_refused_in_swedish(client, login, make_user):
    login(make_user(role="admin"))
    response = client.post(
        "/myndigheter/brand",
        data=BRAND_SETTINGS
        | {"organisation": "X", "logo": (io.BytesIO(b"not an image"), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Logotypen måste vara en PNG- eller JPEG-bild." in text(response)
    assert db.session.get(Agency, "brand").organisation != "X"


def test_coordinators_see_the_senders_but_only_admins_edit(client, login, coordinator):
    login(coordinator)
    assert client.get("/myndigheter").status_code == 200
    assert client.get("/myndigheter/brand").status_code == 403
    assert client.post("/myndigheter/brand", data={"organisation": "X"}).status_code == 403
