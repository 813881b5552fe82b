"""Visits: who sees them, the agency compartment, and the closed-visit lock."""

import datetime as dt

import pytest

from otto.timeutil import utcnow
from tests.test_errors import assert_error


@pytest.fixture
def joint(make_user, make_visit, token_for):
    """A joint visit with a miljö and a polis inspector, plus an outsider inspector."""
    coordinator = make_user(role="coordinator")
    miljo, polis, outsider = make_user(agency="miljo"), make_user(agency="polis"), make_user()
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, polis])
    return {
        "visit": visit,
        "coordinator": token_for(coordinator),
        "miljo": token_for(miljo),
        "polis": token_for(polis),
        "outsider": token_for(outsider),
    }


def test_coordinator_plans_a_visit_through_the_api(
    client, make_user, make_business, token_for, template_version
):
    inspector = make_user(agency="brand")
    start = utcnow() + dt.timedelta(days=1)
    response = client.post(
        "/api/visits",
        headers=token_for(make_user(role="coordinator")),
        json={
            "business_id": make_business().id,
            "planned_start": start.isoformat(),
            "planned_end": (start + dt.timedelta(hours=2)).isoformat(),
            "case_number": "MHN 2026-0101",
            "participants": [
                {"user_id": inspector.id, "template_version_ids": [template_version("brand").id]}
            ],
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["participants"][0]["agency"] == "brand"
    mine = client.get("/api/visits", headers=token_for(inspector)).json
    assert [v["case_number"] for v in mine] == ["MHN 2026-0101"]


def test_a_visit_planned_without_checklists_gets_each_agencys_current_published_one(
    client, make_user, make_business, token_for, template_version
):
    from otto.checklists import services as checklists

    first = template_version("brand")
    current = checklists.install_template(first.body | {"title": "Brandskydd 2026"})
    miljo = template_version("miljo")
    template_version("polis")  # an agency that does not take part
    brand_inspector, miljo_inspector = make_user(agency="brand"), make_user(agency="miljo")
    start = utcnow() + dt.timedelta(days=1)
    response = client.post(
        "/api/visits",
        headers=token_for(make_user(role="coordinator")),
        json={
            "business_id": make_business().id,
            "planned_start": start.isoformat(),
            "planned_end": (start + dt.timedelta(hours=2)).isoformat(),
            "participants": [{"user_id": brand_inspector.id}, {"user_id": miljo_inspector.id}],
        },
    )
    assert response.status_code == 201, response.json
    pinned = {(p["agency"], p["template_version_id"]) for p in response.json["participants"]}
    assert pinned == {("brand", current.id), ("miljo", miljo.id)}


def test_visit_must_end_after_it_starts(client, make_user, make_business, token_for):
    start = utcnow()
    response = client.post(
        "/api/visits",
        headers=token_for(make_user(role="coordinator")),
        json={
            "business_id": make_business().id,
            "planned_start": start.isoformat(),
            "planned_end": (start - dt.timedelta(hours=1)).isoformat(),
        },
    )
    assert assert_error(response, 400, "invalid")["details"]["planned_end"]


def test_outsider_does_not_see_the_visit(client, joint):
    visit_id = joint["visit"].id
    assert client.get("/api/visits", headers=joint["outsider"]).json == []
    assert_error(client.get(f"/api/visits/{visit_id}", headers=joint["outsider"]), 404, "not_found")


def test_agency_finding_stays_inside_its_agency(client, joint):
    url = f"/api/visits/{joint['visit'].id}/findings"
    secret = client.post(
        url,
        headers=joint["polis"],
        json={"severity": "major", "description": "Misstänkt stöldgods i lagret"},
    ).json
    assert secret["visibility"] == "agency"  # the police default
    shared = client.post(
        url,
        headers=joint["polis"],
        json={
            "severity": "minor",
            "description": "Uteservering utan tillstånd",
            "visibility": "joint",
        },
    ).json
    seen_by_miljo = {f["id"] for f in client.get(url, headers=joint["miljo"]).json}
    assert seen_by_miljo == {shared["id"]}
    assert_error(
        client.get(f"/api/findings/{secret['id']}", headers=joint["miljo"]), 404, "not_found"
    )
    seen_by_coordinator = {f["id"] for f in client.get(url, headers=joint["coordinator"]).json}
    assert seen_by_coordinator == {secret["id"], shared["id"]}


def test_other_agency_cannot_change_a_finding(client, joint):
    finding = client.post(
        f"/api/visits/{joint['visit'].id}/findings",
        headers=joint["miljo"],
        json={"severity": "minor", "description": "Avfallskärl saknar lock"},
    ).json
    response = client.patch(
        f"/api/findings/{finding['id']}", headers=joint["polis"], json={"severity": "info"}
    )
    assert_error(response, 403, "forbidden")


def test_stale_finding_edit_is_a_conflict(client, joint):
    finding = client.post(
        f"/api/visits/{joint['visit'].id}/findings",
        headers=joint["miljo"],
        json={"severity": "minor", "description": "Avfallskärl saknar lock"},
    ).json
    url = f"/api/findings/{finding['id']}"
    client.patch(url, headers=joint["miljo"], json={"severity": "major", "base_version": 1})
    response = client.patch(
        url, headers=joint["miljo"], json={"severity": "info", "base_version": 1}
    )
    assert assert_error(response, 409, "version_conflict")["details"]["server_version"] == 2


def test_closed_visit_refuses_changes_until_reopened(client, joint):
    visit_id = joint["visit"].id
    for status in ("in_progress", "completed", "closed"):
        response = client.post(
            f"/api/visits/{visit_id}/status", headers=joint["coordinator"], json={"status": status}
        )
        assert response.status_code == 200, response.json
    new_finding = {"severity": "minor", "description": "Sent tillägg"}
    response = client.post(
        f"/api/visits/{visit_id}/findings", headers=joint["miljo"], json=new_finding
    )
    assert_error(response, 409, "visit_closed")
    response = client.post(
        f"/api/visits/{visit_id}/status", headers=joint["miljo"], json={"status": "completed"}
    )
    assert_error(response, 403, "forbidden")
    client.post(
        f"/api/visits/{visit_id}/status", headers=joint["coordinator"], json={"status": "completed"}
    )
    response = client.post(
        f"/api/visits/{visit_id}/findings", headers=joint["miljo"], json=new_finding
    )
    assert response.status_code == 201


def test_unknown_question_is_refused_by_name(client, joint):
    visit = joint["visit"]
    response = client.put(
        f"/api/visits/{visit.id}/answers",
        headers=joint["miljo"],
        json={
            "template_version_id": next(
                a.template_version_id for a in visit.assignments if a.agency_code == "miljo"
            ),
            "question_id": "finns-inte",
            "value": "yes",
        },
    )
    assert_error(response, 400, "unknown_question")


def test_unknown_template_version_is_404_by_name(client, joint):
    response = client.put(
        f"/api/visits/{joint['visit'].id}/answers",
        headers=joint["miljo"],
        json={"template_version_id": 999999, "question_id": "ok", "value": "yes"},
    )
    assert_error(response, 404, "unknown_template")
