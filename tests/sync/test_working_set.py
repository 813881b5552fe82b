"""The working set: a device holds the visits its user needs now, not their history.

Planned, ongoing and completed visits, and closed ones for WORKING_SET_DAYS; a visit that
leaves (archived, or its inspector taken off) reaches the device as an eviction (a visit
tombstone), and a reopened visit comes back with everything it holds.
"""

import datetime as dt

from otto.auth import Actor
from otto.extensions import db
from otto.inspections import tasks
from otto.inspections.visits import set_participants, set_visit_status
from otto.timeutil import utcnow
from tests.sync.test_pull import by_entity
from tests.test_errors import assert_error

FID = "7c0e55a1-3b0f-4a55-9d43-2d3c1f0b9e11"


def close(visit, coordinator):
    for status in ("in_progress", "completed", "closed"):
        set_visit_status(Actor(coordinator), visit.id, status)
    db.session.commit()


def archive(days_later=15):
    """Run the archiving job as if `days_later` days had passed."""
    return tasks.archive_ended_visits(utcnow() + dt.timedelta(days=days_later))


def finding(tablet, visit, fid=FID):
    fields = {"severity": "minor", "description": "Brandfilt saknas"}
    return tablet.mutation("finding", fid, visit.id, fields, base_version=0)


def test_bootstrap_carries_only_the_working_set(device, joint_visit, make_visit):
    visit, coordinator, miljo, _ = joint_visit
    old = make_visit(coordinator=coordinator, inspectors=[miljo])
    tablet = device(miljo)
    tablet.push([tablet.answer(old, "ok", "yes"), finding(tablet, old)])
    close(old, coordinator)
    tablet.push([tablet.answer(visit, "ok", "no")])
    assert archive() == 1

    changes, _ = device(miljo).pull_all()
    assert list(by_entity(changes, "visit")) == [visit.id]
    assert {c["data"]["visit_id"] for c in changes if c["entity"] == "answer"} == {visit.id}
    assert FID not in by_entity(changes, "finding")


def test_closed_visit_stays_for_the_window_then_is_evicted(device, joint_visit):
    visit, coordinator, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "ok", "yes")])
    _, cursor = tablet.pull_all()
    close(visit, coordinator)
    changes, cursor = tablet.pull_all(cursor)
    assert by_entity(changes, "visit")[visit.id]["data"]["status"] == "closed"
    assert archive(days_later=13) == 0  # still inside the 14 days
    assert by_entity(device(miljo).pull_all()[0], "visit")  # a new tablet still gets it

    assert archive(days_later=15) == 1
    changes, _ = tablet.pull_all(cursor)
    assert by_entity(changes, "visit")[visit.id]["deleted"] is True  # the eviction
    assert device(miljo).pull_all()[0] == [
        c for c in device(miljo).pull_all()[0] if c["entity"] == "template_version"
    ]


def test_reopened_visit_comes_back_with_its_items(device, joint_visit):
    visit, coordinator, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "ok", "yes"), finding(tablet, visit)])
    close(visit, coordinator)
    archive()
    _, cursor = tablet.pull_all()

    set_visit_status(Actor(coordinator), visit.id, "completed")  # reopened
    db.session.commit()
    changes, _ = tablet.pull_all(cursor)
    assert by_entity(changes, "visit")[visit.id]["data"]["status"] == "completed"
    assert by_entity(changes, "finding")[FID]["data"]["description"] == "Brandfilt saknas"
    assert [c["data"]["value"] for c in changes if c["entity"] == "answer"] == ["yes"]


def test_inspector_taken_off_a_visit_loses_it(device, joint_visit, template_version):
    visit, coordinator, miljo, polis = joint_visit
    police_tablet = device(polis)
    police_tablet.push([finding(police_tablet, visit)])
    _, cursor = police_tablet.pull_all()
    keep = [{"user_id": miljo.id, "template_version_ids": [template_version("miljo").id]}]
    set_participants(Actor(coordinator), visit.id, keep)
    db.session.commit()
    changes, _ = police_tablet.pull_all(cursor)
    assert by_entity(changes, "visit")[visit.id]["deleted"] is True
    assert not by_entity(device(polis).pull_all()[0], "visit")


def test_bootstrap_sends_each_item_once_in_its_current_state(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    for value in ("yes", "no", "yes"):
        tablet.push([tablet.answer(visit, "ok", value)])
        tablet.pull_all()
    changes, _ = device(miljo).pull_all(limit=1)
    answers = [c for c in changes if c["entity"] == "answer"]
    assert [a["data"]["value"] for a in answers] == ["yes"]


def test_a_bootstrap_in_pages_goes_on_with_what_was_written_meanwhile(device, joint_visit):
    visit, _, miljo, _ = joint_visit
    tablet = device(miljo)
    tablet.push([tablet.answer(visit, "ok", "yes"), tablet.answer(visit, "antal", 1)])
    first = tablet.pull("0", limit=1).json
    assert first["has_more"] is True
    tablet.push([tablet.answer(visit, "antal", 2, base_version=1)])  # during the bootstrap
    rest, _ = tablet.pull_all(first["next_cursor"], limit=1)
    values = [c["data"]["value"] for c in first["changes"] + rest if c["entity"] == "answer"]
    assert values[-1] == 2 and "yes" in values


def test_a_malformed_cursor_is_refused(device, joint_visit):
    _, _, miljo, _ = joint_visit
    tablet = device(miljo)
    epoch = tablet.pull().json["next_cursor"].partition(":")[0]
    for cursor in (f"{epoch}:1:2:3", f"{epoch}:x", f"{epoch}:1:²"):
        assert_error(tablet.pull(cursor), 400, "invalid")


def test_closed_visits_a_device_no_longer_holds_are_listed_online(
    client, joint_visit, make_visit, token_for
):
    visit, coordinator, miljo, polis = joint_visit
    others = make_visit(coordinator=coordinator, inspectors=[polis])
    close(visit, coordinator)
    close(others, coordinator)
    headers = token_for(miljo)
    assert client.get("/api/archived-visits", headers=headers).json == []
    archive()
    listed = client.get("/api/archived-visits", headers=headers).json
    assert [v["id"] for v in listed] == [visit.id]
    assert listed[0]["status"] == "closed" and listed[0]["ended_at"]
