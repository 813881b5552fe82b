"""The weekly digest and Statistik count a week's visits by one rule: visits carried out
(completed or closed), not planned, ongoing or cancelled ones."""

import datetime as dt

from otto.analysis import statistics
from otto.analysis.periods import period_of
from otto.extensions import db
from otto.inspections import deadlines, reminders
from otto.inspections.models import Visit

MONDAY = dt.date(2030, 6, 10)


def test_digest_and_statistics_count_the_same_visits(make_user, make_visit, make_business):
    coordinator = make_user(role="coordinator")
    statuses = ("completed", "closed", "cancelled", "planned", "in_progress")
    for day, status in enumerate(statuses):
        start = deadlines.local_time(MONDAY + dt.timedelta(days=day), 9)
        visit = make_visit(
            coordinator=coordinator,
            business_id=make_business(name=f"Verksamhet {status}").id,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
        )
        db.session.get(Visit, visit.id).status = status
    db.session.commit()

    # Monday 00:00 after the week: the digest's seven days are exactly Statistik's week.
    next_monday = deadlines.local_time(MONDAY + dt.timedelta(days=7))
    digest = reminders.digest_content(next_monday)
    figures = statistics.compute(coordinator, period_of("week", MONDAY), next_monday)

    names = sorted(visit.business.name for visit in digest["visits"])
    assert names == ["Verksamhet closed", "Verksamhet completed"]
    assert figures.visits == len(digest["visits"]) == 2
