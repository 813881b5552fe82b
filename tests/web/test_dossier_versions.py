"""A visit keeps the checklist version it was planned with when a newer one is published; the
dossier flags the answers to questions that the newer version removed."""

import copy

from otto.auth import Actor
from otto.changes.merge import Write
from otto.checklists import services
from otto.extensions import db
from otto.inspections import answers, visits
from otto.inspections.dossier import load_dossier
from tests.web.conftest import text


def publish_without_antal(coordinator, version):
    """Publish the next version of the template, without the question 'antal'."""
    body = copy.deepcopy(version.body)
    body["sections"][0]["questions"] = [
        q for q in body["sections"][0]["questions"] if q["id"] != "antal"
    ]
    draft = services.new_draft(Actor(coordinator), version.template_id)
    services.update_draft(Actor(coordinator), draft.id, body)
    newer = services.publish(Actor(coordinator), draft.id)
    db.session.commit()
    return newer


def answer(user, visit, version_id, question_id, value):
    answers.set_answer(
        Write(Actor(user)),
        visit_id=visit.id,
        template_version_id=version_id,
        question_id=question_id,
        value=value,
    )
    db.session.commit()


def test_an_answer_to_a_question_the_newer_version_removed_is_flagged(
    client, login, make_user, make_visit, coordinator
):
    inspector = make_user(agency="miljo", name="Maria Öberg")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector])
    pinned = visit.assignments[0].template_version
    answer(inspector, visit, pinned.id, "antal", 7)
    answer(inspector, visit, pinned.id, "ok", "yes")
    newer = publish_without_antal(coordinator, pinned)

    dossier = load_dossier(coordinator, visit.id)
    [checklist] = dossier.checklists
    assert checklist.version.id == pinned.id  # the visit kept its version
    assert checklist.newer.id == newer.id and checklist.removed == {"antal"}
    login(coordinator)
    body = text(client.get(f"/besok/{visit.id}"))
    assert 'Antal anställda <span class="badge">borttagen i version 2</span>' in body
    assert "Är allt i ordning? <span" not in body  # kept questions carry no flag


def test_a_tablet_answering_the_old_version_after_the_plan_moved_on_is_flagged(
    make_user, make_visit, coordinator
):
    inspector = make_user(agency="miljo")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector])
    old = visit.assignments[0].template_version
    newer = publish_without_antal(coordinator, old)
    visits.set_participants(
        Actor(coordinator),
        visit.id,
        [{"user_id": inspector.id, "template_version_ids": [newer.id]}],
    )
    db.session.commit()
    answer(inspector, visit, old.id, "antal", 3)  # synced late from a tablet with the old plan

    by_version = {c.version.id: c for c in load_dossier(coordinator, visit.id).checklists}
    assert set(by_version) == {old.id, newer.id}
    assert by_version[old.id].removed == {"antal"}
    assert by_version[newer.id].newer is None and by_version[newer.id].removed == set()


def test_nothing_is_flagged_when_no_newer_version_exists(make_user, make_visit, coordinator):
    inspector = make_user(agency="miljo")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector])
    answer(inspector, visit, visit.assignments[0].template_version_id, "antal", 2)
    [checklist] = load_dossier(coordinator, visit.id).checklists
    assert checklist.newer is None and checklist.removed == set()
