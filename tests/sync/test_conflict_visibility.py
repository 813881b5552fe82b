"""Conflicts follow their row's current visibility at every read path (issue 13)."""

import json
import uuid

from otto.changes.models import Conflict
from otto.extensions import db


def _conflict_texts(changes):
    return json.dumps([c for c in changes if c["entity"] == "conflict"])


def _joint_answer_conflict(device, visit, polis):
    """Two polis tablets edit one joint answer from the same base: a conflict."""
    a, b = device(polis), device(polis)
    first = a.answer(visit, "antal", 3, base_version=0)
    first["fields"]["visibility"] = "joint"
    a.push([first])
    second = b.answer(visit, "antal", 4, base_version=0)
    second["fields"]["note"] = "HEMLIG-B"
    assert b.push([second]).json["results"][0]["status"] == "conflict"
    return a, b


def test_answer_conflict_made_agency_only_leaves_other_agency(client, device, joint_visit):
    visit, _, miljo, polis = joint_visit
    a, b = _joint_answer_conflict(device, visit, polis)
    observer = device(miljo)
    _, cursor = observer.pull_all()
    assert '"value": 4' in _conflict_texts(observer.pull_all()[0])  # joint: seen
    flip = a.answer(visit, "antal", 3, base_version=99)
    flip["fields"]["visibility"] = "agency"
    a.push([flip])
    stale = b.answer(visit, "antal", 777123, base_version=0)
    assert b.push([stale]).json["results"][0]["status"] == "conflict"
    [conflict] = db.session.query(Conflict).all()
    assert conflict.visibility == "agency"
    incremental = observer.pull_all(cursor)[0]
    assert "777123" not in json.dumps(incremental)
    assert {c["id"]: c.get("deleted") for c in incremental if c["entity"] == "conflict"} == {
        str(conflict.id): True
    }
    assert "777123" not in json.dumps(observer.pull_all()[0])
    listed = client.get(f"/api/visits/{visit.id}/conflicts", headers=observer.headers)
    assert listed.status_code == 200 and listed.json == []
    # The polis tablets still see it; made joint again, it comes back for miljö.
    assert "777123" in _conflict_texts(a.pull_all()[0])
    back = a.answer(visit, "antal", 777123, base_version=99)
    back["fields"]["visibility"] = "joint"
    a.push([back])
    assert "777123" in _conflict_texts(observer.pull_all(cursor)[0])


def test_stale_write_that_flips_and_edits_at_once_hides_its_conflict(client, device, joint_visit):
    visit, _, miljo, polis = joint_visit
    a, b = device(polis), device(polis)
    finding_id = str(uuid.uuid4())
    create = a.mutation(
        "finding",
        finding_id,
        visit.id,
        {"severity": "minor", "description": "Gemensam", "visibility": "joint"},
    )
    assert a.push([create]).json["results"][0]["status"] == "applied"
    a.push([a.mutation("finding", finding_id, visit.id, {"description": "Ändrad"}, base_version=1)])
    stale = b.mutation(
        "finding",
        finding_id,
        visit.id,
        {"description": "HEMLIG-TEXT", "visibility": "agency"},
        base_version=1,
    )
    assert b.push([stale]).json["results"][0]["status"] == "conflict"
    observer = device(miljo)
    assert "HEMLIG-TEXT" not in json.dumps(observer.pull_all()[0])
    listed = client.get(f"/api/visits/{visit.id}/conflicts", headers=observer.headers)
    assert listed.json == []
    own = client.get(f"/api/visits/{visit.id}/conflicts", headers=a.headers)
    assert "HEMLIG-TEXT" in json.dumps(own.json)
