"""Every change to a visit, answer, finding, follow-up, user or device writes an audit event
in the same transaction, naming who and which device; a refused change writes none."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from otto.audit import AuditEvent
from otto.extensions import db


def events(entity, entity_id=None):
    query = select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    return list(db.session.scalars(query))


def event_count():
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def setting(make_user, make_visit, token_for):
    """A coordinator and a miljö inspector with devices, on one planned visit."""
    coordinator = make_user(role="coordinator")
    inspector = make_user(agency="miljo")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector])
    version_id = visit.assignments[0].template_version_id
    return {
        "visit_id": visit.id,
        "version_id": version_id,
        "inspector": inspector,
        "coordinator_headers": token_for(coordinator),
        "inspector_headers": token_for(inspector),
    }


def test_user_creation_is_audited_without_the_password(make_user):
    user = make_user(role="coordinator")
    [event] = events("user", user.id)
    assert event.action == "create"
    assert event.after["username"] == user.username
    assert "password" not in str(event.after) and "hash" not in str(event.after)


def test_device_registration_and_revocation_are_audited(client, make_user, token_for):
    user = make_user()
    device_id = str(uuid.uuid4())
    headers = token_for(user, device_id=device_id)
    client.post(f"/api/devices/{device_id}/revoke", headers=headers)
    actions = [(e.action, e.user_id, e.device_id) for e in events("device", device_id)]
    assert actions == [("register", user.id, device_id), ("revoke", user.id, device_id)]


def test_visit_planning_edit_and_status_are_audited(client, setting):
    visit_id = setting["visit_id"]
    response = client.patch(
        f"/api/visits/{visit_id}",
        headers=setting["coordinator_headers"],
        json={"case_number": "MHN 2026-0042"},
    )
    assert response.status_code == 200, response.json
    client.post(
        f"/api/visits/{visit_id}/status",
        headers=setting["inspector_headers"],
        json={"status": "in_progress"},
    )
    trail = events("visit", visit_id)
    assert [e.action for e in trail] == ["create", "update", "status"]
    assert trail[1].before == {"case_number": ""}
    assert trail[1].after == {"case_number": "MHN 2026-0042"}
    assert trail[2].after == {"status": "in_progress"}
    assert trail[2].user_id == setting["inspector"].id and trail[2].device_id


def test_answer_changes_are_audited_with_before_and_after(client, setting):
    url = f"/api/visits/{setting['visit_id']}/answers"
    body = {"template_version_id": setting["version_id"], "question_id": "ok", "value": "yes"}
    first = client.put(url, headers=setting["inspector_headers"], json=body)
    assert first.status_code == 200, first.json
    client.put(url, headers=setting["inspector_headers"], json=body | {"value": "no"})
    trail = events("answer", first.json["id"])
    assert [e.action for e in trail] == ["create", "update"]
    assert trail[1].before["value"] == "yes" and trail[1].after["value"] == "no"


def test_finding_create_update_delete_are_audited(client, setting):
    headers = setting["inspector_headers"]
    created = client.post(
        f"/api/visits/{setting['visit_id']}/findings",
        headers=headers,
        json={"severity": "major", "description": "Kemikalier förvaras utan invallning"},
    )
    assert created.status_code == 201, created.json
    finding_id = created.json["id"]
    client.patch(f"/api/findings/{finding_id}", headers=headers, json={"severity": "critical"})
    client.delete(f"/api/findings/{finding_id}", headers=headers)
    trail = events("finding", finding_id)
    assert [e.action for e in trail] == ["create", "update", "delete"]
    assert trail[1].after == {"severity": "critical"}
    assert trail[2].after == {"deleted": True}


def test_follow_up_create_and_update_are_audited(client, setting):
    headers = setting["inspector_headers"]
    finding = client.post(
        f"/api/visits/{setting['visit_id']}/findings",
        headers=headers,
        json={"severity": "minor", "description": "Säkerhetsdatablad saknas"},
    ).json
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    created = client.post(
        "/api/follow-ups",
        headers=headers,
        json={"finding_id": finding["id"], "kind": "document", "due_date": due},
    )
    assert created.status_code == 201, created.json
    client.patch(
        f"/api/follow-ups/{created.json['id']}", headers=headers, json={"status": "received"}
    )
    trail = events("follow_up", created.json["id"])
    assert [e.action for e in trail] == ["create", "update"]
    assert trail[1].after == {"status": "received"}


def test_refused_answer_writes_nothing(client, setting):
    before = event_count()
    response = client.put(
        f"/api/visits/{setting['visit_id']}/answers",
        headers=setting["inspector_headers"],
        json={"template_version_id": setting["version_id"], "question_id": "ok", "value": 7},
    )
    assert response.status_code == 400
    assert response.json["details"]["value"]
    assert event_count() == before
