"""The coordinator's overview shows follow-up counts that match the database."""

import datetime as dt
import re

from sqlalchemy import func, select

from otto.extensions import db
from otto.inspections import followups
from otto.inspections.models import FollowUp
from otto.timeutil import local_today, utcnow
from tests.web.conftest import text


def count_on_page(page: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}">(\d+)<', page).group(1))


def test_overview_counts_match_the_database(client, login, coordinator, make_visit, token_for):
    inspector_visit = make_visit(coordinator=coordinator)
    inspector = inspector_visit.assignments[0].user
    headers = token_for(inspector)
    for severity, due_in in (("major", None), ("minor", 0), ("minor", -2)):
        body = {"severity": severity, "description": "Avvikelse"}
        if due_in is not None:
            body["follow_up_due"] = (local_today() + dt.timedelta(days=due_in)).isoformat()
        response = client.post(
            f"/api/visits/{inspector_visit.id}/findings", headers=headers, json=body
        )
        assert response.status_code == 201
    followups.mark_overdue(utcnow())
    db.session.commit()
    page = text(login(coordinator).get("/oversikt"))
    open_in_db = db.session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.status == "open")
    )
    overdue_in_db = db.session.scalar(
        select(func.count()).select_from(FollowUp).where(FollowUp.due_date < local_today())
    )
    assert count_on_page(page, "open") == open_in_db == 3
    assert count_on_page(page, "overdue") == overdue_in_db == 1
    assert count_on_page(page, "week") >= 1  # the one due today


def test_lateness_comes_from_the_due_date_before_the_scheduled_job_has_run(
    client, login, coordinator, make_visit, token_for
):
    visit = make_visit(coordinator=coordinator)
    headers = token_for(visit.assignments[0].user)
    today = local_today()
    for days_late in (21, 14, 3, 1, -1):
        due = (today - dt.timedelta(days=days_late)).isoformat()
        response = client.post(
            f"/api/visits/{visit.id}/findings",
            headers=headers,
            json={"severity": "minor", "description": "Avvikelse", "follow_up_due": due},
        )
        assert response.status_code == 201
    assert db.session.scalar(select(func.count()).where(FollowUp.overdue_since.isnot(None))) == 0

    login(coordinator)
    assert count_on_page(text(client.get("/oversikt")), "overdue") == 4
    listing = text(client.get("/uppfoljning?vy=overdue"))
    assert listing.count("Försenad</span>") == 4
    late, not_yet = db.session.scalars(
        select(FollowUp.id)
        .where(FollowUp.due_date.in_([today - dt.timedelta(days=21), today + dt.timedelta(days=1)]))
        .order_by(FollowUp.due_date)
    )
    api = token_for(coordinator)
    patched = [
        client.patch(f"/api/follow-ups/{i}", headers=api, json={}).json for i in (late, not_yet)
    ]
    assert [p["overdue"] for p in patched] == [True, False]
    years = {(today - dt.timedelta(days=21)).isoformat(), today.isoformat()}  # maybe a new year
    figures = [
        client.get("/api/statistics", headers=api, query_string={"period": "year", "date": d}).json
        for d in {f"{d[:4]}-06-01" for d in years}
    ]
    assert sum(f["follow_ups"]["overdue"] for f in figures) == 4


def test_inspectors_overview_has_no_coordinator_counts(client, login, make_user):
    page = text(login(make_user()).get("/oversikt"))
    assert "Översikt" in page and "data-count" not in page
