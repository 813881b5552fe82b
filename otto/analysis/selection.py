"""Risk-based selection: the business register ranked by a transparent score.

Every point of a business's score comes from a factor the page names in Swedish with the
data behind it ("3 avvikelser senaste året", "uppföljning försenad 21 dagar", "ej besökt på
14 månader", "tips från Botkyrkabyggen 2026-11-30"). A factor gives `weight` points per unit;
an admin sets the weights (0 turns a factor off), and one weight per business category.

The factors, all counted as the viewer may see them (`visible_items`, `visible_follow_ups`,
`visible_visits`, `visible_signals`), so a police tip with `agency` visibility counts only for
the police and the coordinators:
- deviations: non-deleted findings other than observations (info) recorded in the last 365
  days, on visits that were not cancelled;
- overdue_follow_ups / open_follow_ups: open follow-ups past their deadline
  (`deadlines.late_clause`) and open ones not yet due;
- months_since_visit: whole months since the last carried-out visit, at most 24 (never
  visited counts as 24);
- signals: tips received in the last 365 days;
- related: other businesses with a deviation (at any time) sharing the org number, and
  those sharing the address and postcode (each counted once per thing shared);
- repeat_persons: persons recorded on site in the last 365 days who were also recorded at
  another business within 14 days (`persons.repeat_persons`, by the keyed hash);
- category: the category's own weight.

The score is computed in one SQL statement of grouped aggregates over the whole register,
so the ranking costs the same whatever the page; the texts are built for the page's rows only.
"""

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, literal, select

from otto import audit
from otto.analysis.models import SelectionWeight
from otto.errors import Forbidden, Invalid
from otto.extensions import db
from otto.inspections import deadlines, persons
from otto.inspections.businesses import CATEGORIES
from otto.inspections.models import (
    Business,
    Finding,
    FollowUp,
    Severity,
    Signal,
    Visit,
    VisitStatus,
)
from otto.inspections.visibility import (
    visible_follow_ups,
    visible_items,
    visible_signals,
    visible_visits,
)
from otto.inspections.visits import CARRIED_OUT
from otto.labels import plural

FACTORS = (
    "deviations",
    "overdue_follow_ups",
    "open_follow_ups",
    "months_since_visit",
    "signals",
    "related",
    "repeat_persons",
)
DEFAULT_WEIGHTS = {
    "deviations": 10,
    "overdue_follow_ups": 8,
    "open_follow_ups": 3,
    "months_since_visit": 1,
    "signals": 15,
    "related": 5,
    "repeat_persons": 12,
}
DEFAULT_CATEGORY_WEIGHTS = {
    "massage": 10,
    "nagelsalong": 8,
    "pizzeria": 6,
    "restaurang": 6,
    "biltvatt": 6,
    "bilverkstad": 5,
    "frisor": 5,
    "kiosk": 4,
    "butik": 2,
    "ovrigt": 0,
}
CATEGORY_PREFIX = "category:"
WINDOW_DAYS = 365
MAX_MONTHS = 24
MAX_WEIGHT = 1000


# --- weights -------------------------------------------------------------------------------


def weights() -> dict[str, int]:
    """The current weights: each factor's, and `category:<code>` for each category
    (defaults where an admin has set none)."""
    current = dict(DEFAULT_WEIGHTS)
    current |= {f"{CATEGORY_PREFIX}{c}": w for c, w in DEFAULT_CATEGORY_WEIGHTS.items()}
    current |= {row.factor: row.weight for row in db.session.scalars(select(SelectionWeight))}
    return current


def set_weights(actor, new: dict[str, int]) -> dict[str, int]:
    """Set weights (admins): whole numbers 0–MAX_WEIGHT for known factors and categories.
    Audited; Invalid names each bad key and nothing is written."""
    if actor.user.role != "admin":
        raise Forbidden("Only admins change the selection's weights.")
    known = set(FACTORS) | {f"{CATEGORY_PREFIX}{c}" for c in CATEGORIES}
    errors = {}
    for key, value in new.items():
        if key not in known:
            errors[key] = ["Unknown factor."]
        elif not isinstance(value, int) or isinstance(value, bool):
            errors[key] = ["Must be a whole number."]
        elif not 0 <= value <= MAX_WEIGHT:
            errors[key] = [f"Must be between 0 and {MAX_WEIGHT}."]
    if errors:
        raise Invalid("The weights are not valid.", errors)
    before = weights()
    for key, value in new.items():
        row = db.session.get(SelectionWeight, key) or SelectionWeight(factor=key)
        row.weight = value
        db.session.add(row)
    db.session.flush()
    after = weights()
    if after != before:
        audit.record(actor, "update", "selection_weight", "weights", before=before, after=after)
    return after


# --- the score -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One reason in a business's score: its key, what the page says, its points."""

    key: str
    text: str
    points: int


@dataclass
class Ranked:
    """A business, its score and the factors that make it up (their points sum to it)."""

    business: Business
    score: int
    factors: list[Factor] = field(default_factory=list)


@dataclass
class Ranking:
    """One page of the ranked register and how many businesses it has in all (with the
    attributes of a page of results that the pages' pager reads)."""

    rows: list[Ranked]
    total: int
    page: int = 1
    per_page: int = 25

    @property
    def pages(self) -> int:
        return max(-(-self.total // self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _months_ago(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day if shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def whole_months(since: dt.date, today: dt.date) -> int:
    """Whole calendar months from `since` to `today` (14 from 2025-10-05 to 2026-12-05)."""
    months = 0
    while months < MAX_MONTHS and _months_ago(today, months + 1) >= since:
        months += 1
    return months


def _months_expression(last_visit, today: dt.date):
    """SQL for `whole_months(local date of last_visit, today)`, MAX_MONTHS when never: a
    sum of one comparison per month, so it is the same on SQLite and PostgreSQL."""
    steps = [
        case(
            (last_visit < deadlines.local_time(_months_ago(today, k) + dt.timedelta(1)), 1), else_=0
        )
        for k in range(1, MAX_MONTHS + 1)
    ]
    return case((last_visit.is_(None), MAX_MONTHS), else_=functools.reduce(operator.add, steps))


def _deviation(user, since: dt.datetime | None):
    """The conditions of a finding that counts as a deviation the user may see."""
    conditions = [
        Finding.deleted_at.is_(None),
        Finding.severity != Severity.INFO,
        Visit.status != VisitStatus.CANCELLED,
        visible_items(user, Finding),
    ]
    if since is not None:
        conditions.append(Finding.created_at >= since)
    return conditions


def _aggregates(user, now: dt.datetime):
    """The grouped subqueries, one row per business that has any of the factor."""
    today = deadlines.local_date(now)
    since = now - dt.timedelta(days=WINDOW_DAYS)
    deviations = (
        select(Visit.business_id.label("business_id"), func.count(Finding.id).label("n"))
        .join(Visit, Visit.id == Finding.visit_id)
        .where(*_deviation(user, since))
        .group_by(Visit.business_id)
        .subquery("deviations")
    )
    late = deadlines.late_clause(now)
    follow_ups = (
        select(
            Visit.business_id.label("business_id"),
            func.count(FollowUp.id).label("open"),
            func.coalesce(func.sum(case((late, 1), else_=0)), 0).label("late"),
            func.min(case((late, FollowUp.due_date))).label("oldest_late"),
        )
        .join(Visit, Visit.id == FollowUp.visit_id)
        .where(FollowUp.status == deadlines.PENDING, visible_follow_ups(user))
        .group_by(Visit.business_id)
        .subquery("follow_ups")
    )
    visits = (
        select(Visit.business_id.label("business_id"), func.max(Visit.planned_start).label("last"))
        .where(Visit.status.in_(CARRIED_OUT), Visit.planned_start <= now, visible_visits(user))
        .group_by(Visit.business_id)
        .subquery("last_visits")
    )
    signals = (
        select(Signal.business_id.label("business_id"), func.count(Signal.id).label("n"))
        .where(Signal.received_on > today - dt.timedelta(days=WINDOW_DAYS), visible_signals(user))
        .group_by(Signal.business_id)
        .subquery("signals")
    )
    deviating = (
        select(Visit.business_id.label("id"))
        .join(Finding, Finding.visit_id == Visit.id)
        .where(*_deviation(user, None))
        .group_by(Visit.business_id)
        .cte("deviating")
    )
    # Deviating businesses counted per org number and per address (grouped once), so each
    # business finds its count by one lookup rather than by pairing it with every other.
    deviating_rows = (
        select(
            Business.org_number,
            func.lower(Business.address).label("address"),
            Business.postal_code,
        )
        .join(deviating, deviating.c.id == Business.id)
        .cte("deviating_rows")
    )
    same_org = (
        select(deviating_rows.c.org_number, func.count().label("n"))
        .group_by(deviating_rows.c.org_number)
        .subquery("same_org")
    )
    same_address = (
        select(deviating_rows.c.address, deviating_rows.c.postal_code, func.count().label("n"))
        .group_by(deviating_rows.c.address, deviating_rows.c.postal_code)
        .subquery("same_address")
    )
    return deviations, follow_ups, visits, signals, (deviating, same_org, same_address)


def rank(
    user,
    now: dt.datetime,
    *,
    category: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Ranking:
    """The register ranked by score, highest first (then by name), one page of it, each
    business with its factors; only `category` when given."""
    w = weights()
    deviations, follow_ups, visits, signals, (deviating, same_org, same_address) = _aggregates(
        user, now
    )
    today = deadlines.local_date(now)
    n_deviations = func.coalesce(deviations.c.n, 0)
    n_late = func.coalesce(follow_ups.c.late, 0)
    n_open = func.coalesce(follow_ups.c.open, 0) - n_late
    months = _months_expression(visits.c.last, today)
    n_signals = func.coalesce(signals.c.n, 0)
    itself = case((deviating.c.id.is_(None), 0), else_=1)  # not related to itself
    n_same_org = func.coalesce(same_org.c.n, 0) - itself
    n_same_address = func.coalesce(same_address.c.n, 0) - itself
    repeats = persons.repeat_persons(user, now - dt.timedelta(days=WINDOW_DAYS))
    n_repeats = case(repeats, value=Business.id, else_=0) if repeats else literal(0)
    category_points = case(
        {code: w[f"{CATEGORY_PREFIX}{code}"] for code in CATEGORIES},
        value=Business.category,
        else_=0,
    )
    score = (
        n_deviations * w["deviations"]
        + n_late * w["overdue_follow_ups"]
        + n_open * w["open_follow_ups"]
        + months * w["months_since_visit"]
        + n_signals * w["signals"]
        + (n_same_org + n_same_address) * w["related"]
        + n_repeats * w["repeat_persons"]
        + category_points
    ).label("score")
    query = (
        select(
            Business,
            score,
            n_deviations.label("deviations"),
            n_late.label("late"),
            follow_ups.c.oldest_late,
            n_open.label("open"),
            visits.c.last,
            months.label("months"),
            n_signals.label("signals"),
            n_same_org.label("same_org"),
            n_same_address.label("same_address"),
            n_repeats.label("repeat_persons"),
        )
        .outerjoin(deviations, deviations.c.business_id == Business.id)
        .outerjoin(follow_ups, follow_ups.c.business_id == Business.id)
        .outerjoin(visits, visits.c.business_id == Business.id)
        .outerjoin(signals, signals.c.business_id == Business.id)
        .outerjoin(deviating, deviating.c.id == Business.id)
        .outerjoin(same_org, same_org.c.org_number == Business.org_number)
        .outerjoin(
            same_address,
            and_(
                same_address.c.address == func.lower(Business.address),
                same_address.c.postal_code == Business.postal_code,
            ),
        )
        .order_by(score.desc(), Business.name, Business.id)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    total = select(func.count(Business.id))
    if category:
        query = query.where(Business.category == category)
        total = total.where(Business.category == category)
    rows = db.session.execute(query).all()
    tips = _signals_of(user, [row.Business.id for row in rows if row.signals], today)
    ranked = [
        Ranked(row.Business, row.score, _factors(row, w, now, tips.get(row.Business.id, [])))
        for row in rows
    ]
    return Ranking(ranked, db.session.scalar(total), max(page, 1), per_page)


def _signals_of(user, business_ids: list[int], today: dt.date) -> dict[int, list[Signal]]:
    """The counted signals of these businesses, newest first."""
    if not business_ids:
        return {}
    query = (
        select(Signal)
        .where(
            Signal.business_id.in_(business_ids),
            Signal.received_on > today - dt.timedelta(days=WINDOW_DAYS),
            visible_signals(user),
        )
        .order_by(Signal.received_on.desc(), Signal.id.desc())
    )
    found: dict[int, list[Signal]] = {}
    for signal in db.session.scalars(query):
        found.setdefault(signal.business_id, []).append(signal)
    return found


def _factors(row, w: dict[str, int], now: dt.datetime, tips: list[Signal]) -> list[Factor]:
    """The reasons behind a row's score, in Swedish, each with its points (zeros left out)."""
    factors = []

    def add(key: str, text: str, points: int) -> None:
        if points:
            factors.append(Factor(key, text, points))

    add(
        "deviations",
        f"{plural(row.deviations, 'avvikelse')} senaste året",
        row.deviations * w["deviations"],
    )
    if row.late:
        days = plural(deadlines.days_late(row.oldest_late, now), "dag")
        text = (
            f"uppföljning försenad {days}"
            if row.late == 1
            else f"{row.late} uppföljningar försenade, den äldsta {days}"
        )
        add("overdue_follow_ups", text, row.late * w["overdue_follow_ups"])
    add("open_follow_ups", plural(row.open, "öppen uppföljning"), row.open * w["open_follow_ups"])
    if row.last is None:
        text = "aldrig besökt"
    elif row.months >= MAX_MONTHS:
        text = f"ej besökt på {MAX_MONTHS} månader eller mer"
    else:
        text = f"ej besökt på {plural(row.months, 'månad')}"
    add("months_since_visit", text, row.months * w["months_since_visit"])
    for signal in tips:
        add("signals", f"tips från {signal.source} {signal.received_on.isoformat()}", w["signals"])
    add(
        "related",
        f"samma organisationsnummer som {plural(row.same_org, 'verksamhet')} med avvikelser",
        row.same_org * w["related"],
    )
    add(
        "related",
        f"samma adress som {plural(row.same_address, 'verksamhet')} med avvikelser",
        row.same_address * w["related"],
    )
    add(
        "repeat_persons",
        f"{plural(row.repeat_persons, 'person')} på plats också registrerad hos en annan "
        f"verksamhet inom {persons.SIGNAL_DAYS} dagar"
        if row.repeat_persons == 1
        else f"{plural(row.repeat_persons, 'person')} på plats också registrerade hos en annan "
        f"verksamhet inom {persons.SIGNAL_DAYS} dagar",
        row.repeat_persons * w["repeat_persons"],
    )
    category = row.Business.category
    add(
        "category",
        f"kategori {CATEGORIES.get(category, category)}",
        w.get(f"{CATEGORY_PREFIX}{category}", 0),
    )
    return factors
