"""The scheduled jobs with an injected clock: reminders (once, across restarts and with two
schedulers), the Thursday digest, data retention, and the scheduler itself (its job store
survives restarts; it starts only where it should)."""

import datetime as dt
import smtplib
import threading

import click
import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from otto import scheduler as otto_scheduler
from otto.accounts.services import create_user, ensure_agencies
from otto.audit import AuditEvent
from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections import deadlines, findings, followups, tasks
from otto.inspections.models import (
    DigestSent,
    Finding,
    FollowUp,
    Photo,
    PhotoLink,
    ReminderSent,
    Signature,
    Visit,
)
from otto.inspections.photo_storage import storage_from_config
from otto.inspections.visits import plan_visit
from tests.conftest import make_app, make_business_now

DUE = dt.date(2030, 6, 14)  # a Friday


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Swedish local time as aware UTC."""
    return deadlines.local_time(day, hour) + dt.timedelta(minutes=minute)


def record(user, visit_id, severity="minor", **fields):
    finding = findings.create_finding(
        Write(Actor(db.session.merge(user))),
        visit_id=visit_id,
        severity=severity,
        description=fields.pop("description", "Brandfarlig vara förvaras fel"),
        **fields,
    )
    db.session.commit()
    return finding


@pytest.fixture
def due_follow_up(make_user, make_visit):
    """A finding with a follow-up due on DUE, its inspector and the visit's coordinator."""
    coordinator = make_user(role="coordinator", name="Sara Samordnare", email="sara@kommun.se")
    inspector = make_user(agency="brand", name="Ivan Inspektör", email="ivan@brand.se")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector])
    finding = record(inspector, visit.id, follow_up_due=DUE)
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.finding_id == finding.id))
    return follow_up, inspector, coordinator


def recipients(messages) -> list[str]:
    return sorted(message["To"] for message in messages)


# --- reminders -----------------------------------------------------------------------------


def test_reminders_go_out_three_days_before_and_on_the_deadline(mailbox, due_follow_up):
    follow_up, inspector, coordinator = due_follow_up
    three_days_before = DUE - dt.timedelta(days=3)
    assert tasks.send_reminders(at(three_days_before, 6, 59))["sent"] == 0
    assert tasks.send_reminders(at(three_days_before, 7)) == {"sent": 2, "failed": 0, "skipped": 0}
    assert recipients(mailbox) == ["ivan@brand.se", "sara@kommun.se"]
    before = mailbox[0]
    assert before["Subject"].startswith(
        "Påminnelse: uppföljning av Pizzeria Testa senast 2030-06-14"
    )
    assert before["From"] == "otto@kommun.example"
    text = before.get_body(("plain",)).get_content()
    html = before.get_body(("html",)).get_content()
    assert "Brandfarlig vara förvaras fel" in text and "Dokument" in text
    assert "<strong>2030-06-14</strong>" in html

    mailbox.clear()
    assert tasks.send_reminders(at(DUE, 6, 59))["sent"] == 0
    assert tasks.send_reminders(at(DUE, 7))["sent"] == 2
    assert all(m["Subject"].startswith("Sista dag i dag") for m in mailbox)
    assert tasks.send_reminders(deadlines.deadline(DUE))["sent"] == 0  # overdue: no late mail
    assert db.session.get(FollowUp, follow_up.id).reminders_sent == 4


def test_each_reminder_is_sent_once_across_restarts(mailbox, due_follow_up):
    follow_up, _, _ = due_follow_up
    monday = DUE - dt.timedelta(days=3)
    first = tasks.send_reminders(at(monday, 7))
    # A restart: the job runs again later the same day, and on the following days.
    again = tasks.send_reminders(at(monday, 7, 15))
    later = tasks.send_reminders(at(monday + dt.timedelta(days=1), 9))
    assert (first["sent"], again, later["sent"]) == (2, {"sent": 0, "failed": 0, "skipped": 2}, 0)
    assert len(mailbox) == 2
    records = db.session.scalars(
        select(ReminderSent).where(ReminderSent.follow_up_id == follow_up.id)
    )
    assert sorted((r.kind, r.status) for r in records) == [("before", "sent"), ("before", "sent")]


def test_a_moved_deadline_gets_reminders_of_its_own(app, mailbox, due_follow_up):
    follow_up, _, coordinator = due_follow_up
    tasks.send_reminders(at(DUE, 7))
    later = DUE + dt.timedelta(days=7)
    followups.update_follow_up(Actor(db.session.merge(coordinator)), follow_up.id, due_date=later)
    db.session.commit()
    tasks.send_reminders(at(later, 7))
    assert len(mailbox) == 4


def test_a_failed_send_is_recorded_audited_and_never_retried(mailbox, due_follow_up):
    follow_up, _, _ = due_follow_up

    def refuse(mail, config):
        raise smtplib.SMTPRecipientsRefused({mail.to: (550, b"Mailbox unavailable")})

    assert tasks.send_reminders(at(DUE, 7), send=refuse) == {"sent": 0, "failed": 2, "skipped": 0}
    assert tasks.send_reminders(at(DUE, 8))["sent"] == 0  # at most once: not sent again
    assert mailbox == []
    statuses = db.session.scalars(
        select(ReminderSent.status).where(ReminderSent.follow_up_id == follow_up.id)
    )
    assert list(statuses) == ["failed", "failed"]
    failures = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "mail_failed", AuditEvent.entity_id == str(follow_up.id)
        )
    )
    assert {event.after["error"].split(":")[0] for event in failures} == {"SMTPRecipientsRefused"}


def test_an_unreachable_smtp_server_counts_as_failed(app, due_follow_up, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)  # nothing listens there
    assert tasks.send_reminders(at(DUE, 7))["failed"] == 2


def test_agency_only_descriptions_stay_out_of_reminders(mailbox, make_user, make_visit):
    coordinator = make_user(role="coordinator")
    police = make_user(agency="polis")
    visit = make_visit(coordinator=coordinator, inspectors=[police])
    record(police, visit.id, description="Misstänkt penningtvätt", follow_up_due=DUE)
    tasks.send_reminders(at(DUE, 7))
    assert len(mailbox) == 2
    for message in mailbox:
        assert "penningtvätt" not in message.get_body(("plain",)).get_content()
        assert "endast egen myndighet" in message.get_body(("plain",)).get_content()


# --- two schedulers at once, real commits ---------------------------------------------------


def _reminder_setup() -> int:
    ensure_agencies()
    coordinator = create_user(
        None,
        username="samordnare",
        name="Sara",
        email="sara@kommun.se",
        role="coordinator",
        password="ett-långt-lösenord",
    )
    inspectors = [
        create_user(
            None,
            username=f"insp{n}",
            name=f"Inspektör {n}",
            email=f"insp{n}@brand.se",
            role="inspector",
            agency="brand",
            password="ett-långt-lösenord",
        )
        for n in range(5)
    ]
    start = dt.datetime.now(dt.UTC)
    visit = plan_visit(
        Actor(coordinator),
        business_id=make_business_now().id,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        participants=[{"user_id": u.id, "template_version_ids": []} for u in inspectors],
    )
    db.session.commit()
    for inspector in inspectors:
        for _ in range(2):
            record(inspector, visit.id, follow_up_due=DUE)
    return len(inspectors) * 2 + 1  # each inspector twice (two follow-ups), the coordinator


@pytest.mark.no_rollback
def test_two_schedulers_at_once_send_each_reminder_once(
    app, empty_database, tmp_path_factory, mailbox
):
    url = empty_database(app.config["DB_KIND"])
    other = make_app(
        url, tmp_path_factory, SMTP_HOST="127.0.0.1", SMTP_PORT=app.config["SMTP_PORT"]
    )
    with other.app_context():
        upgrade()
        _reminder_setup()
        db.session.remove()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scheduler_process():
        try:
            with other.app_context():
                barrier.wait()
                results.append(tasks.send_reminders(at(DUE, 7)))
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # 10 follow-ups, each to its inspector and to the coordinator: 20 reminders in all.
    assert sum(r["sent"] for r in results) == 20
    assert sum(r["skipped"] for r in results) == 20
    assert len(mailbox) == 20
    assert sorted(recipients(mailbox)).count("sara@kommun.se") == 10
    with other.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == 20
        db.session.remove()
        db.engine.dispose()


# --- the weekly digest ---------------------------------------------------------------------


def test_the_thursday_digest_lists_the_week_for_each_coordinator_once(
    app, mailbox, make_user, make_visit, make_business, monkeypatch
):
    # The week is the real last week; any hour of it counts as office hours here.
    monkeypatch.setitem(app.config, "OFFICE_DAYS", (1, 7))
    monkeypatch.setitem(app.config, "OFFICE_HOURS", (dt.time(0), dt.time.max))
    coordinator = make_user(role="coordinator", email="sara@kommun.se")
    make_user(role="coordinator", email="olle@kommun.se")
    make_user(role="admin", email="admin@kommun.se")  # admins get no digest
    miljo, polis = make_user(agency="miljo"), make_user(agency="polis")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, polis])
    for severity in ("critical", "minor", "minor"):
        record(miljo, visit.id, severity)
    record(polis, visit.id, "major", description="Svartarbete")
    record(polis, visit.id, "info")
    deleted = record(polis, visit.id, "critical")
    findings.delete_finding(Write(Actor(db.session.merge(polis))), deleted.id)
    record(miljo, visit.id, "minor", follow_up_due=dt.date(2020, 1, 10))  # overdue
    db.session.commit()

    now = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)  # the visit started after 1 hour
    followups.mark_overdue(now)
    old_business = make_business(name="Kiosken Förr")
    old = make_visit(coordinator=coordinator, inspectors=[miljo], business_id=old_business.id)
    db.session.get(Visit, old.id).planned_start = now - dt.timedelta(days=8)
    db.session.get(Visit, visit.id).status = "completed"  # carried out: counted
    db.session.commit()

    assert tasks.weekly_digest(now) == {"sent": 2, "failed": 0, "skipped": 0}
    assert tasks.weekly_digest(now + dt.timedelta(minutes=1))["skipped"] == 2  # once a week
    assert recipients(mailbox) == ["olle@kommun.se", "sara@kommun.se"]
    message = mailbox[0]
    assert message["Subject"].startswith("Veckans lägesbild")
    text = message.get_body(("plain",)).get_content()
    assert "GENOMFÖRDA BESÖK SENASTE VECKAN (1)" in text and "Pizzeria Testa" in text
    assert "Kiosken Förr" not in text
    assert "NYA AVVIKELSER PER MYNDIGHET OCH ALLVARLIGHETSGRAD (6)" in text
    assert (
        "- Miljö- och hälsoskydd: Allvarlig avvikelse 1, Större avvikelse 0, "
        "Mindre avvikelse 3, Iakttagelse 0"
    ) in text
    assert (
        "- Polismyndigheten: Allvarlig avvikelse 0, Större avvikelse 1, "
        "Mindre avvikelse 0, Iakttagelse 1"
    ) in text
    assert "FÖRSENADE UPPFÖLJNINGAR (1)" in text and "senast 2020-01-10" in text
    assert "Svartarbete" not in text  # counts only
    html = message.get_body(("html",)).get_content()
    assert '<th scope="row" align="left">Totalt</th>' in html
    assert db.session.scalar(select(func.count()).select_from(DigestSent)) == 2


def test_the_digest_is_scheduled_thursdays_at_seven_swedish_time():
    _job, trigger, _grace = otto_scheduler.JOBS["weekly_digest"]
    wednesday_noon = dt.datetime(2030, 6, 12, 12, tzinfo=deadlines.LOCAL_TZ)
    assert trigger.get_next_fire_time(None, wednesday_noon) == dt.datetime(
        2030, 6, 13, 7, tzinfo=deadlines.LOCAL_TZ
    )
    winter = dt.datetime(2030, 12, 1, tzinfo=deadlines.LOCAL_TZ)
    assert trigger.get_next_fire_time(None, winter).astimezone(dt.UTC).hour == 6


# --- retention -----------------------------------------------------------------------------


def _photo(storage, sha: str, visit, user, finding=None) -> None:
    """A stored photo (row and files) linked to a visit."""
    if db.session.get(Photo, sha) is None:
        db.session.add(Photo(sha256=sha, media_type="image/jpeg", byte_size=3, width=1, height=1))
        with storage.scratch() as folder:
            for variant in ("original", "report", "thumb"):
                (folder / variant).write_bytes(b"jpg")
                storage.put_file(sha, variant, folder / variant)
    db.session.add(
        PhotoLink(
            photo_sha256=sha,
            visit_id=visit.id,
            agency_code=user.agency_code,
            finding_id=finding.id if finding else None,
            created_by_id=user.id,
        )
    )


def _sign(visit, user, sha: str) -> None:
    db.session.add(
        Signature(
            visit_id=visit.id,
            agency_code=user.agency_code,
            signer_name="Ali Ägare",
            signer_role="Ägare",
            image_sha256=sha,
            signed_at=visit.planned_start,
            created_by_id=user.id,
        )
    )


def test_retention_removes_photos_and_personal_details_of_old_closed_visits_only(
    app, make_user, make_visit
):
    storage = storage_from_config(app.config)
    coordinator, inspector = make_user(role="coordinator"), make_user(agency="miljo")
    now = dt.datetime(2036, 3, 1, 12, tzinfo=dt.UTC)
    long_ago = now - dt.timedelta(days=11 * 365)

    def visit_of(start, status, briefing="Ägaren Ali Ägare brukar vara på plats"):
        visit = make_visit(coordinator=coordinator, inspectors=[inspector], briefing=briefing)
        row = db.session.get(Visit, visit.id)
        row.planned_start, row.planned_end = start, start + dt.timedelta(hours=2)
        return row

    expired = visit_of(long_ago, "closed")
    finding = record(inspector, expired.id, "minor")
    _photo(storage, "a" * 64, expired, inspector, finding)
    _photo(storage, "b" * 64, expired, inspector)  # also used by a newer visit
    _photo(storage, "c" * 64, expired, inspector)  # the signature image
    _sign(expired, inspector, "c" * 64)
    still_open = visit_of(long_ago, "completed")
    _photo(storage, "d" * 64, still_open, inspector)
    _sign(still_open, inspector, "d" * 64)
    recent = visit_of(now - dt.timedelta(days=365 * 9), "closed")
    _photo(storage, "b" * 64, recent, inspector)
    _sign(recent, inspector, "e" * 64)
    for visit, status in ((expired, "closed"), (still_open, "completed"), (recent, "closed")):
        visit.status = status
    db.session.commit()
    expired_id, open_id, recent_id = expired.id, still_open.id, recent.id

    assert tasks.apply_retention(now) == [expired_id]

    assert db.session.scalars(select(PhotoLink).where(PhotoLink.visit_id == expired_id)).all() == []
    assert db.session.get(Photo, "a" * 64) is None and not storage.exists("a" * 64, "original")
    assert db.session.get(Photo, "c" * 64) is None and not storage.exists("c" * 64, "thumb")
    assert db.session.get(Photo, "b" * 64) is not None and storage.exists("b" * 64, "original")
    [signature] = db.session.scalars(select(Signature).where(Signature.visit_id == expired_id))
    assert (signature.signer_name, signature.image_sha256, signature.signer_role) == (
        "[borttaget]",
        "",
        "Ägare",
    )
    assert db.session.get(Visit, expired_id).briefing == "[borttaget]"
    assert db.session.get(Finding, finding.id) is not None  # the record of the inspection stays
    for visit_id in (open_id, recent_id):  # nothing of open or newer visits
        assert db.session.get(Visit, visit_id).briefing.startswith("Ägaren")
        assert db.session.scalar(select(func.count()).where(PhotoLink.visit_id == visit_id)) == 1
        [kept] = db.session.scalars(select(Signature).where(Signature.visit_id == visit_id))
        assert kept.signer_name == "Ali Ägare"
    assert storage.exists("d" * 64, "original")

    [event] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "retention", AuditEvent.entity_id == expired_id
        )
    )
    assert event.user_id is None
    assert event.after == {
        "retention_years": 10,
        "visit_ended": event.after["visit_ended"],
        "photo_links_removed": 3,
        "photos_removed": ["a" * 64, "c" * 64],
        "signatures_anonymised": 1,
        "briefing_removed": True,
        "audit_events_redacted": 1,  # the planning event with the briefing
    }
    assert "Ali" not in str(event.after)
    assert tasks.apply_retention(now + dt.timedelta(days=1)) == []  # nothing left to remove


def test_retention_redacts_signer_names_in_the_audit_trail(app, make_user, make_visit):
    from otto.inspections.signatures import add_signature

    coordinator, inspector = make_user(role="coordinator"), make_user(agency="miljo")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector])
    add_signature(
        Actor(db.session.merge(inspector)),
        visit_id=visit.id,
        signer_name="Ali Ägare",
        image_sha256="f" * 64,
        signed_at=dt.datetime.now(dt.UTC),
    )
    row = db.session.get(Visit, visit.id)
    row.status, row.planned_end = "closed", dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    assert tasks.apply_retention(dt.datetime.now(dt.UTC)) == [visit.id]
    trail = db.session.scalars(
        select(AuditEvent).where(AuditEvent.visit_id == visit.id, AuditEvent.entity == "signature")
    )
    assert [event.after["signer_name"] for event in trail] == ["[borttaget]"]


def test_retention_years_are_configurable(app, make_user, make_visit, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_YEARS", 2)
    coordinator, inspector = make_user(role="coordinator"), make_user(agency="miljo")
    visit = make_visit(coordinator=coordinator, inspectors=[inspector], briefing="Namn")
    row = db.session.get(Visit, visit.id)
    now = dt.datetime.now(dt.UTC)
    row.status, row.planned_end = "closed", now - dt.timedelta(days=3 * 365)
    db.session.commit()
    assert tasks.apply_retention(now) == [visit.id]


# --- the scheduler -------------------------------------------------------------------------


@pytest.mark.no_rollback
def test_the_job_store_keeps_jobs_and_missed_runs_across_a_restart(
    app, empty_database, tmp_path_factory
):
    from apscheduler.schedulers.background import BackgroundScheduler
    from sqlalchemy import inspect

    url = empty_database(app.config["DB_KIND"])
    other = make_app(url, tmp_path_factory)
    with other.app_context():
        upgrade()
        db.session.remove()
    first = otto_scheduler.build_scheduler(other, BackgroundScheduler)
    first.start(paused=True)
    assert {job.id for job in first.get_jobs()} == set(otto_scheduler.JOBS)
    missed = dt.datetime(2030, 6, 13, 7, tzinfo=deadlines.LOCAL_TZ)  # a Thursday gone by
    first.modify_job("weekly_digest", next_run_time=missed)
    first.shutdown()

    second = otto_scheduler.build_scheduler(other, BackgroundScheduler)
    second.start(paused=True)
    assert {job.id for job in second.get_jobs()} == set(otto_scheduler.JOBS)
    assert second.get_job("weekly_digest").next_run_time == missed  # runs when resumed
    second.shutdown()
    with other.app_context():
        assert "apscheduler_jobs" in inspect(db.engine).get_table_names()
        db.engine.dispose()


@pytest.mark.no_rollback
def test_jobs_run_inside_the_app_context(app, empty_database, tmp_path_factory):
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
    from apscheduler.schedulers.background import BackgroundScheduler

    url = empty_database(app.config["DB_KIND"])
    other = make_app(url, tmp_path_factory)
    with other.app_context():
        upgrade()
        db.session.remove()
    scheduler = otto_scheduler.build_scheduler(other, BackgroundScheduler)
    outcome, done = [], threading.Event()

    def listen(event):
        if event.job_id == "now":
            outcome.append(event.exception)
            done.set()

    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.start()
    scheduler.add_job(otto_scheduler.run_job, args=["mark_overdue"], id="now")
    done.wait()
    scheduler.shutdown()
    assert outcome == [None]
    with other.app_context():
        db.engine.dispose()


def test_web_workers_and_other_commands_never_start_the_scheduler(app, monkeypatch):
    monkeypatch.setitem(app.config, "RUN_SCHEDULER", True)
    assert otto_scheduler.start_in_dev_server(app) is None  # no `flask run`: a web worker
    with click.Context(click.Command("upgrade"), info_name="upgrade"):
        assert otto_scheduler.start_in_dev_server(app) is None


@pytest.mark.parametrize(
    ("reload", "reloader_child", "starts"),
    [(False, False, True), (True, False, False), (True, True, True)],
)
def test_the_development_server_starts_it_once_despite_the_reloader(
    monkeypatch, reload, reloader_child, starts
):
    if reloader_child:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    else:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    context = click.Context(click.Command("run"), info_name="run")
    context.params = {"reload": reload}
    with context:
        assert otto_scheduler._is_dev_server() is starts


def test_the_jobs_are_commands_with_a_clock(runner, due_follow_up):
    result = runner.invoke(args=["mark-overdue", "--now", "2030-06-15T00:00"])
    assert result.exit_code == 0, result.output
    assert "Marked overdue: 1" in result.output
    result = runner.invoke(args=["apply-retention", "--now", "2030-06-15T00:00"])
    assert result.exit_code == 0 and "Visits stripped: 0" in result.output
