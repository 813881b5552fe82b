"""The iCalendar feed: a secret, revocable URL per user carrying only what they may see."""

import re

from icalendar import Calendar

from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections.findings import create_finding
from tests.web.conftest import text


def feed_url(client, login, user) -> str:
    """Sign in as `user`, make a feed and return its path (shown once on the page)."""
    login(user)
    page = client.post("/kalender/prenumeration")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    url = re.search(r'id="feed-url">([^<]+)<', text(page)).group(1)
    client.post("/logout")
    return url.replace(client.application.config["BASE_URL"], "")


def events(response) -> dict:
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_parses_and_carries_the_users_visits(
    client, login, make_user, make_visit, make_business
):
    miljo = make_user(agency="miljo")
    business = make_business(name="Pizzeria Napoli", address="Tumba torg 4", city="Tumba")
    visit = make_visit(
        agencies=["polis"],
        inspectors=[miljo, make_user(agency="polis")],
        business_id=business.id,
        case_number="MHN 2026-42",
        briefing="Hemlig genomgång",
    )
    create_finding(
        Write(Actor(visit.assignments[1].user)),
        visit_id=visit.id,
        severity="critical",
        description="Svart arbetskraft misstänks",
        visibility="agency",
    )
    db.session.commit()
    url = feed_url(client, login, miljo)
    assert re.fullmatch(r"/kalender/otto_[\w-]+\.ics", url)
    response = client.get(url)
    [event] = events(response).values()
    assert str(event["uid"]) == f"{visit.id}@otto"
    assert "Pizzeria Napoli" in str(event["summary"])
    assert "Tumba torg 4" in str(event["location"])
    assert event.decoded("dtstart") == visit.planned_start
    description = str(event["description"])
    assert "MHN 2026-42" in description and "Polismyndigheten" in description
    body = response.get_data(as_text=True)
    assert "Svart arbetskraft" not in body and "Hemlig genomgång" not in body


def test_the_feed_never_carries_another_agencys_visits(
    client, login, make_user, make_visit, make_business
):
    miljo = make_user(agency="miljo")
    make_visit(agencies=["miljo"], inspectors=[miljo], business_id=make_business(name="Min").id)
    make_visit(agencies=["polis"], business_id=make_business(name="Polisens tillslag").id)
    body = client.get(feed_url(client, login, miljo))
    assert len(events(body)) == 1
    assert "Polisens tillslag" not in body.get_data(as_text=True)


def test_a_revoked_feed_is_404_and_a_new_url_replaces_the_old(client, login, make_user, make_visit):
    miljo = make_user(agency="miljo")
    make_visit(inspectors=[miljo])
    first = feed_url(client, login, miljo)
    second = feed_url(client, login, miljo)  # making a new URL revokes the first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    login(miljo)
    page = text(client.post("/kalender/prenumeration/aterkalla", follow_redirects=True))
    assert "Kalenderprenumerationen är återkallad" in page and "ingen aktiv" in page
    assert client.get(second).status_code == 404


def test_the_feed_token_opens_nothing_else_and_a_tablet_token_no_feed(
    client, login, make_user, token_for
):
    miljo = make_user(agency="miljo")
    url = feed_url(client, login, miljo)
    token = url.removeprefix("/kalender/").removesuffix(".ics")
    api = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    tablet_token = token_for(miljo)["Authorization"].split()[1]
    assert client.get(f"/kalender/{tablet_token}.ics").status_code == 404
    assert client.get("/kalender/otto_nonsense.ics").status_code == 404


def test_a_coordinators_feed_has_the_cancelled_visit_marked(client, login, coordinator, make_visit):
    visit = make_visit(coordinator=coordinator)
    login(coordinator)
    client.post(f"/besok/{visit.id}/stall-in")
    client.post("/logout")
    event = events(client.get(feed_url(client, login, coordinator)))[f"{visit.id}@otto"]
    assert str(event["status"]) == "CANCELLED"
