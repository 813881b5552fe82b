"""Every field that can conflict can be resolved, by API and by the dossier page (issue 13)."""

import uuid

import pytest
from sqlalchemy import select

from otto.changes.models import Conflict
from otto.extensions import db
from otto.inspections.models import Answer, Finding


def _answer_conflict(device, visit, user, field, first, second):
    a, b = device(user), device(user)
    a.push([a.answer(visit, "antal", 3, base_version=0)])
    one = a.answer(visit, "antal", 3, base_version=1)
    one["fields"][field] = first
    a.push([one])
    two = b.answer(visit, "antal", 3, base_version=1)
    two["fields"][field] = second
    assert b.push([two]).json["results"][0]["status"] == "conflict"
    return db.session.scalar(select(Conflict).where(Conflict.field == field))


@pytest.mark.parametrize(
    "field, first, second", [("note", "Första", "Andra"), ("visibility", "agency", "joint")]
)
def test_answer_note_and_visibility_conflicts_resolve_by_api(
    client, device, joint_visit, token_for, field, first, second
):
    visit, coordinator, miljo, _ = joint_visit
    conflict = _answer_conflict(device, visit, miljo, field, first, second)
    headers = token_for(coordinator)
    response = client.post(
        f"/api/conflicts/{conflict.id}/resolve", headers=headers, json={"candidate": 0}
    )
    assert response.status_code == 200, response.json
    answer = db.session.scalar(select(Answer).where(Answer.question_id == "antal"))
    assert getattr(answer, field) == first and answer.value == 3
    assert response.json["status"] == "resolved"


def test_a_value_of_the_wrong_type_is_refused_with_400(client, device, joint_visit, token_for):
    visit, coordinator, miljo, _ = joint_visit
    conflict = _answer_conflict(device, visit, miljo, "note", "a", "b")
    response = client.post(
        f"/api/conflicts/{conflict.id}/resolve",
        headers=token_for(coordinator),
        json={"value": {"nested": [1]}},
    )
    assert response.status_code == 400, response.json


@pytest.mark.parametrize(
    "field, first, second",
    [
        ("severity", "minor", "major"),
        ("legal_ref", "1 §", "2 §"),
        ("question_id", "ok", "antal"),
        ("follow_up_due", "2027-01-10", "2027-02-10"),
        ("status", "corrected", "closed"),
        ("visibility", "agency", "joint"),
    ],
)
def test_every_finding_field_resolves_by_the_dossier_form(
    client, device, joint_visit, login, field, first, second
):
    visit, coordinator, miljo, _ = joint_visit
    a, b = device(miljo), device(miljo)
    finding_id = str(uuid.uuid4())
    a.push([a.mutation("finding", finding_id, visit.id, {"severity": "info", "description": "D"})])
    a.push([a.mutation("finding", finding_id, visit.id, {field: first}, base_version=1)])
    stale = b.mutation("finding", finding_id, visit.id, {field: second}, base_version=1)
    assert b.push([stale]).json["results"][0]["status"] == "conflict", stale
    conflict = db.session.scalar(select(Conflict).where(Conflict.field == field))
    login(coordinator)
    response = client.post(f"/besok/{visit.id}/konflikter/{conflict.id}", data={"choice": "0"})
    assert response.status_code == 302, response.data[:500]
    finding = db.session.get(Finding, finding_id)
    db.session.refresh(finding)
    assert str(getattr(finding, field)) == first
    assert db.session.get(Conflict, conflict.id).status == "resolved"


def test_a_typed_note_that_looks_like_a_number_stays_text(client, device, joint_visit, login):
    visit, coordinator, miljo, _ = joint_visit
    conflict = _answer_conflict(device, visit, miljo, "note", "a", "b")
    login(coordinator)
    response = client.post(
        f"/besok/{visit.id}/konflikter/{conflict.id}", data={"choice": "value", "value": "123"}
    )
    assert response.status_code == 302
    answer = db.session.scalar(select(Answer).where(Answer.question_id == "antal"))
    db.session.refresh(answer)
    assert answer.note == "123"
