"""Resolving a conflict from the tablet: the push entity `conflict_resolution`."""

from sqlalchemy import select

from otto.audit import AuditEvent
from otto.changes.models import Conflict
from otto.extensions import db
from tests.sync.test_push import stored_answer


def results(response):
    assert response.status_code == 200, response.json
    return response.json["results"]


def make_conflict(device, visit, miljo):
    """Two miljö tablets answer one question differently: (tablet a, tablet b, conflict)."""
    tablet_a, tablet_b = device(miljo), device(miljo)
    tablet_a.push([tablet_a.answer(visit, "antal", 3, base_version=0)])
    tablet_b.push([tablet_b.answer(visit, "antal", 5, base_version=0)])
    return tablet_a, tablet_b, db.session.scalar(select(Conflict))


def resolution(tablet, visit, conflict, fields):
    return tablet.mutation("conflict_resolution", str(conflict.id), visit.id, fields)


def test_owning_agency_inspector_resolves_on_the_tablet_audited_and_pulled(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b, conflict = make_conflict(device, visit, miljo)
    [result] = results(tablet_a.push([resolution(tablet_a, visit, conflict, {"candidate": 0})]))
    assert result["status"] == "applied"
    db.session.expire_all()
    assert conflict.status == "resolved"
    assert stored_answer(visit, "antal").value == 3
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "resolve", AuditEvent.entity == "conflict")
    )
    assert event.user_id == miljo.id and event.after["candidate"] == 0
    changes, _ = tablet_b.pull_all()
    [entry] = [c for c in changes if c["entity"] == "conflict"]
    assert entry["data"]["status"] == "resolved"


def test_a_new_value_resolves_too(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet_a, _, conflict = make_conflict(device, visit, miljo)
    [result] = results(tablet_a.push([resolution(tablet_a, visit, conflict, {"value": 4})]))
    assert result["status"] == "applied"
    assert stored_answer(visit, "antal").value == 4


def test_another_agency_may_not_resolve_and_learns_nothing(device, joint_visit):
    visit, _, miljo, polis = joint_visit
    _, _, conflict = make_conflict(device, visit, miljo)
    police = device(polis)
    [refused] = results(police.push([resolution(police, visit, conflict, {"candidate": 1})]))
    missing = conflict.id + 1000
    fake = police.mutation("conflict_resolution", str(missing), visit.id, {"candidate": 0})
    [unknown] = results(police.push([fake]))
    assert refused["status"] == unknown["status"] == "rejected"
    assert refused["code"] == unknown["code"] == "forbidden"
    assert refused["message"] == unknown["message"]
    db.session.expire_all()
    assert conflict.status == "open"


def test_malformed_or_repeated_resolutions_are_refused_by_name(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet_a, tablet_b, conflict = make_conflict(device, visit, miljo)
    both = resolution(tablet_a, visit, conflict, {"candidate": 0, "value": 1})
    neither = resolution(tablet_a, visit, conflict, {})
    out_of_range = resolution(tablet_a, visit, conflict, {"candidate": 7})
    not_an_id = tablet_a.mutation("conflict_resolution", "abc", visit.id, {"candidate": 0})
    outcomes = results(tablet_a.push([both, neither, out_of_range, not_an_id]))
    assert [o["code"] for o in outcomes] == [
        "invalid_fields",
        "invalid_fields",
        "invalid",
        "invalid_mutation",  # the envelope: a conflict is named by its id
    ]
    results(tablet_a.push([resolution(tablet_a, visit, conflict, {"candidate": 1})]))
    [again] = results(tablet_b.push([resolution(tablet_b, visit, conflict, {"candidate": 0})]))
    assert again["code"] == "already_resolved"
    assert stored_answer(visit, "antal").value == 5
