"""Reminders of follow-up deadlines and the coordinators' weekly digest: who gets which
e-mail, what it says, and the send records that make each go out at most once.

Sending is at most once: a send record (`reminder_sent`, `digest_sent`, unique per reminder
and recipient) is inserted and committed as `claimed` before the mail goes out, so a second
run, a restarted scheduler or a second scheduler process finds the record and skips. After
the attempt the record becomes `sent` or `failed`; a failed (or interrupted) send is logged
and audited and never retried by itself, because the SMTP server may have accepted the mail
before the error and a reminder must never arrive twice. The one exception: when the SMTP
server could not be reached at all (otto.mail.SmtpUnavailable) nothing left, so the record
goes to `retry` and is tried again after MAIL_RETRY_MINUTES, doubling each time, at most
MAIL_MAX_ATTEMPTS times; then it is `failed`. Failed mails are listed for admins (/admin/e-post).

Mail leaves only in office hours (OFFICE_DAYS, OFFICE_HOURS, Swedish local time): a reminder
due outside them waits for the next run inside them (if its window is still open).

Services here only flush; the jobs in otto.inspections.tasks commit around each send.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from otto import audit, labels
from otto.accounts.agencies import agency_names
from otto.accounts.models import Agency, Role, User
from otto.extensions import db
from otto.inspections import deadlines
from otto.inspections.models import (
    Delivery,
    DigestSent,
    Finding,
    FollowUp,
    ReminderSent,
    Severity,
    Visibility,
    Visit,
)
from otto.inspections.visits import carried_out_between
from otto.mail import Mail, render_mail
from otto.timeutil import LOCAL_TZ

# Most serious first, the order of the digest's columns.
SEVERITIES = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.INFO)


@dataclass(frozen=True)
class Reminder:
    """One reminder e-mail that is due: of `kind` (`before`, `due`) about a follow-up."""

    follow_up: FollowUp
    kind: str
    recipient: User


def _reachable(users) -> list[User]:
    """Active users with an e-mail address, each once."""
    unique = {user.id: user for user in users if user is not None}
    return [user for user in unique.values() if user.active and user.email]


def recipients(follow_up: FollowUp) -> list[User]:
    """Who is reminded of a follow-up: the inspector responsible for the finding (its
    creator) and the visit's coordinator."""
    inspector = None
    if follow_up.finding is not None:
        inspector = db.session.get(User, follow_up.finding.created_by_id)
    coordinator = db.session.get(User, follow_up.visit.coordinator_id or 0)
    return _reachable([inspector, coordinator])


def pending_reminders(now: dt.datetime, days_before: int) -> list[Reminder]:
    """The reminders due at `now`: open follow-ups whose reminder window contains `now`
    (see deadlines.reminder_windows), one per recipient; already sent ones included (the
    send record decides)."""
    today = deadlines.local_date(now)
    query = select(FollowUp).where(
        FollowUp.status == deadlines.PENDING,
        FollowUp.due_date.between(today, today + dt.timedelta(days=max(days_before, 0))),
    )
    due = []
    for follow_up in db.session.scalars(query.order_by(FollowUp.id)):
        for kind in deadlines.reminders_due(follow_up.due_date, days_before, now):
            due += [Reminder(follow_up, kind, user) for user in recipients(follow_up)]
    return due


def claim(model, *, email: str, now: dt.datetime, **key) -> ReminderSent | DigestSent | None:
    """Insert the send record `key` as claimed, or return None when it exists already (also
    when a concurrent transaction is inserting it: the database makes this one wait)."""
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    statement = (
        insert(model)
        .values(**key, email=email, status=Delivery.CLAIMED, claimed_at=now, error="")
        .on_conflict_do_nothing(index_elements=list(key))
        .returning(model.id)
    )
    record_id = db.session.execute(statement).scalar_one_or_none()
    return None if record_id is None else db.session.get(model, record_id)


def claim_reminder(reminder: Reminder, now: dt.datetime) -> ReminderSent | None:
    """Claim the send record of a reminder (see `claim`)."""
    return claim(
        ReminderSent,
        email=reminder.recipient.email,
        now=now,
        follow_up_id=reminder.follow_up.id,
        kind=reminder.kind,
        due_date=reminder.follow_up.due_date,
        recipient_id=reminder.recipient.id,
    )


def reminder_mail(reminder: Reminder, base_url: str) -> Mail:
    """The reminder e-mail. An agency-only finding's description stays out of the mail (it
    is read in OTTO), since e-mail leaves the agency's control."""
    follow_up, recipient = reminder.follow_up, reminder.recipient
    finding = follow_up.finding
    description = None
    if finding is not None and finding.visibility == Visibility.JOINT:
        description = finding.description
    link = None
    if recipient.is_coordinator:
        link = f"{base_url}/uppfoljning?vy=open&myndighet={follow_up.agency_code}"
    return render_mail(
        recipient.email,
        "follow_up_reminder",
        kind=reminder.kind,
        recipient=recipient,
        follow_up=follow_up,
        business=follow_up.visit.business,
        agency=db.session.get(Agency, follow_up.agency_code),
        severity=labels.SEVERITIES.get(finding.severity) if finding else None,
        description=description,
        kind_label=labels.label(labels.FOLLOW_UP_KINDS, follow_up.kind),
        agency_only=labels.VISIBILITIES["agency"],
        link=link,
    )


def record_sent(record, now: dt.datetime) -> None:
    """The mail of a claimed record went out. A reminder counts on its follow-up. Audited."""
    record.status, record.sent_at = Delivery.SENT, now
    if isinstance(record, ReminderSent):
        follow_up = db.session.get(FollowUp, record.follow_up_id)
        follow_up.reminders_sent += 1
        audit.record(
            None,
            "remind",
            "follow_up",
            follow_up.id,
            after={"kind": record.kind, "due_date": record.due_date, "to": record.recipient_id},
            visit_id=follow_up.visit_id,
        )
    db.session.flush()


def record_failed(record, error: Exception) -> None:
    """The mail of a claimed record could not be sent; it is not retried. Audited."""
    record.status, record.error = Delivery.FAILED, f"{type(error).__name__}: {error}"[:2000]
    if isinstance(record, ReminderSent):
        entity, entity_id = "follow_up", record.follow_up_id
        after = {"kind": record.kind, "due_date": record.due_date}
    else:
        entity, entity_id, after = "digest", record.week_of.isoformat(), {}
    after |= {"to": record.recipient_id, "error": record.error}
    audit.record(None, "mail_failed", entity, entity_id, after=after)
    db.session.flush()


def in_office_hours(now: dt.datetime, days: tuple[int, int], hours: tuple[dt.time, dt.time]):
    """True when `now` is on an office day (ISO weekdays `days`, inclusive) between the
    local times `hours` (end exclusive)."""
    local = now.astimezone(LOCAL_TZ)
    return days[0] <= local.isoweekday() <= days[1] and hours[0] <= local.time() < hours[1]


def record_retry(record, error: Exception, now: dt.datetime, config) -> bool:
    """A claimed mail found no SMTP server: schedule its next attempt (after
    MAIL_RETRY_MINUTES, doubled per earlier attempt), or give up as failed after
    MAIL_MAX_ATTEMPTS attempts. Returns True when it will be tried again."""
    if record.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        record_failed(record, error)
        return False
    wait = dt.timedelta(minutes=config["MAIL_RETRY_MINUTES"] * 2 ** (record.attempts - 1))
    record.status, record.next_attempt_at = Delivery.RETRY, now + wait
    record.error = f"{type(error).__name__}: {error}"[:2000]
    db.session.flush()
    return True


def retries_due(now: dt.datetime) -> list:
    """The send records whose next attempt is due at `now`, oldest first."""
    due = []
    for model in (ReminderSent, DigestSent):
        due += db.session.scalars(
            select(model).where(model.status == Delivery.RETRY, model.next_attempt_at <= now)
        )
    return sorted(due, key=lambda record: record.next_attempt_at)


def reclaim(record, now: dt.datetime) -> bool:
    """Claim a record in `retry` for one more attempt; False when another scheduler did."""
    model = type(record)
    claimed = db.session.execute(
        update(model)
        .where(model.id == record.id, model.status == Delivery.RETRY)
        .values(status=Delivery.CLAIMED, attempts=model.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(record)
    return claimed == 1


def retry_mail(record, base_url: str) -> Mail | None:
    """The mail of a record being retried, or None when it is no longer wanted (the
    follow-up was dealt with or its deadline moved)."""
    recipient = db.session.get(User, record.recipient_id)
    if isinstance(record, DigestSent):
        moment = deadlines.local_time(record.week_of, deadlines.REMINDER_HOUR)
        return digest_mail(recipient, digest_content(moment), base_url)
    follow_up = db.session.get(FollowUp, record.follow_up_id)
    if follow_up.status != deadlines.PENDING or follow_up.due_date != record.due_date:
        return None
    return reminder_mail(Reminder(follow_up, record.kind, recipient), base_url)


def undelivered() -> list:
    """Mails that did not go out: failed ones and those waiting for a retry, newest first
    (for the admins' page)."""
    rows = []
    for model in (ReminderSent, DigestSent):
        rows += db.session.scalars(
            select(model).where(model.status.in_([Delivery.FAILED, Delivery.RETRY]))
        )
    return sorted(rows, key=lambda record: record.claimed_at, reverse=True)


# --- the weekly digest ------------------------------------------------------------------


def digest_recipients() -> list[User]:
    """The coordinators who get the weekly digest."""
    query = select(User).where(User.role == Role.COORDINATOR).order_by(User.id)
    return _reachable(db.session.scalars(query))


def claim_digest(recipient: User, now: dt.datetime) -> DigestSent | None:
    """Claim the send record of this week's digest to a coordinator (see `claim`)."""
    return claim(
        DigestSent,
        email=recipient.email,
        now=now,
        week_of=deadlines.local_date(now),
        recipient_id=recipient.id,
    )


def digest_content(now: dt.datetime) -> dict:
    """What the weekly situation picture lists, for the seven days before `now`: the visits
    that took place (counted as Statistik counts them, visits.carried_out_between),
    the new findings counted by agency and severity, and the overdue follow-ups.

    Coordinators may see every agency's items, so nothing is filtered; agency-only
    descriptions are still left out (counts and names only).
    """
    start = now - dt.timedelta(days=7)
    visits = db.session.scalars(
        select(Visit).where(carried_out_between(start, now)).order_by(Visit.planned_start)
    )
    rows = db.session.execute(
        select(Finding.agency_code, Finding.severity, func.count())
        .where(Finding.created_at >= start, Finding.created_at < now)
        .where(Finding.deleted_at.is_(None))
        .group_by(Finding.agency_code, Finding.severity)
    )
    by_agency: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    for agency_code, severity, count in rows:
        by_agency[agency_code][severity] = count
    totals = {s: sum(counts[s] for counts in by_agency.values()) for s in SEVERITIES}
    overdue = db.session.scalars(
        select(FollowUp).where(deadlines.late_clause(now)).order_by(FollowUp.due_date, FollowUp.id)
    )
    today = deadlines.local_date(now)
    return {
        "period_start": deadlines.local_date(start),
        "period_end": today,
        "visits": list(visits),
        "findings": {code: by_agency[code] for code in sorted(by_agency)},
        "finding_totals": totals,
        "finding_count": sum(totals.values()),
        "overdue": [(f, (today - f.due_date).days) for f in overdue],
        "severities": SEVERITIES,
        "severity_labels": labels.SEVERITIES,
        "agency_names": agency_names(),
        "kind_labels": labels.FOLLOW_UP_KINDS,
        "plural": labels.plural,
        "tz": LOCAL_TZ,
    }


def digest_mail(recipient: User, content: dict, base_url: str) -> Mail:
    """The weekly digest e-mail for one coordinator."""
    return render_mail(
        recipient.email,
        "weekly_digest",
        recipient=recipient,
        link=f"{base_url}/uppfoljning",
        **content,
    )
