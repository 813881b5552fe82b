"""E-mail delivery: a mail the SMTP server was not there for is tried again with growing
waits and then listed as failed for admins; mail leaves only in office hours."""

import datetime as dt

import pytest
from sqlalchemy import select

from otto.audit import AuditEvent
from otto.extensions import db
from otto.inspections import tasks
from otto.inspections.models import FollowUp, ReminderSent
from tests import test_scheduler
from tests.test_scheduler import DUE, at

due_follow_up = test_scheduler.due_follow_up  # the fixture, shared


def records(follow_up) -> list[ReminderSent]:
    query = select(ReminderSent).where(ReminderSent.follow_up_id == follow_up.id)
    return list(db.session.scalars(query.order_by(ReminderSent.id)))


@pytest.fixture
def smtp_down(app, mailbox, monkeypatch):
    """Switch the SMTP server off (nothing listens on port 1) and on again."""
    port = app.config["SMTP_PORT"]

    def switch(down: bool):
        monkeypatch.setitem(app.config, "SMTP_PORT", 1 if down else port)

    return switch


def test_a_mail_that_found_no_smtp_server_is_retried_with_backoff(
    smtp_down, mailbox, due_follow_up
):
    follow_up, _, _ = due_follow_up
    smtp_down(True)
    assert tasks.send_reminders(at(DUE, 7))["failed"] == 2
    assert {(r.status, r.attempts, r.next_attempt_at) for r in records(follow_up)} == {
        ("retry", 1, at(DUE, 7, 15))
    }
    assert tasks.retry_mail(at(DUE, 7, 14)) == {"sent": 0, "failed": 0, "dropped": 0}
    assert tasks.retry_mail(at(DUE, 7, 15))["failed"] == 2  # still down: wait doubles
    assert {(r.attempts, r.next_attempt_at) for r in records(follow_up)} == {(2, at(DUE, 7, 45))}

    smtp_down(False)
    assert tasks.send_reminders(at(DUE, 7, 30))["sent"] == 0  # claimed already: not twice
    assert tasks.retry_mail(at(DUE, 7, 45)) == {"sent": 2, "failed": 0, "dropped": 0}
    assert sorted(message["To"] for message in mailbox) == ["ivan@brand.se", "sara@kommun.se"]
    assert {(r.status, r.attempts) for r in records(follow_up)} == {("sent", 3)}
    assert db.session.get(FollowUp, follow_up.id).reminders_sent == 2
    assert tasks.retry_mail(at(DUE, 9)) == {"sent": 0, "failed": 0, "dropped": 0}


def test_a_mail_is_given_up_after_the_last_attempt_and_shown_to_admins(
    app, smtp_down, due_follow_up, monkeypatch, make_user, login
):
    follow_up, _, _ = due_follow_up
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    smtp_down(True)
    tasks.send_reminders(at(DUE, 7))
    tasks.retry_mail(at(DUE, 8))
    assert {(r.status, r.attempts) for r in records(follow_up)} == {("failed", 2)}
    audited = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "mail_failed", AuditEvent.entity_id == str(follow_up.id)
        )
    )
    assert len(list(audited)) == 2

    page = login(make_user(role="admin")).get("/admin/e-post")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count("Påminnelse på dagen") == 2 and "Misslyckades" in text
    assert "ConnectionRefusedError" in text


def test_only_admins_see_undelivered_mail(make_user, login):
    assert login(make_user(role="coordinator")).get("/admin/e-post").status_code == 403


def test_a_retry_of_a_follow_up_dealt_with_meanwhile_is_dropped(smtp_down, mailbox, due_follow_up):
    follow_up, _, _ = due_follow_up
    smtp_down(True)
    tasks.send_reminders(at(DUE, 7))
    db.session.get(FollowUp, follow_up.id).status = "closed"
    db.session.commit()
    smtp_down(False)
    assert tasks.retry_mail(at(DUE, 8)) == {"sent": 0, "failed": 0, "dropped": 2}
    assert mailbox == []


def test_reminders_wait_for_office_hours(mailbox, due_follow_up):
    # The "before" window runs from Tuesday 07:00 to Friday 07:00, through the nights.
    thursday = DUE - dt.timedelta(days=1)
    assert tasks.send_reminders(at(thursday, 23, 30)) == {
        "sent": 0,
        "failed": 0,
        "skipped": 0,
        "outside_office_hours": 2,
    }
    assert tasks.send_reminders(at(DUE, 0, 18))["outside_office_hours"] == 2
    assert mailbox == []
    assert tasks.send_reminders(at(thursday, 16, 59))["sent"] == 2


def test_office_hours_are_configurable(app, mailbox, due_follow_up, monkeypatch):
    monkeypatch.setitem(app.config, "OFFICE_DAYS", (1, 7))
    monkeypatch.setitem(app.config, "OFFICE_HOURS", (dt.time(6), dt.time(23, 45)))
    assert tasks.send_reminders(at(DUE - dt.timedelta(days=1), 23, 30))["sent"] == 2


def test_office_hours_come_from_the_environment(monkeypatch):
    from otto.config import load_config

    monkeypatch.setenv("OTTO_OFFICE_HOURS", "08:00-16:30")
    monkeypatch.setenv("OTTO_OFFICE_DAYS", "1-6")
    config = load_config()
    assert config["OFFICE_HOURS"] == (dt.time(8), dt.time(16, 30))
    assert config["OFFICE_DAYS"] == (1, 6)


def test_the_digest_waits_for_later_office_hours_and_goes_once(
    app, mailbox, make_user, monkeypatch
):
    from otto import scheduler as otto_scheduler

    make_user(role="coordinator", email="sara@kommun.se")
    monkeypatch.setitem(app.config, "OFFICE_HOURS", (dt.time(8), dt.time(17)))
    thursday = dt.date(2030, 6, 13)
    _job, trigger, _grace = otto_scheduler.JOBS["weekly_digest"]
    assert trigger.get_next_fire_time(None, at(thursday, 7, 1)) == at(thursday, 7, 15)
    assert tasks.weekly_digest(at(thursday, 7))["outside_office_hours"] == 1
    assert tasks.weekly_digest(at(thursday, 8))["sent"] == 1
    assert tasks.weekly_digest(at(thursday, 8, 15))["skipped"] == 1
    assert len(mailbox) == 1
