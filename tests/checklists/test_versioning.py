"""Versioning rules: drafts change, published versions never do, visits keep what they pinned,
retired versions leave new plans but stay readable; every write is audited."""

import copy
import datetime as dt
import json

import pytest
from sqlalchemy import select

from otto.audit import AuditEvent
from otto.auth import Actor
from otto.checklists import services
from otto.errors import Conflict, Invalid
from otto.extensions import db
from otto.inspections.visits import plan_visit
from otto.timeutil import utcnow


@pytest.fixture
def actor(coordinator):
    return Actor(coordinator)


def audit_events(version_id):
    query = select(AuditEvent).where(
        AuditEvent.entity == "template_version", AuditEvent.entity_id == str(version_id)
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def with_extra_question(body):
    changed = copy.deepcopy(body)
    changed["sections"][0]["questions"].append(
        {"id": "ny-fraga", "type": "text", "text": "Övriga iakttagelser"}
    )
    return changed


def test_drafts_of_one_template_get_consecutive_version_numbers(actor, make_body):
    first = services.create_draft(actor, make_body())
    second = services.create_draft(actor, make_body())
    assert (first.version, second.version) == (1, 2)
    assert first.template is second.template
    assert first.status == second.status == "draft"


def test_updating_a_draft_replaces_its_body_and_audits_before_and_after(actor, make_body):
    draft = services.create_draft(actor, make_body())
    services.update_draft(actor, draft.id, with_extra_question(make_body()))
    assert draft.body["sections"][0]["questions"][-1]["id"] == "ny-fraga"
    create, update = audit_events(draft.id)
    assert (create.action, update.action) == ("create", "update")
    assert create.user_id == actor.user.id
    assert len(update.before["body"]["sections"][0]["questions"]) == 3
    assert len(update.after["body"]["sections"][0]["questions"]) == 4


@pytest.mark.parametrize("change", ["update", "publish"])
def test_a_published_version_never_changes(actor, make_body, change):
    version = services.publish(actor, services.create_draft(actor, make_body()).id)
    with pytest.raises(Conflict) as raised:
        if change == "update":
            services.update_draft(actor, version.id, with_extra_question(make_body()))
        else:
            services.publish(actor, version.id)
    assert raised.value.code == "not_a_draft"
    assert len(version.body["sections"][0]["questions"]) == 3


def test_a_draft_keeps_its_template_key_and_agency(actor, make_body):
    draft = services.create_draft(actor, make_body())
    with pytest.raises(Invalid) as raised:
        services.update_draft(actor, draft.id, make_body(key="annan-mall", agency="brand"))
    assert raised.value.code == "invalid_template"
    assert set(raised.value.details) == {"key", "agency"}


def test_publishing_freezes_the_version_and_gives_the_template_its_title(actor, make_body):
    draft = services.create_draft(actor, make_body())
    services.create_draft(actor, make_body(title="Ny titel i utkast"))
    assert draft.template.title == "Hygienisk verksamhet"
    later = services.create_draft(actor, make_body(title="Hygien, reviderad"))
    services.publish(actor, later.id)
    assert later.status == "published" and later.published_at is not None
    assert later.template.title == "Hygien, reviderad"
    assert [event.action for event in audit_events(later.id)] == ["create", "publish"]


def test_a_visit_keeps_its_pinned_version_when_a_newer_one_is_published(
    actor, make_visit, template_version
):
    visit = make_visit(agencies=["miljo"])
    pinned = template_version("miljo")
    assert visit.assignments[0].template_version_id == pinned.id
    draft = services.new_draft(actor, pinned.template_id)
    services.update_draft(actor, draft.id, with_extra_question(pinned.body))
    newer = services.publish(actor, draft.id, note="  Ny fråga om övriga iakttagelser.  ")
    db.session.commit()
    db.session.expire_all()
    assert newer.version == pinned.version + 1
    assert newer.publish_note == "Ny fråga om övriga iakttagelser."
    assert audit_events(newer.id)[-1].after["publish_note"] == newer.publish_note
    assert visit.assignments[0].template_version_id == pinned.id
    assert services.get_version(pinned.id).status == "published"
    assert "ny-fraga" not in services.question_index(services.get_version(pinned.id))
    # The next visit may pin the new version; the first keeps its own.
    later = make_visit(agencies=["miljo"], participants=[
        {"user_id": visit.assignments[0].user_id, "template_version_ids": [newer.id]}
    ])  # fmt: skip
    assert later.assignments[0].template_version_id == newer.id
    db.session.expire_all()
    assert visit.assignments[0].template_version_id == pinned.id


@pytest.mark.parametrize(("note", "stored"), [(None, None), ("", None), ("   ", None)])
def test_a_blank_publish_note_is_no_note(actor, make_body, note, stored):
    version = services.publish(actor, services.create_draft(actor, make_body()).id, note=note)
    assert version.publish_note is stored


def test_a_retired_version_leaves_new_plans_but_stays_readable(
    actor, make_visit, make_business, make_user, template_version
):
    visit = make_visit(agencies=["miljo"])
    pinned = template_version("miljo")
    services.retire(actor, pinned.id)
    assert pinned.status == "retired" and pinned.retired_at is not None
    assert pinned not in services.plannable_versions("miljo")
    assert services.get_version(pinned.id).body["title"] == "Testmall"
    assert visit.assignments[0].template_version_id == pinned.id
    start = utcnow() + dt.timedelta(days=1)
    with pytest.raises(Invalid) as raised:
        plan_visit(
            actor,
            business_id=make_business().id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=1),
            participants=[
                {"user_id": make_user(agency="miljo").id, "template_version_ids": [pinned.id]}
            ],
        )
    assert "participants[0].template_version_ids" in raised.value.details


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_only_a_published_version_can_be_retired(actor, make_body, status):
    version = services.create_draft(actor, make_body())
    if status == "retired":
        services.retire(actor, services.publish(actor, version.id).id)
    with pytest.raises(Conflict) as raised:
        services.retire(actor, version.id)
    assert raised.value.code == "not_published"


def test_plannable_versions_are_the_published_ones_of_an_agency(actor, make_body):
    published = services.publish(actor, services.create_draft(actor, make_body()).id)
    services.create_draft(actor, make_body())
    brand_draft = services.create_draft(actor, make_body(key="brandmall", agency="brand"))
    other = services.publish(actor, brand_draft.id)
    assert services.plannable_versions("miljo") == [published]
    assert {published, other} <= set(services.plannable_versions())


def test_a_new_draft_copies_the_latest_version_and_waits_for_it_to_be_finished(actor, make_body):
    published = services.publish(actor, services.create_draft(actor, make_body()).id)
    draft = services.new_draft(actor, published.template_id)
    assert draft.version == 2 and draft.body == published.body
    with pytest.raises(Conflict) as raised:
        services.new_draft(actor, published.template_id)
    assert raised.value.code == "draft_exists"
    assert raised.value.details == {"draft_id": draft.id}


def test_listing_filters_templates_and_their_versions(actor, make_body):
    services.publish(actor, services.create_draft(actor, make_body()).id)
    services.create_draft(actor, make_body())
    services.create_draft(actor, make_body(key="brandmall", agency="brand"))
    listed = {
        listing.template.key: [v.version for v in listing.versions]
        for listing in services.list_templates(agency="miljo")
    }
    assert listed == {"hygien-test": [1, 2]}
    drafts = services.list_templates(status="draft")
    assert {listing.template.key for listing in drafts} >= {"hygien-test", "brandmall"}
    assert all(v.status == "draft" for listing in drafts for v in listing.versions)


def test_installing_a_template_twice_keeps_one_version(make_body):
    first = services.install_template(make_body())
    assert services.install_template(make_body()) is first
    assert first.status == "published"
    assert [event.user_id for event in audit_events(first.id)] == [None, None]


def test_an_imported_file_becomes_a_draft_audited_as_an_import(actor, make_body):
    draft = services.import_json(actor, json.dumps(make_body()).encode())
    assert draft.status == "draft" and draft.body == make_body()
    assert [event.action for event in audit_events(draft.id)] == ["import"]
    with pytest.raises(Invalid) as raised:
        services.import_json(actor, b"\xff{")
    assert raised.value.code == "malformed_json"
