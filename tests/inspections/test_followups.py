"""Follow-ups from findings: the deadline rules (severity, agency, explicit deadline), the due
date following later edits, overdue marking at the deadline, and the coordinator's pages."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections import deadlines, findings, followups
from otto.inspections.models import FollowUp
from tests.conftest import PASSWORD


@pytest.fixture
def setting(make_user, make_visit):
    """A visit with a miljö and a livsmedel inspector and its coordinator."""
    coordinator = make_user(role="coordinator")
    miljo, livsmedel = make_user(agency="miljo"), make_user(agency="livsmedel")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, livsmedel])
    return {"visit": visit, "coordinator": coordinator, "miljo": miljo, "livsmedel": livsmedel}


def actor(user) -> Actor:
    """The user as an actor, attached to the current session (page requests end sessions)."""
    return Actor(db.session.merge(user))


def record(inspector, visit, severity="minor", **fields):
    """Record a finding as the inspector and commit."""
    finding = findings.create_finding(
        Write(actor(inspector)),
        visit_id=visit.id,
        severity=severity,
        description=fields.pop("description", "Skyddsutrustning saknas"),
        **fields,
    )
    db.session.commit()
    return finding


def edit(user, finding, **fields):
    findings.update_finding(Write(actor(user)), finding.id, **fields)
    db.session.commit()


def automatic(finding) -> FollowUp | None:
    query = select(FollowUp).where(FollowUp.finding_id == finding.id, FollowUp.automatic)
    return db.session.scalar(query)


def found_on(finding) -> dt.date:
    return deadlines.local_date(finding.created_at)


# --- deadline rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "kind", "days"),
    [("critical", "revisit", 7), ("major", "revisit", 30), ("minor", "document", 30)],
)
def test_a_finding_gets_a_follow_up_by_its_severity(setting, severity, kind, days):
    finding = record(setting["miljo"], setting["visit"], severity)
    follow_up = automatic(finding)
    assert (follow_up.kind, follow_up.status) == (kind, "open")
    assert follow_up.due_date == found_on(finding) + dt.timedelta(days=days)
    assert (follow_up.agency_code, follow_up.visit_id) == ("miljo", setting["visit"].id)


def test_an_info_finding_needs_no_follow_up(setting):
    finding = record(setting["miljo"], setting["visit"], "info")
    assert db.session.scalar(select(FollowUp).where(FollowUp.finding_id == finding.id)) is None


def test_an_agency_overrides_the_default_rule_for_its_own_findings(app, setting, monkeypatch):
    rules = app.config["FOLLOW_UP_RULES"] | {
        "livsmedel": {"minor": {"kind": "revisit", "days": 14}}
    }
    monkeypatch.setitem(app.config, "FOLLOW_UP_RULES", rules)
    food = record(setting["livsmedel"], setting["visit"], "minor")
    environment = record(setting["miljo"], setting["visit"], "minor")
    assert (automatic(food).kind, automatic(food).due_date) == (
        "revisit",
        found_on(food) + dt.timedelta(days=14),
    )
    assert (automatic(environment).kind, automatic(environment).due_date) == (
        "document",
        found_on(environment) + dt.timedelta(days=30),
    )


def test_agency_overrides_come_from_the_environment_as_json():
    from otto.config import follow_up_rules

    rules = follow_up_rules('{"polis": {"info": {"kind": "document", "days": 5}}}')
    assert deadlines.rule_for(rules, "polis", "info") == {"kind": "document", "days": 5}
    assert deadlines.rule_for(rules, "miljo", "info") is None
    assert deadlines.rule_for(rules, "polis", "critical") == {"kind": "revisit", "days": 7}


def test_the_inspectors_explicit_deadline_wins(setting):
    due = found_on_today() + dt.timedelta(days=3)
    critical = record(setting["miljo"], setting["visit"], "critical", follow_up_due=due)
    info = record(setting["miljo"], setting["visit"], "info", follow_up_due=due)
    assert (automatic(critical).kind, automatic(critical).due_date) == ("revisit", due)
    assert (automatic(info).kind, automatic(info).due_date) == ("document", due)


def found_on_today() -> dt.date:
    return deadlines.local_date(dt.datetime.now(dt.UTC))


def test_the_due_date_follows_edits_of_the_finding_while_open(setting):
    inspector, coordinator = setting["miljo"], setting["coordinator"]
    finding = record(inspector, setting["visit"], "minor")
    day = found_on(finding)
    edit(inspector, finding, severity="critical")
    assert (automatic(finding).kind, automatic(finding).due_date) == (
        "revisit",
        day + dt.timedelta(days=7),
    )
    explicit = day + dt.timedelta(days=60)
    edit(inspector, finding, follow_up_due=explicit)
    assert automatic(finding).due_date == explicit
    edit(inspector, finding, follow_up_due=None, severity="major")
    assert automatic(finding).due_date == day + dt.timedelta(days=30)
    trail = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "follow_up", AuditEvent.entity_id == str(automatic(finding).id))
        .order_by(AuditEvent.id)
    )
    assert [event.action for event in trail] == ["create", "update", "update", "update"]

    # Once the coordinator has it (documents received), edits leave it alone.
    followups.update_follow_up(actor(coordinator), automatic(finding).id, status="received")
    edit(inspector, finding, severity="critical")
    assert automatic(finding).due_date == day + dt.timedelta(days=30)
    assert db.session.scalar(select(func.count()).where(FollowUp.finding_id == finding.id)) == 1


def test_raising_an_info_finding_adds_a_follow_up_and_lowering_it_closes_it(setting):
    inspector = setting["miljo"]
    finding = record(inspector, setting["visit"], "info")
    edit(inspector, finding, severity="major")
    assert automatic(finding).kind == "revisit"
    edit(inspector, finding, severity="info")
    assert automatic(finding).status == "closed"
    assert "kräver inte längre uppföljning" in automatic(finding).note


def test_deleting_a_finding_closes_its_follow_up(setting):
    finding = record(setting["miljo"], setting["visit"], "major")
    findings.delete_finding(Write(actor(setting["miljo"])), finding.id)
    db.session.commit()
    assert automatic(finding).status == "closed"


def test_findings_created_through_the_api_get_their_follow_up(client, setting, token_for):
    response = client.post(
        f"/api/visits/{setting['visit'].id}/findings",
        headers=token_for(setting["miljo"]),
        json={"severity": "critical", "description": "Nödutgång blockerad"},
    )
    assert response.status_code == 201, response.json
    follow_up = db.session.scalar(
        select(FollowUp).where(FollowUp.finding_id == response.json["id"])
    )
    assert follow_up.kind == "revisit" and follow_up.automatic


# --- time ----------------------------------------------------------------------------------


def test_deadlines_are_midnight_swedish_time_also_across_summer_time():
    # Summer time starts on 31 March 2030: the day before ends at 23:00 UTC, that day at 22:00.
    assert deadlines.deadline(dt.date(2030, 3, 30)) == dt.datetime(2030, 3, 30, 23, tzinfo=dt.UTC)
    assert deadlines.deadline(dt.date(2030, 3, 31)) == dt.datetime(2030, 3, 31, 22, tzinfo=dt.UTC)


def test_follow_ups_are_marked_overdue_at_the_deadline_not_a_minute_early(setting):
    due = dt.date(2030, 6, 14)
    finding = record(setting["miljo"], setting["visit"], "minor", follow_up_due=due)
    last_minute = deadlines.local_time(due, 23) + dt.timedelta(minutes=59)
    assert followups.mark_overdue(last_minute) == []
    assert automatic(finding).overdue_since is None
    midnight = deadlines.deadline(due)
    assert [f.id for f in followups.mark_overdue(midnight)] == [automatic(finding).id]
    assert automatic(finding).overdue_since == midnight
    assert followups.mark_overdue(midnight + dt.timedelta(hours=1)) == []  # once
    [event] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "overdue", AuditEvent.entity_id == str(automatic(finding).id)
        )
    )
    assert event.user_id is None  # the system


def test_only_open_follow_ups_become_overdue_and_moving_the_deadline_clears_the_mark(setting):
    coordinator = actor(setting["coordinator"])
    due = dt.date(2030, 6, 14)
    received = record(setting["miljo"], setting["visit"], "minor", follow_up_due=due)
    followups.update_follow_up(coordinator, automatic(received).id, status="received")
    moved = record(setting["miljo"], setting["visit"], "minor", follow_up_due=due)
    after = deadlines.deadline(due)
    assert [f.id for f in followups.mark_overdue(after)] == [automatic(moved).id]
    followups.update_follow_up(coordinator, automatic(moved).id, due_date=dt.date(2030, 7, 1))
    assert automatic(moved).overdue_since is None
    assert followups.mark_overdue(after) == []


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, setting):
    response = client.post(
        "/login", data={"username": setting["coordinator"].username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def count_shown(html: str, key: str) -> int:
    marker = f'data-count="{key}">'
    return int(html.split(marker, 1)[1].split("<", 1)[0])


def test_the_page_counts_match_the_database(signed_in, setting):
    today = found_on_today()
    inspector = setting["miljo"]
    for days in (-20, -2, 0, 1, 40, 90):
        record(inspector, setting["visit"], "minor", follow_up_due=today + dt.timedelta(days=days))
    closed = record(
        inspector, setting["visit"], "minor", follow_up_due=today - dt.timedelta(days=5)
    )
    followups.update_follow_up(actor(setting["coordinator"]), automatic(closed).id, status="closed")
    followups.mark_overdue(dt.datetime.now(dt.UTC))
    db.session.commit()

    html = page(signed_in.get("/uppfoljning"))
    open_ = db.session.scalar(select(func.count()).where(FollowUp.status == "open"))
    overdue = db.session.scalar(
        select(func.count()).where(FollowUp.status == "open", FollowUp.overdue_since.is_not(None))
    )
    sunday = today + dt.timedelta(days=6 - today.weekday())
    week = db.session.scalar(
        select(func.count()).where(
            FollowUp.status == "open", FollowUp.due_date.between(today, sunday)
        )
    )
    assert (open_, overdue) == (6, 2)
    assert count_shown(html, "open") == open_
    assert count_shown(html, "overdue") == overdue
    assert count_shown(html, "week") == week
    overdue_page = page(signed_in.get("/uppfoljning?vy=overdue"))
    assert overdue_page.count("Försenad</span>") == 2


def test_lists_filter_by_agency_and_are_paginated(signed_in, setting):
    due = found_on_today() + dt.timedelta(days=60)
    for _ in range(27):
        record(setting["livsmedel"], setting["visit"], "minor", follow_up_due=due)
    record(setting["miljo"], setting["visit"], "minor", description="Miljöfynd", follow_up_due=due)
    first = page(signed_in.get("/uppfoljning?vy=open&myndighet=livsmedel"))
    assert "Miljöfynd" not in first and count_shown(first, "open") == 27
    assert first.count('id="uppfoljning-') == 25
    second = page(signed_in.get("/uppfoljning?vy=open&myndighet=livsmedel&sida=2"))
    assert second.count('id="uppfoljning-') == 2


def test_the_coordinator_marks_a_follow_up_received_with_a_note(signed_in, setting):
    finding = record(setting["miljo"], setting["visit"], "minor")
    follow_up_id = automatic(finding).id
    response = signed_in.post(
        f"/uppfoljning/{follow_up_id}/status",
        data={"status": "received", "note": "Intyg om rengöring inkom per e-post."},
    )
    assert response.status_code == 302
    follow_up = db.session.get(FollowUp, follow_up_id)
    db.session.refresh(follow_up)
    assert follow_up.status == "received"
    assert follow_up.note.endswith(
        f"{setting['coordinator'].name}: Intyg om rengöring inkom per e-post."
    )
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.entity == "follow_up", AuditEvent.entity_id == str(follow_up_id))
        .order_by(AuditEvent.id.desc())
    )
    assert event.action == "update" and event.after["status"] == "received"
    assert event.user_id == setting["coordinator"].id


def test_an_unknown_status_is_refused_with_a_message(signed_in, setting):
    follow_up_id = automatic(record(setting["miljo"], setting["visit"], "minor")).id
    response = signed_in.post(f"/uppfoljning/{follow_up_id}/status", data={"status": "forgotten"})
    assert response.status_code == 302
    assert db.session.get(FollowUp, follow_up_id).status == "open"
    assert "kunde inte ändras" in page(signed_in.get("/uppfoljning"))


def test_a_revisit_links_to_the_prefilled_planning_form(signed_in, setting):
    visit = setting["visit"]
    record(setting["miljo"], visit, "critical")
    html = page(signed_in.get("/uppfoljning"))
    expected = (
        f"/planering/ny?business_id={visit.business_id}"
        f"&amp;follows_up_visit_id={visit.id}&amp;reason=follow_up"
    )
    assert "Planera återbesök" in html and expected in html


def test_each_follow_up_row_links_to_its_dossier(signed_in, setting):
    visit = setting["visit"]
    name = db.session.merge(visit).business.name
    follow_up_id = automatic(record(setting["miljo"], visit, "minor")).id
    html = page(signed_in.get("/uppfoljning"))
    row = html.split(f'id="uppfoljning-{follow_up_id}"', 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/besok/{visit.id}">{name}</a>' in row


def test_inspectors_may_not_open_the_follow_up_pages(client, setting):
    client.post("/login", data={"username": setting["miljo"].username, "password": PASSWORD})
    assert client.get("/uppfoljning").status_code == 403
