"""Scheduled jobs of the inspections domain. Each takes the clock (`now`) as an argument,
runs inside an app context, commits its own work, and is safe to run again or twice at
once: otto.scheduler runs them on a timetable and otto.cli runs them by hand.
"""

import datetime as dt
import logging
from collections.abc import Callable

from flask import current_app

from otto.extensions import db
from otto.inspections import followups, reminders, retention
from otto.inspections.photo_storage import PhotoStorage, storage_from_config
from otto.mail import Mail, send_mail

log = logging.getLogger(__name__)

Sender = Callable[[Mail, dict], None]


def mark_overdue(now: dt.datetime) -> int:
    """Mark open follow-ups whose deadline has passed as overdue; returns how many."""
    marked = followups.mark_overdue(now)
    db.session.commit()
    return len(marked)


def _deliver(record, build_mail: Callable[[], Mail], now: dt.datetime, send: Sender) -> bool:
    """Send the mail of a committed claim and record the outcome (committed). Any failure,
    also rendering, is logged and recorded as failed, and the next mail goes on."""
    try:
        send(build_mail(), current_app.config)
    except Exception as error:  # SMTP refusal, network, template: never retried (at most once)
        log.exception("Mail to %s (record %s) failed", record.email, record.id)
        db.session.rollback()
        reminders.record_failed(record, error)
        db.session.commit()
        return False
    reminders.record_sent(record, now)
    db.session.commit()
    return True


def send_reminders(now: dt.datetime, send: Sender = send_mail) -> dict:
    """E-mail the follow-up reminders due at `now`, each at most once; returns counts of
    `sent`, `failed` and `skipped` (sent before, or by another scheduler)."""
    config = current_app.config
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for reminder in reminders.pending_reminders(now, config["REMINDER_DAYS_BEFORE"]):
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
    content = reminders.digest_content(now)
    counts = {"sent": 0, "failed": 0, "skipped": 0}
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


def apply_retention(now: dt.datetime, storage: PhotoStorage | None = None) -> list[str]:
    """Remove photos and personal details of closed visits older than RETENTION_YEARS;
    returns the ids of the visits stripped now.

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
    return stripped
