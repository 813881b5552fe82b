"""Scheduled jobs of the inspections domain. Each takes the clock (`now`) as an argument,
runs inside an app context, commits its own work, and is safe to run again or twice at
once: otto.scheduler runs them on a timetable and otto.cli runs them by hand.
"""

import datetime as dt
import logging
from collections.abc import Callable

from flask import current_app

from otto.extensions import db
from otto.inspections import followups, persons, read_log, reminders, retention, visits
from otto.inspections.photo_storage import PhotoStorage, storage_from_config
from otto.mail import Mail, SmtpUnavailable, send_mail

log = logging.getLogger(__name__)

Sender = Callable[[Mail, dict], None]


def mark_overdue(now: dt.datetime) -> int:
    """Mark open follow-ups whose deadline has passed as overdue; returns how many."""
    marked = followups.mark_overdue(now)
    db.session.commit()
    return len(marked)


def archive_ended_visits(now: dt.datetime) -> int:
    """Let visits closed or cancelled more than WORKING_SET_DAYS ago leave the devices that
    hold them (each device receives an eviction on its next pull); returns how many."""
    archived = visits.archive_ended_visits(now, current_app.config["WORKING_SET_DAYS"])
    db.session.commit()
    return len(archived)


def _deliver(record, build_mail: Callable[[], Mail], now: dt.datetime, send: Sender) -> bool:
    """Send the mail of a committed claim and record the outcome (committed). No SMTP
    server: tried again later (reminders.record_retry). Any other failure, also rendering,
    is logged and recorded as failed (at most once), and the next mail goes on."""
    try:
        send(build_mail(), current_app.config)
    except SmtpUnavailable as error:
        db.session.rollback()
        again = reminders.record_retry(record, error, now, current_app.config)
        db.session.commit()
        log.warning(
            "Mail %s %s not sent, SMTP server unavailable (%s); %s",
            record.__tablename__,
            record.id,
            error,
            f"next attempt at {record.next_attempt_at:%Y-%m-%d %H:%M} UTC" if again else "gave up",
        )
        return False
    except Exception as error:  # SMTP refusal, template: never retried (at most once)
        log.exception("Mail %s %s failed", record.__tablename__, record.id)
        db.session.rollback()
        reminders.record_failed(record, error)
        db.session.commit()
        return False
    reminders.record_sent(record, now)
    db.session.commit()
    return True


def _office_hours(now: dt.datetime) -> bool:
    config = current_app.config
    return reminders.in_office_hours(now, config["OFFICE_DAYS"], config["OFFICE_HOURS"])


def send_reminders(now: dt.datetime, send: Sender = send_mail) -> dict:
    """E-mail the follow-up reminders due at `now`, each at most once; returns counts of
    `sent`, `failed` and `skipped` (sent before, or by another scheduler)."""
    config = current_app.config
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    due = reminders.pending_reminders(now, config["REMINDER_DAYS_BEFORE"])
    if not _office_hours(now):
        return counts | {"outside_office_hours": len(due)}
    for reminder in due:
        record = reminders.claim_reminder(reminder, now)
        db.session.commit()  # the claim is durable before the mail leaves
        if record is None:
            counts["skipped"] += 1
            continue
        ok = _deliver(
            record, lambda r=reminder: reminders.reminder_mail(r, config["BASE_URL"]), now, send
        )
        counts["sent" if ok else "failed"] += 1
    return counts


def weekly_digest(now: dt.datetime, send: Sender = send_mail) -> dict:
    """E-mail the week's situation picture to each coordinator, at most once a week each."""
    config = current_app.config
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    if not _office_hours(now):
        return counts | {"outside_office_hours": len(reminders.digest_recipients())}
    content = reminders.digest_content(now)
    for recipient in reminders.digest_recipients():
        record = reminders.claim_digest(recipient, now)
        db.session.commit()
        if record is None:
            counts["skipped"] += 1
            continue
        ok = _deliver(
            record,
            lambda r=recipient: reminders.digest_mail(r, content, config["BASE_URL"]),
            now,
            send,
        )
        counts["sent" if ok else "failed"] += 1
    return counts


def retry_mail(now: dt.datetime, send: Sender = send_mail) -> dict:
    """Try again the mails the SMTP server was not there for, whose next attempt is due
    (in office hours only); returns counts of `sent`, `failed` (again) and `dropped` (no
    longer wanted)."""
    counts = {"sent": 0, "failed": 0, "dropped": 0}
    if not _office_hours(now):
        return counts
    base_url = current_app.config["BASE_URL"]
    for record in reminders.retries_due(now):
        if not reminders.reclaim(record, now):
            continue
        db.session.commit()
        mail = reminders.retry_mail(record, base_url)
        if mail is None:
            reminders.record_failed(record, ValueError("no longer due"))
            db.session.commit()
            counts["dropped"] += 1
            continue
        counts["sent" if _deliver(record, lambda m=mail: m, now, send) else "failed"] += 1
    return counts


def apply_retention(now: dt.datetime, storage: PhotoStorage | None = None) -> list[str]:
    """Remove photos and personal details of closed visits older than RETENTION_YEARS, and
    persons on site of visits carried out more than PERSON_RETENTION_DAYS ago; returns the
    ids of the visits stripped now.

    Per visit, the rows change and the audit record is written, then the photo files are
    deleted, then the transaction commits: if it fails, the next run finds the rows and
    deletes again (deleting missing files is no error), so a crash never leaves a photo
    row whose removal is forgotten.
    """
    storage = storage or storage_from_config(current_app.config)
    years = current_app.config["RETENTION_YEARS"]
    stripped = []
    for visit_id in retention.expired_visits(retention.cutoff(now, years)):
        shas = retention.strip_visit(visit_id, years=years)
        if shas is None:  # stripped by an earlier run
            continue
        for sha256 in shas:
            storage.delete(sha256)
        db.session.commit()
        stripped.append(visit_id)
    # Persons on site go much sooner (PERSON_RETENTION_DAYS); their counts stay.
    persons.remove_expired_persons(None, now, current_app.config["PERSON_RETENTION_DAYS"])
    db.session.commit()
    return stripped


def prune_read_log(now: dt.datetime) -> int:
    """Delete read-log events older than RETENTION_YEARS (the read log's only delete);
    returns how many."""
    before = retention.cutoff(now, current_app.config["RETENTION_YEARS"])
    pruned = read_log.prune(before)
    db.session.commit()
    return pruned
