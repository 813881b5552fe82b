"""The statistics page in a real browser: a coordinator opens Statistik, switches from this
week's situation picture to the tertial and sees the chart beside the table."""

import datetime as dt

from playwright.sync_api import expect

from otto.analysis.periods import period_of
from tests.browser.test_coordinator import coordinator_page
from tests.browser.test_field_app import TZ, Api, serious_accessibility_problems


def carried_out_visit(live_server, day: dt.date) -> None:
    """A visit on `day` at a demo business, with a miljö finding, completed."""
    coordinator, miljo = Api(live_server, "samordnare"), Api(live_server, "miljo")
    status, businesses = coordinator.call("GET", "/api/businesses?q=D%C3%A4ckcentralen")
    assert status == 200, businesses
    start = dt.datetime.combine(day, dt.time(7, 0), TZ)
    status, visit = coordinator.call(
        "POST",
        "/api/visits",
        {
            "business_id": businesses[0]["id"],
            "planned_start": start.isoformat(),
            "planned_end": (start + dt.timedelta(hours=1)).isoformat(),
            "participants": [{"user_id": miljo.user["id"], "template_version_ids": []}],
        },
    )
    assert status == 201, visit
    status, finding = miljo.call(
        "POST",
        f"/api/visits/{visit['id']}/findings",
        {"severity": "minor", "description": "Avfall förvaras öppet på gården"},
    )
    assert status == 201, finding
    for new_status in ("in_progress", "completed"):
        status, body = coordinator.call(
            "POST", f"/api/visits/{visit['id']}/status", {"status": new_status}
        )
        assert status == 200, body


def test_coordinator_switches_the_statistics_to_the_tertial(browser, live_server):
    tertial = period_of("tertial", dt.datetime.now(TZ).date())
    carried_out_visit(live_server, tertial.start)
    page = coordinator_page(browser, live_server, bypass_csp=True)  # axe is injected inline

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Statistik").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lägesbild vecka")
    page.get_by_label("Period", exact=True).select_option(label="Tertial")
    page.get_by_role("button", name="Visa").click()

    expect(page.get_by_role("heading", name=tertial.title)).to_be_visible()
    chart = page.get_by_role(
        "img", name=f"Avvikelser per myndighet och allvarlighetsgrad, {tertial.label}"
    )
    expect(chart).to_be_visible()
    expect(chart.locator("text", has_text="Miljö- och hälsoskydd")).to_be_visible()
    findings_table = page.locator("#tabell-avvikelser")
    expect(findings_table.get_by_role("rowheader", name="Miljö- och hälsoskydd")).to_be_visible()
    overview = page.locator("#tabell-oversikt")
    expect(overview.get_by_role("rowheader", name="Genomförda besök")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "statistics page"
    page.context.close()
