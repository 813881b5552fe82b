"""Issued reports after data retention: the archived PDFs stay as issued (archive rules), and
retention, which changes the visit's data without reopening it, never issues a new version."""

import datetime as dt

from sqlalchemy import select

from otto.extensions import db
from otto.inspections import tasks
from otto.inspections.models import Visit
from otto.reports.models import Report
from tests.reports.test_reports import close, pdf_of, set_status, whole


def test_retention_issues_no_new_report_version_and_keeps_the_archived_one(report_visit, fetch):
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    close(visit, coordinator)
    issued = fetch(coordinator, visit.id)
    assert issued.headers["X-Report-Version"] == "1"
    db.session.get(Visit, visit.id).planned_end = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    assert tasks.apply_retention(dt.datetime.now(dt.UTC)) == [visit.id]

    again = fetch(coordinator, visit.id)
    assert again.headers["X-Report-Version"] == "1" and again.data == pdf_of(issued)
    rows = db.session.scalars(select(Report).where(Report.visit_id == visit.id)).all()
    assert [row.version for row in rows] == [1]

    # A reopen (and a change) is what makes the next version, now without the removed data.
    set_status(visit, coordinator, "completed", "closed")
    reissued = fetch(coordinator, visit.id)
    assert reissued.headers["X-Report-Version"] == "2"
    assert "Göran Ålund" in whole(issued.data) and "Göran Ålund" not in whole(reissued.data)
