"""The figures of the situation picture (lägesbild) and the tertial analysis, per period.

What counts:
- visits: *carried-out* visits (status completed or closed) planned to start in the period;
  planned, ongoing and cancelled visits are not counted (the page shows how many were left
  out);
- findings: the non-deleted findings of those visits, by agency and severity;
- a visit "with deviations" has at least one such finding;
- follow-ups: those of non-deleted findings (of non-cancelled visits) whose due date is in
  the period. A follow-up is done when it has left `open` (received, approved or closed: the
  business has answered and the deadline stops, as in otto.inspections.deadlines). Done on
  time = it left `open` before its deadline (the end of the due date, Swedish time), by the
  audit trail; late = after; open and overdue = still open after the deadline at `now`.

Every figure passes the confidentiality rule (`visible_visits`, `visible_items`).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from otto.analysis.periods import Period
from otto.audit import AuditEvent
from otto.extensions import db
from otto.inspections.businesses import CATEGORIES
from otto.inspections.deadlines import deadline, is_overdue
from otto.inspections.models import (
    Business,
    Finding,
    FollowUp,
    FollowUpStatus,
    Severity,
    Visit,
    VisitStatus,
)
from otto.inspections.persons import person_counts
from otto.inspections.visibility import visible_items, visible_visits
from otto.inspections.visits import carried_out_between

FOLLOW_UP_OUTCOMES = ("on_time", "late", "overdue", "pending")
SEVERITIES = tuple(Severity)


@dataclass
class CategoryFigures:
    """One business category's visits, visits with deviations and findings."""

    visits: int = 0
    visits_with_findings: int = 0
    findings: int = 0


@dataclass
class Figures:
    """Everything the statistics page shows for one period."""

    period: Period
    visits: int = 0
    not_counted: int = 0  # planned or ongoing visits in the period
    businesses: int = 0
    visits_with_findings: int = 0
    # findings[agency][severity]
    findings: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    follow_ups: dict = field(default_factory=lambda: dict.fromkeys(FOLLOW_UP_OUTCOMES, 0))
    categories: dict = field(default_factory=lambda: defaultdict(CategoryFigures))
    # Persons on site checked on the period's visits, per business category (PersonCounts:
    # persons, not in the staff ledger, without right to work), retention's tallies included.
    persons: dict = field(default_factory=dict)

    @property
    def finding_count(self) -> int:
        return sum(sum(row.values()) for row in self.findings.values())

    @property
    def share_with_findings(self) -> float | None:
        """Visits with at least one finding, as a fraction of visits (None without visits)."""
        return self.visits_with_findings / self.visits if self.visits else None

    @property
    def on_time_share(self) -> float | None:
        """Follow-ups done on time among those done or overdue (None when there are none)."""
        decided = sum(self.follow_ups[k] for k in ("on_time", "late", "overdue"))
        return self.follow_ups["on_time"] / decided if decided else None

    def by_severity(self) -> dict:
        """Findings per severity over all agencies."""
        totals = dict.fromkeys(SEVERITIES, 0)
        for row in self.findings.values():
            for severity, count in row.items():
                totals[severity] = totals.get(severity, 0) + count
        return totals


def _in_period(period: Period):
    start, until = period.utc_bounds()
    return (Visit.planned_start >= start) & (Visit.planned_start < until)


def compute(user, period: Period, now: dt.datetime) -> Figures:
    """The figures of `period` as `user` may see them (see the module docstring)."""
    figures = Figures(period)
    counted = [carried_out_between(*period.utc_bounds()), visible_visits(user)]
    figures.visits, figures.businesses = db.session.execute(
        select(func.count(Visit.id), func.count(distinct(Visit.business_id))).where(*counted)
    ).one()
    figures.not_counted = db.session.scalar(
        select(func.count(Visit.id)).where(
            _in_period(period),
            Visit.status.in_((VisitStatus.PLANNED, VisitStatus.IN_PROGRESS)),
            visible_visits(user),
        )
    )
    found = [*counted, Finding.deleted_at.is_(None), visible_items(user, Finding)]
    by_agency = (
        select(Finding.agency_code, Finding.severity, func.count(Finding.id))
        .join(Visit, Visit.id == Finding.visit_id)
        .where(*found)
        .group_by(Finding.agency_code, Finding.severity)
    )
    for agency, severity, count in db.session.execute(by_agency):
        figures.findings[agency][severity] = count
    figures.visits_with_findings = db.session.scalar(
        select(func.count(distinct(Finding.visit_id)))
        .join(Visit, Visit.id == Finding.visit_id)
        .where(*found)
    )
    _categories(figures, counted, found)
    _persons(figures, counted)
    _follow_ups(figures, user, period, now)
    return figures


def _categories(figures: Figures, counted: list, found: list) -> None:
    visits = (
        select(Business.category, func.count(Visit.id))
        .join(Business, Business.id == Visit.business_id)
        .where(*counted)
        .group_by(Business.category)
    )
    for category, count in db.session.execute(visits):
        figures.categories[category].visits = count
    findings = (
        select(Business.category, func.count(distinct(Finding.visit_id)), func.count(Finding.id))
        .join(Visit, Visit.id == Finding.visit_id)
        .join(Business, Business.id == Visit.business_id)
        .where(*found)
        .group_by(Business.category)
    )
    for category, with_findings, count in db.session.execute(findings):
        figures.categories[category].visits_with_findings = with_findings
        figures.categories[category].findings = count


def _persons(figures: Figures, counted: list) -> None:
    for category in list(figures.categories):
        visit_ids = (
            select(Visit.id)
            .join(Business, Business.id == Visit.business_id)
            .where(*counted, Business.category == category)
        )
        counts = person_counts(visit_ids)
        if counts.persons:
            figures.persons[category] = counts


def _follow_ups(figures: Figures, user, period: Period, now: dt.datetime) -> None:
    query = (
        select(FollowUp.id, FollowUp.due_date, FollowUp.status, FollowUp.updated_at)
        .join(Finding, Finding.id == FollowUp.finding_id)
        .join(Visit, Visit.id == FollowUp.visit_id)
        .where(
            FollowUp.due_date.between(period.start, period.end),
            Finding.deleted_at.is_(None),
            Visit.status != VisitStatus.CANCELLED,
            visible_items(user, Finding),
        )
    )
    rows = db.session.execute(query).all()
    done_at = _done_times([row.id for row in rows if row.status != FollowUpStatus.OPEN])
    for row in rows:
        if row.status == FollowUpStatus.OPEN:
            outcome = "overdue" if is_overdue(row.due_date, now) else "pending"
        else:
            moment = done_at.get(row.id) or row.updated_at
            outcome = "on_time" if moment < deadline(row.due_date) else "late"
        figures.follow_ups[outcome] += 1


def _done_times(follow_up_ids: list[int], chunk: int = 500) -> dict[int, dt.datetime]:
    """When each follow-up last left `open`, from the audit trail (its status changes)."""
    done = {}
    for first in range(0, len(follow_up_ids), chunk):
        ids = [str(i) for i in follow_up_ids[first : first + chunk]]
        events = db.session.execute(
            select(AuditEvent.entity_id, AuditEvent.at, AuditEvent.after)
            .where(AuditEvent.entity == "follow_up", AuditEvent.entity_id.in_(ids))
            .order_by(AuditEvent.id)
        )
        for entity_id, at, after in events:
            status = (after or {}).get("status")
            if status == FollowUpStatus.OPEN:
                done.pop(int(entity_id), None)
            elif status is not None and int(entity_id) not in done:
                done[int(entity_id)] = at
    return done


def category_rows(figures: Figures) -> list[tuple[str, CategoryFigures]]:
    """The categories that had visits, in the register's order."""
    return [
        (code, figures.categories[code])
        for code in CATEGORIES
        if code in figures.categories and figures.categories[code].visits
    ]


def as_data(figures: Figures) -> dict:
    """The figures as plain data (for the API): codes, not Swedish labels."""
    return {
        "period": {
            "kind": figures.period.kind,
            "start": figures.period.start,
            "end": figures.period.end,
            "label": figures.period.label,
        },
        "visits": figures.visits,
        "not_counted": figures.not_counted,
        "businesses": figures.businesses,
        "findings": figures.finding_count,
        "visits_with_findings": figures.visits_with_findings,
        "share_with_findings": figures.share_with_findings,
        "findings_by_agency": [
            {"agency": agency, "severity": severity, "count": count}
            for agency, row in sorted(figures.findings.items())
            for severity, count in sorted(row.items())
        ],
        "follow_ups": dict(figures.follow_ups),
        "on_time_share": figures.on_time_share,
        "categories": [{"category": code, **vars(row)} for code, row in category_rows(figures)],
    }
