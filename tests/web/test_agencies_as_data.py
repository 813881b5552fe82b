"""Agencies are data: an admin adds an agency on the agencies page and it goes end to end —
template, planned visit, tablet (names and default visibility from the server), report with
its own texts, statistics and exports — with no code naming it. A switched-off agency is
offered for nothing new."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from otto import limits
from otto.accounts.models import Agency
from otto.errors import Invalid
from otto.extensions import db
from otto.inspections.models import Finding, Visit
from otto.reports.content import load_content
from otto.reports.render import render_html
from otto.timeutil import LOCAL_TZ
from tests.sync.conftest import Device

FK_COMMENT = "Ni får lämna synpunkter till Försäkringskassan inom tre veckor."
FK_PURPOSE = "Kontroll av att ersättning inte betalas ut till personer som arbetar."


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def add_fk(client) -> None:
    response = client.post(
        "/myndigheter/ny",
        data={
            "code": "fk",
            "name": "Försäkringskassan",
            "colour": "#007b4f",
            "default_visibility": "agency",
            "enabled": "1",
            "purpose": FK_PURPOSE,
            "right_to_comment": FK_COMMENT,
        },
    )
    assert response.status_code == 302, text(response)


def test_a_new_agency_goes_end_to_end(client, login, make_user, make_business, template_version):
    admin = make_user(role="admin")
    login(admin)
    add_fk(client)
    listing = text(client.get("/myndigheter"))
    assert "Försäkringskassan (fk)" in listing and "Påslagen" in listing

    # Template and users for it: the new agency is offered like the seeded ones.
    version = template_version(agency="fk")
    assert "Försäkringskassan" in text(client.get("/personer/ny"))
    inspector = make_user(agency="fk", name="Fredrik Karlsson")
    coordinator = make_user(role="coordinator")
    business = make_business()
    plan_page = f"/planering/ny?business_id={business.id}"
    assert "Fredrik Karlsson" in text(client.get(plan_page))
    response = client.post(
        plan_page,
        data={
            "date": dt.datetime.now(LOCAL_TZ).date().isoformat(),
            "start": "00:00",
            "end": "23:59",
            "inspector": str(inspector.id),
            "version-fk": str(version.id),
            "case-fk": "FK 2026/4711",
        },
    )
    assert response.status_code == 302, text(response)
    visit_id = db.session.scalar(select(Visit.id).where(Visit.business_id == business.id))

    # The tablet learns the agency from the server and records with its default visibility.
    tablet = Device(client, inspector)
    changes, _ = tablet.pull_all()
    visit = db.session.get(Visit, visit_id)
    pulled = next(c["data"] for c in changes if c["entity"] == "visit")
    participant = pulled["participants"][0]
    assert participant["agency"] == "fk"
    assert participant["agency_name"] == "Försäkringskassan"
    assert participant["agency_colour"] == "#007b4f"
    assert participant["default_visibility"] == "agency"
    finding_id = "0b9f6c7e-1d2a-4c3b-8e4f-5a6b7c8d9e0f"
    result = tablet.push(
        [
            tablet.answer(visit, "ok", "no"),
            tablet.mutation(
                "finding",
                finding_id,
                visit.id,
                {"severity": "major", "description": "Anställd uppbär sjukpenning"},
            ),
            tablet.mutation("visit_status", visit.id, visit.id, {"status": "in_progress"}),
            tablet.mutation("visit_status", visit.id, visit.id, {"status": "completed"}),
        ]
    )
    assert [r["status"] for r in result.json["results"]] == ["applied"] * 4, result.json
    assert db.session.get(Finding, finding_id).visibility == "agency"

    # The agency's own report: its name and its own texts.
    html = render_html(load_content(coordinator, visit.id, "fk"), stamp=None)
    assert "Försäkringskassan" in html
    assert FK_COMMENT in html and FK_PURPOSE in html

    # Statistics and exports name it.
    login(coordinator)
    assert "Försäkringskassan" in text(client.get("/statistik"))
    csv = client.get("/statistik/export/avvikelser.csv?myndighet=fk")
    assert csv.status_code == 200, text(csv)
    assert "Försäkringskassan" in csv.get_data(as_text=True)
    assert "Anställd uppbär sjukpenning" in csv.get_data(as_text=True)


def test_a_switched_off_agency_is_offered_for_nothing_new(client, login, make_user):
    admin = make_user(role="admin")
    login(admin)
    add_fk(client)
    inspector = make_user(agency="fk")
    form = {
        "name": "Försäkringskassan",
        "colour": "#007b4f",
        "default_visibility": "agency",
    }  # no "enabled": the box is unticked
    assert client.post("/myndigheter/fk", data=form).status_code == 302
    assert db.session.get(Agency, "fk").enabled is False
    assert "Avstängd" in text(client.get("/myndigheter"))
    page = text(client.get("/personer/ny"))
    assert "Försäkringskassan" not in page
    with pytest.raises(Invalid) as refused:
        make_user(agency="fk")
    assert "agency" in refused.value.details
    # Its earlier inspector is not offered for a new visit.
    assert inspector.name not in text(client.get("/planering/ny"))


def test_a_bad_agency_is_refused_in_swedish(client, login, make_user):
    login(make_user(role="admin"))
    response = client.post(
        "/myndigheter/ny",
        data={"code": "F K", "name": "", "colour": "grön", "default_visibility": "joint"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "Koden ska vara 2–20 tecken" in page
    assert "Ange ett namn" in page
    assert "Ange färgen som #rrggbb" in page
    too_long = client.post(
        "/myndigheter/ny",
        data={"code": "fk", "name": "F" * (limits.PERSON_NAME + 1), "default_visibility": "joint"},
    )
    assert too_long.status_code == 400
    assert f"högst {limits.PERSON_NAME} tecken" in text(too_long)
    response = client.post(
        "/myndigheter/ny",
        data={
            "code": "miljo",
            "name": "Dubblett",
            "colour": "#000000",
            "default_visibility": "joint",
        },
    )
    assert response.status_code == 400
    assert "Det finns redan en myndighet med den koden." in text(response)
