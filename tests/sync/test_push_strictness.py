"""Strict pushes (issue 13): every malformed mutation is rejected by name, never a 5xx; a
reused device_seq is refused; seq_gap and registration tell the device where it stands."""

import json
import uuid

import pytest
from sqlalchemy import func, select

from otto.changes.models import Conflict
from otto.extensions import db
from otto.inspections.models import Answer, Finding
from tests.conftest import PASSWORD


def outcome(response, index=0):
    assert response.status_code == 200, response.json
    return response.json["results"][index]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"severity": "minor"},  # no description
        {"severity": "minor", "description": "D", "status": "closed"},
        {"severity": "minor", "description": "D", "deleted": False},
        {"severity": "minor", "description": "D", "legal_ref": "x" * 201},
        {"severity": "minor", "description": "D", "question_id": "q" * 81},
        {"severity": "minor", "description": "D", "unknown": 1},
        {"severity": 1, "description": ["D"]},
        {"description": "edit of a finding the server never saw"},
    ],
)
def test_malformed_finding_create_is_rejected_and_the_answer_applied(device, joint_visit, fields):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    batch = [
        tablet.mutation("finding", str(uuid.uuid4()), visit.id, fields),
        tablet.answer(visit, "antal", 4),
    ]
    response = tablet.push(batch)
    assert outcome(response, 0)["status"] == "rejected"
    assert outcome(response, 0)["code"] == "invalid_fields"
    assert outcome(response, 1)["status"] == "applied"
    assert response.json["acked_seq"] == 2
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"device_seq": "1"},
        {"device_seq": 1.5},
        {"device_seq": True},
        {"base_version": "0"},
        {"template_version": 3.5},
        {"id": "not-a-uuid"},
        {"entity_id": "x" * 81},
        {"visit_id": "1"},
        {"fields": []},
        {"client_time": "yesterday"},
    ],
)
def test_wrong_json_types_are_rejected_not_coerced(device, joint_visit, change):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    mutation = tablet.answer(visit, "antal", 4) | change
    result = outcome(tablet.push([mutation]))
    assert result["status"] == "rejected" and result["code"] == "invalid_mutation"
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_non_uuid_finding_ids_are_rejected(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    mutation = tablet.mutation(
        "finding", "f-1", visit.id, {"severity": "minor", "description": "D"}
    )
    assert outcome(tablet.push([mutation]))["code"] == "invalid_mutation"


def test_a_reused_device_seq_is_rejected_not_silently_dropped(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    first = tablet.answer(visit, "antal", 4)
    tablet.push([first])
    reused = tablet.answer(visit, "ok", "yes") | {"device_seq": first["device_seq"]}
    result = outcome(tablet.push([reused]))
    assert result["status"] == "rejected" and result["code"] == "seq_reused"
    tablet.seq -= 1  # that number was never the tablet's to use
    # Inside one batch, too; and a retry replays the refusal.
    a = tablet.answer(visit, "antal", 5, base_version=1)
    b = tablet.answer(visit, "antal", 6, base_version=2)
    b["device_seq"] = a["device_seq"]
    tablet.seq -= 1
    response = tablet.push([a, b])
    assert [r["status"] for r in response.json["results"]] == ["applied", "rejected"]
    again = outcome(tablet.push([b]))
    assert again["status"] == "duplicate" and again["original"]["code"] == "seq_reused"


def test_seq_gap_names_the_first_unacknowledged_seq(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "antal", n) for n in range(3)])
    first, _, third = (tablet.answer(visit, "antal", n) for n in range(3))
    response = tablet.push([first, third])
    assert response.status_code == 409
    assert response.json["details"]["expected_seq"] == 4


def test_registering_again_tells_the_device_its_acked_seq(client, device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "antal", n) for n in range(3)])
    response = client.post(
        "/api/auth/device",
        json={
            "username": miljo.username,
            "password": PASSWORD,
            "device_id": tablet.id,
            "device_name": "Platta",
        },
    )
    assert response.status_code == 201 and response.json["acked_seq"] == 3


def test_the_longest_answer_conflict_key_is_stored(joint_visit):
    visit, _, miljo, _ = joint_visit
    key = f"{visit.id}:{2**31 - 1}:{'q' * 80}"  # the longest question id the schema allows
    db.session.add(
        Conflict(
            visit_id=visit.id,
            entity="answer",
            entity_id=key,
            field="value",
            agency_code="miljo",
            visibility="joint",
            candidates=[],
        )
    )
    db.session.flush()
    assert db.session.scalar(select(Conflict.entity_id)) == key


def test_deep_json_is_refused_with_400(client, device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    deep = "[" * 1000 + "]" * 1000
    body = json.dumps({"device_id": tablet.id, "epoch": tablet.epoch, "mutations": []})
    body = body.replace('"mutations": []', f'"mutations": [], "x": {deep}')
    response = client.post(
        "/api/sync/push", data=body, headers=tablet.headers, content_type="application/json"
    )
    assert response.status_code == 400 and response.json["code"] == "too_deep"
    anonymous = client.post("/api/auth/device", data=deep, content_type="application/json")
    assert anonymous.status_code == 400 and anonymous.json["code"] == "too_deep"


def test_a_condition_nested_deeper_than_64_is_refused():
    from otto.checklists.logic import condition_shape_errors

    condition = {"q": "ok", "op": "eq", "value": "yes"}
    for _ in range(70):
        condition = {"not": condition}
    errors = condition_shape_errors(condition)
    while isinstance(errors, dict):
        errors = errors["not"]
    assert errors == ["Nested deeper than 64 levels."]
