"""The coordinator workspace in a real browser: plan a joint visit for two agencies, find it
in the week calendar, open its dossier; and no serious accessibility problems on the way."""

import datetime as dt

from playwright.sync_api import expect

from otto.demo import DEMO_PASSWORD
from otto.timeutil import local_today
from tests.browser.test_field_app import serious_accessibility_problems


def coordinator_page(browser, live_server, **options):
    """A fresh browser context in Swedish on Stockholm time, signed in as the coordinator:
    its page (`page.context` to close it)."""
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", **options)
    page = context.new_page()
    sign_in(page, live_server)
    return page


def sign_in(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Översikt")).to_be_visible()


def test_coordinator_plans_a_joint_visit_sees_it_in_the_week_and_opens_the_dossier(
    browser, live_server
):
    page = coordinator_page(browser, live_server, bypass_csp=True)  # axe is injected inline
    assert serious_accessibility_problems(page) == [], "dashboard"

    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Verksamheter"
    ).click()
    page.get_by_label("Sök namn, organisationsnummer eller adress").fill("Nails")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="Nails by Linh").click()
    expect(page.get_by_role("heading", name="Nails by Linh")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "business page"

    page.get_by_role("link", name="Planera besök").last.click()
    expect(page.get_by_role("heading", name="Planera besök hos Nails by Linh")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "planning form"
    day = dt.date.today() + dt.timedelta(days=21)
    page.get_by_label("Datum").fill(day.isoformat())
    page.get_by_label("Starttid").fill("09:30")
    page.get_by_label("Sluttid").fill("11:00")
    page.get_by_label("Maria Öberg").check()
    page.get_by_label("Björn Åkesson").check()
    page.get_by_label("Samordnarens diarienummer").fill("OTTO 2026-77")
    page.get_by_role("button", name="Planera besöket").click()

    page.wait_for_load_state("load")
    expect(page.get_by_text("Besöket hos Nails by Linh är planerat.")).to_be_visible()
    expect(page.get_by_role("heading", name="Nails by Linh")).to_be_visible()
    expect(page.get_by_role("cell", name="Maria Öberg")).to_be_visible()
    expect(page.get_by_role("cell", name="Björn Åkesson")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "dossier"
    dossier_url = page.url

    year, week, _ = day.isocalendar()
    page.goto(f"{live_server}/kalender/?vecka={year}-W{week:02d}")
    event = page.get_by_role("link", name="Nails by Linh")
    expect(event).to_contain_text("09:30–11:00")
    event.click()
    page.wait_for_load_state("load")  # dossier.js fully sent before the browser goes away
    assert page.url == dossier_url
    page.context.close()


# One demo inspector of each of five agencies.
FIVE_AGENCIES = ("Maria Öberg", "Björn Åkesson", "Leila Haddad", "Peter Sjöström", "Sofia Ekström")


def test_coordinator_ranks_plans_from_the_list_with_live_warnings_and_sees_names_in_the_week(
    browser, live_server
):
    page = coordinator_page(browser, live_server)  # the real CSP
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Urval").click()
    expect(page.get_by_role("heading", name="Urval: var gör vi nästa besök?")).to_be_visible()
    first = page.locator("table.ranking tbody tr").first
    expect(first.locator("li[data-factor]").first).to_be_visible()
    name = first.locator("td").nth(1).get_by_role("link").inner_text()
    first.get_by_role("link", name="Planera besök").click()
    expect(page.get_by_role("heading", name=f"Planera besök hos {name}")).to_be_visible()

    # The demo's joint visit today 09:00–12:00 has Maria Öberg: the form warns before saving.
    today = local_today()  # the demo's 'today' is Stockholm's
    page.get_by_label("Datum").fill(today.isoformat())
    page.get_by_label("Starttid").fill("10:00")
    page.get_by_label("Sluttid").fill("11:30")
    for person in FIVE_AGENCIES:
        page.get_by_label(person).check()
    warnings = page.locator("#planning-warnings")
    expect(warnings).to_contain_text("Maria Öberg är redan bokad på ett besök som överlappar")
    page.get_by_label("Sluttid").fill("13:30")  # still overlapping: the warning stays
    expect(warnings).to_contain_text("Maria Öberg är redan bokad")
    page.get_by_role("button", name="Planera besöket").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text(f"Besöket hos {name} är planerat.")).to_be_visible()

    year, week, _ = today.isocalendar()
    page.goto(f"{live_server}/kalender/?vecka={year}-W{week:02d}")
    expect(page.get_by_role("heading", name=f"Besök vecka {week}, {year}")).to_be_visible()
    event = page.get_by_role("link", name=name).filter(has_text="10:00–13:30")
    for person in FIVE_AGENCIES:
        expect(event).to_contain_text(person)
    # Four of them are also on the demo's visit at 09:00–12:00; Sofia Ekström is not.
    expect(event.locator("li.double-booked")).to_have_count(4)
    expect(event.locator("li.double-booked").filter(has_text="Maria Öberg")).to_be_visible()
    expect(event.locator("li:not(.double-booked)")).to_contain_text("Sofia Ekström")
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('.week .day, .week .event, .week .event *')]
              .filter(el => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
              .map(el => el.textContent.trim().slice(0, 40))"""
    )
    assert overflowing == []
    page.context.close()
