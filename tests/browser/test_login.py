"""A coordinator signs in with the demo login in a real browser and sees today's visit."""

from playwright.sync_api import expect

from otto.demo import DEMO_PASSWORD


def test_demo_coordinator_signs_in_and_sees_the_planned_visit(page, live_server):
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Översikt")).to_be_visible()
    expect(page.get_by_text("Sara Lindqvist")).to_be_visible()
    expect(page.get_by_role("cell", name="Pizzeria Napoli i Tumba")).to_be_visible()


def test_wrong_password_is_explained_in_swedish(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("Fel användarnamn eller lösenord.")
