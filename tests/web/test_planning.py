"""Planning joint visits: the form, pinned checklist versions, the warnings, the week
calendar, editing and cancelling (which reach devices through sync)."""

import datetime as dt

from sqlalchemy import func, select

from otto.audit import AuditEvent
from otto.extensions import db
from otto.inspections.models import Visit
from otto.web.forms import LOCAL_TZ
from tests.web.conftest import text

DAY = (dt.date.today() + dt.timedelta(days=10)).isoformat()


def plan_form(inspectors, versions, **overrides):
    """Form data planning a visit on DAY 09:00–11:00 with these inspectors and versions."""
    data = {
        "date": DAY,
        "start": "09:00",
        "end": "11:00",
        "case_number": "MHN 2026-123",
        "briefing": "Samling vid polisbilen.",
        "inspector": [str(u.id) for u in inspectors],
    }
    for version in versions:
        data.setdefault(f"version-{version.template.agency_code}", []).append(str(version.id))
    data.update(overrides)
    return data


def newest_visit():
    return db.session.scalars(select(Visit).order_by(Visit.created_at.desc())).first()


def test_planning_creates_a_visit_with_assignments_and_pinned_versions(
    client, login, coordinator, make_user, make_business, template_version
):
    business = make_business(name="Nails by Linh")
    miljo, polis = make_user(agency="miljo"), make_user(agency="polis")
    miljo_v, polis_v = template_version("miljo"), template_version("polis")
    login(coordinator)
    form = client.get(f"/planering/ny?business_id={business.id}")
    assert form.status_code == 200 and miljo.name in text(form) and "Testmall" in text(form)
    response = client.post(
        f"/planering/ny?business_id={business.id}",
        data=plan_form([miljo, polis], [miljo_v, polis_v]),
    )
    assert response.status_code == 302
    visit = newest_visit()
    assert response.headers["Location"] == f"/besok/{visit.id}"
    assert visit.business_id == business.id and visit.case_number == "MHN 2026-123"
    assert visit.planned_start == dt.datetime.fromisoformat(f"{DAY}T09:00").replace(tzinfo=LOCAL_TZ)
    assert {(a.user_id, a.agency_code, a.template_version_id) for a in visit.assignments} == {
        (miljo.id, "miljo", miljo_v.id),
        (polis.id, "polis", polis_v.id),
    }


def test_an_agency_without_a_checklist_is_an_error_at_its_field(
    client, login, coordinator, make_user, make_business, template_version
):
    business = make_business()
    miljo = make_user(agency="miljo")
    template_version("miljo")
    login(coordinator)
    response = client.post(f"/planering/ny?business_id={business.id}", data=plan_form([miljo], []))
    assert response.status_code == 400
    assert 'id="version-miljo-error">Välj minst en checklista' in text(response)


def test_overlapping_booking_and_recent_visit_are_warned_but_not_blocked(
    client, login, coordinator, make_user, make_business, template_version, make_visit
):
    business = make_business(name="Alby Livs")
    miljo = make_user(agency="miljo", name="Maria Öberg")
    version = template_version("miljo")
    start = dt.datetime.fromisoformat(f"{DAY}T10:00").replace(tzinfo=LOCAL_TZ)
    make_visit(
        coordinator=coordinator,
        inspectors=[miljo],
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
    )  # another business, overlapping 10–12
    make_visit(
        coordinator=coordinator,
        inspectors=[make_user(agency="brand")],
        business_id=business.id,
        planned_start=start - dt.timedelta(days=12),
        planned_end=start - dt.timedelta(days=12, hours=-1),
    )
    login(coordinator)
    response = client.post(
        f"/planering/ny?business_id={business.id}",
        data=plan_form([miljo], [version]),
        follow_redirects=True,
    )
    body = text(response)
    assert response.status_code == 200  # planned all the same
    assert "Maria Öberg är redan bokad på ett besök som överlappar" in body
    assert "Alby Livs har ett annat besök inom 30 dagar" in body


def test_the_form_asks_for_warnings_before_saving(
    client, login, coordinator, make_user, make_business, make_visit
):
    business = make_business(name="Alby Livs")
    miljo = make_user(agency="miljo", name="Maria Öberg")
    start = dt.datetime.fromisoformat(f"{DAY}T10:00").replace(tzinfo=LOCAL_TZ)
    make_visit(
        coordinator=coordinator,
        inspectors=[miljo],
        business_id=business.id,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
    )
    login(coordinator)
    form = text(client.get(f"/planering/ny?business_id={business.id}"))
    assert 'src="/static/planning.js"' in form and 'id="planning-warnings"' in form
    url = "/planering/varningar"
    plan = {
        "business_id": business.id,
        "date": DAY,
        "start": "11:00",
        "end": "12:00",
        "inspector": [str(miljo.id)],
    }
    before = db.session.scalar(select(func.count()).select_from(Visit))
    answer = client.get(url, query_string=plan)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.json["warnings"] == [
        "Varning: Maria Öberg är redan bokad på ett besök som överlappar "
        f"(Alby Livs, {DAY} 10:00).",
        f"Varning: Alby Livs har ett annat besök inom 30 dagar ({DAY} 10:00, planerat).",
    ]
    later = client.get(url, query_string=plan | {"start": "12:00", "end": "13:00"})
    assert later.json["warnings"] == [
        f"Varning: Alby Livs har ett annat besök inom 30 dagar ({DAY} 10:00, planerat)."
    ]
    bad = client.get(url, query_string=plan | {"end": "09:00"})
    assert bad.status_code == 400 and bad.json["field"] == "end"
    assert client.get(url, query_string=plan | {"date": "igår"}).json["field"] == "date"
    assert client.get(url, query_string={"date": DAY}).json["field"] == "business_id"
    assert db.session.scalar(select(func.count()).select_from(Visit)) == before


def test_no_warning_without_overlap(
    client, login, coordinator, make_user, make_business, template_version
):
    business = make_business()
    miljo = make_user(agency="miljo")
    login(coordinator)
    response = client.post(
        f"/planering/ny?business_id={business.id}",
        data=plan_form([miljo], [template_version("miljo")]),
        follow_redirects=True,
    )
    assert "Varning" not in text(response)


def test_the_week_calendar_lists_the_visit_and_moves_by_week(
    client, login, coordinator, make_visit, make_business
):
    start = dt.datetime.fromisoformat(f"{DAY}T13:15").replace(tzinfo=LOCAL_TZ)
    visit = make_visit(
        coordinator=coordinator,
        business_id=make_business(name="Fittja Biltvätt").id,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=1),
    )
    year, week, _ = start.date().isocalendar()
    login(coordinator)
    page = text(client.get(f"/kalender/?vecka={year}-W{week:02d}"))
    assert "Fittja Biltvätt" in page and "13:15–14:15" in page and f"/besok/{visit.id}" in page
    assert 'rel="next"' in page and 'rel="prev"' in page
    other_week = (start - dt.timedelta(days=7)).date().isocalendar()
    earlier = text(client.get(f"/kalender/?vecka={other_week[0]}-W{other_week[1]:02d}"))
    assert "Fittja Biltvätt" not in earlier
    filtered = text(client.get(f"/kalender/?vecka={year}-W{week:02d}&myndighet=polis"))
    assert "Fittja Biltvätt" not in filtered


def test_the_calendar_heads_a_week_with_its_iso_year(client, login, coordinator):
    login(coordinator)
    page = text(client.get("/kalender/?vecka=2026-W01"))  # Monday is 29 December 2025
    assert "Besök vecka 1, 2026" in page and "Måndag 29/12" in page
    assert "vecka=2025-W52" in page and "vecka=2026-W02" in page


def test_calendar_events_name_their_inspectors_and_mark_a_double_booked_one(
    client, login, coordinator, make_user, make_visit, make_business
):
    start = dt.datetime.fromisoformat(f"{DAY}T09:00").replace(tzinfo=LOCAL_TZ)
    agencies = ("miljo", "brand", "livsmedel", "polis", "skatt")
    five = [make_user(agency=a, name=f"Inspektör {a.capitalize()}") for a in agencies]
    busy = five[2]
    make_visit(
        coordinator=coordinator,
        inspectors=five,
        business_id=make_business(name="Stora Razzian AB").id,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=3),
    )
    make_visit(
        coordinator=coordinator,
        inspectors=[busy, make_user(agency="miljo", name="Ledig Person")],
        business_id=make_business(name="Krocken HB").id,
        planned_start=start + dt.timedelta(hours=2),
        planned_end=start + dt.timedelta(hours=4),
    )
    year, week, _ = start.date().isocalendar()
    login(coordinator)
    page = text(client.get(f"/kalender/?vecka={year}-W{week:02d}"))
    big = page.split("Stora Razzian AB", 1)[1].split("</a>", 1)[0]
    marked = '<li class="double-booked">'
    for user in five:
        assert f"{marked if user is busy else '<li>'}{user.name}" in big
    assert big.count("<li") == 5 and big.count("Dubbelbokad") == 1
    assert "Livsmedelskontrollen" in big and "Polismyndigheten" in big
    other = page.split("Krocken HB", 1)[1].split("</a>", 1)[0]
    assert '<li class="double-booked">Inspektör Livsmedel' in other
    assert "<li>Ledig Person" in other and other.count("Dubbelbokad") == 1


def test_an_inspector_sees_only_own_visits_in_the_calendar(
    client, login, coordinator, make_user, make_visit, make_business
):
    miljo = make_user(agency="miljo")
    start = dt.datetime.fromisoformat(f"{DAY}T08:00").replace(tzinfo=LOCAL_TZ)
    fields = {"planned_start": start, "planned_end": start + dt.timedelta(hours=1)}
    make_visit(inspectors=[miljo], business_id=make_business(name="Mitt besök").id, **fields)
    make_visit(agencies=["polis"], business_id=make_business(name="Polisens besök").id, **fields)
    year, week, _ = start.date().isocalendar()
    login(miljo)
    page = text(client.get(f"/kalender/?vecka={year}-W{week:02d}"))
    assert "Mitt besök" in page and "Polisens besök" not in page


def test_editing_the_plan_reaches_devices_through_pull(
    client, login, coordinator, make_user, make_visit, token_for
):
    miljo, brand = make_user(agency="miljo"), make_user(agency="brand")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, brand])
    miljo_headers, brand_headers = token_for(miljo), token_for(brand)
    cursor = client.get("/api/sync/pull?cursor=0", headers=miljo_headers).json["next_cursor"]
    brand_cursor = client.get("/api/sync/pull?cursor=0", headers=brand_headers).json["next_cursor"]
    login(coordinator)
    form = client.get(f"/besok/{visit.id}/redigera")
    assert form.status_code == 200
    version_id = next(a.template_version_id for a in visit.assignments if a.user_id == miljo.id)
    response = client.post(
        f"/besok/{visit.id}/redigera",
        data={
            "date": DAY,
            "start": "14:00",
            "end": "15:30",
            "case_number": "MHN 2026-999",
            "inspector": [str(miljo.id)],  # brand is taken off the visit
            "version-miljo": [str(version_id)],
        },
    )
    assert response.status_code == 302
    changes = client.get(f"/api/sync/pull?cursor={cursor}", headers=miljo_headers).json
    [entry] = [c for c in changes["changes"] if c["entity"] == "visit"]
    assert entry["data"]["case_number"] == "MHN 2026-999"
    start = dt.datetime.fromisoformat(f"{DAY}T14:00").replace(tzinfo=LOCAL_TZ)
    assert dt.datetime.fromisoformat(entry["data"]["planned_start"]) == start
    gone = client.get(f"/api/sync/pull?cursor={brand_cursor}", headers=brand_headers).json
    assert {"entity": "visit", "id": visit.id, "deleted": True}.items() <= next(
        c for c in gone["changes"] if c["entity"] == "visit"
    ).items()


def test_cancelling_keeps_the_visit_marks_it_and_syncs(
    client, login, coordinator, make_user, make_visit, token_for
):
    miljo = make_user(agency="miljo")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo])
    headers = token_for(miljo)
    cursor = client.get("/api/sync/pull?cursor=0", headers=headers).json["next_cursor"]
    login(coordinator)
    response = client.post(f"/besok/{visit.id}/stall-in", follow_redirects=True)
    assert "Besöket är inställt" in text(response)
    assert db.session.get(Visit, visit.id).status == "cancelled"
    pulled = client.get(f"/api/sync/pull?cursor={cursor}", headers=headers).json["changes"]
    assert [c["data"]["status"] for c in pulled if c["entity"] == "visit"] == ["cancelled"]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.visit_id == visit.id, AuditEvent.action == "cancel")
    )
    assert event.user_id == coordinator.id
    again = client.post(f"/besok/{visit.id}/stall-in", follow_redirects=True)
    assert "Besöket kan inte få den statusen nu" in text(again)


def test_the_visit_list_is_filterable(client, login, coordinator, make_visit, make_business):
    make_visit(coordinator=coordinator, business_id=make_business(name="Salong Ett").id)
    make_visit(
        coordinator=coordinator,
        agencies=["polis"],
        business_id=make_business(name="Salong Två").id,
        case_number="POL-7",
    )
    login(coordinator)
    assert "Salong Två" not in text(client.get("/besok?myndighet=miljo"))
    by_case = text(client.get("/besok?q=pol-7"))
    assert "Salong Två" in by_case and "Salong Ett" not in by_case


def test_dates_at_the_ends_of_the_calendar_are_no_filter_and_no_week(client, login, coordinator):
    login(coordinator)
    for url in ("/besok?fran=0001-01-01", "/kalender/?vecka=0001-W01", "/kalender/?vecka=9999-W52"):
        assert client.get(url).status_code == 200, url
