"""The deadline rules of follow-ups, in one place: what a finding needs and by when, when a
follow-up is overdue and when its reminders are due.

- A finding's follow-up follows its severity (`FOLLOW_UP_RULES` in config: a default per
  severity, overridden per agency); an inspector's explicit `follow_up_due` wins (a finding
  whose severity needs none then gets a `document` follow-up).
- Days count from the finding's own date in Swedish local time, so editing the severity
  later moves the deadline relative to when the deviation was found, not to the edit.
- A deadline is a local date: the follow-up is overdue from midnight (Europe/Stockholm) at
  the end of its due date, not a minute earlier.
- Reminders go out at 07:00 local time, `REMINDER_DAYS_BEFORE` days before the due date and on
  the due date itself; a reminder whose window has passed is not sent late.

Only follow-ups in status `open` have a running deadline: `received` means the business has
delivered and the coordinator is reviewing. Lateness is derived from the due date and the
moment asked about (`is_late`, `late_clause`), everywhere: the mark-overdue job only records
when it noticed (`overdue_since`, audited) and never decides what a page, the API or the
statistics call late.
"""

import datetime as dt
from dataclasses import dataclass

from otto.inspections.models import Finding, FollowUp, FollowUpKind, FollowUpStatus
from otto.timeutil import LOCAL_TZ

REMINDER_HOUR = 7
PENDING = FollowUpStatus.OPEN


@dataclass(frozen=True)
class Terms:
    """What a finding requires: a follow-up of `kind` due on `due_date`."""

    kind: str
    due_date: dt.date


def local_date(moment: dt.datetime) -> dt.date:
    """The Swedish calendar date of an aware datetime."""
    return moment.astimezone(LOCAL_TZ).date()


def local_time(day: dt.date, hour: int = 0) -> dt.datetime:
    """`hour` o'clock Swedish time on `day`, as an aware UTC datetime (DST-correct)."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def rule_for(rules: dict, agency_code: str, severity: str) -> dict | None:
    """The rule `{"kind", "days"}` for a severity at an agency, or None (no follow-up)."""
    agency_rules = rules.get(agency_code, {})
    if severity in agency_rules:
        return agency_rules[severity]
    return rules.get("default", {}).get(severity)


def terms_for(finding: Finding, rules: dict) -> Terms | None:
    """What the finding requires now, or None: deleted findings and findings whose severity
    needs nothing (and that have no explicit deadline) require no follow-up."""
    if finding.deleted_at is not None:
        return None
    rule = rule_for(rules, finding.agency_code, finding.severity)
    if finding.follow_up_due is not None:
        return Terms(rule["kind"] if rule else FollowUpKind.DOCUMENT, finding.follow_up_due)
    if rule is None:
        return None
    found_on = local_date(finding.created_at)
    return Terms(rule["kind"], found_on + dt.timedelta(days=rule["days"]))


def deadline(due_date: dt.date) -> dt.datetime:
    """The moment a follow-up due on `due_date` becomes overdue: the end of that local day."""
    return local_time(due_date + dt.timedelta(days=1))


def is_overdue(due_date: dt.date, now: dt.datetime) -> bool:
    """True once the deadline of `due_date` has passed."""
    return now >= deadline(due_date)


def overdue_cutoff(now: dt.datetime) -> dt.date:
    """Follow-ups due before this date are overdue at `now` (for queries)."""
    return local_date(now)


def is_late(follow_up: FollowUp, now: dt.datetime) -> bool:
    """True for a follow-up still open after its deadline at `now`."""
    return follow_up.status == PENDING and is_overdue(follow_up.due_date, now)


def late_clause(now: dt.datetime):
    """The SQL condition of `is_late`: open, and due before today (local)."""
    return (FollowUp.status == PENDING) & (FollowUp.due_date < overdue_cutoff(now))


def days_late(due_date: dt.date, now: dt.datetime) -> int:
    """Whole local days since the due date at `now` (0 on the due date itself)."""
    return max((local_date(now) - due_date).days, 0)


def reminder_windows(due_date: dt.date, days_before: int) -> dict[str, tuple]:
    """The reminders of a deadline and when each may be sent: `{kind: (from, until)}`.

    `before` from 07:00 `days_before` days ahead until the day's own reminder; `due` from
    07:00 on the due date until the deadline.
    """
    on_the_day = local_time(due_date, REMINDER_HOUR)
    windows = {"due": (on_the_day, deadline(due_date))}
    if days_before > 0:
        windows["before"] = (
            local_time(due_date - dt.timedelta(days=days_before), REMINDER_HOUR),
            on_the_day,
        )
    return windows


def reminders_due(due_date: dt.date, days_before: int, now: dt.datetime) -> list[str]:
    """The reminder kinds (`before`, `due`) whose window contains `now`."""
    windows = reminder_windows(due_date, days_before)
    return [kind for kind, (start, end) in windows.items() if start <= now < end]


def week_end(now: dt.datetime) -> dt.date:
    """The Sunday that ends `now`'s local calendar week (for "due this week")."""
    today = local_date(now)
    return today + dt.timedelta(days=6 - today.weekday())
