"""The checklist pages around the editor in a real browser: a new template, the JSON view
with its Swedish errors, and the review before publishing with a note; none with a serious
accessibility problem. (The editor itself: test_checklist_editor.)"""

import json

from playwright.sync_api import expect

from tests.browser.test_coordinator import coordinator_page
from tests.browser.test_field_app import serious_accessibility_problems


def test_new_template_json_view_and_review_with_a_note(browser, live_server):
    page = coordinator_page(browser, live_server, bypass_csp=True)  # axe is injected inline
    page.goto(live_server + "/checklistor/")
    page.get_by_role("link", name="Ny mall").click()
    expect(page.get_by_role("heading", name="Ny mall")).to_be_visible()
    page.get_by_label("Rubrik").fill("Tillsyn av solarier")
    # Arbetsmiljöverket: the planning tests of this session expect one published checklist
    # for each of their agencies (a second one must be chosen by hand).
    page.get_by_label("Myndighet").select_option(label="Arbetsmiljöverket")
    page.get_by_label("Nyckel (valfri)").fill("Fel Nyckel")
    page.get_by_role("button", name="Skapa mallen").click()
    expect(page.get_by_text("Mallens nyckel får bara innehålla små bokstäver")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "new template, refused"

    page.get_by_label("Nyckel (valfri)").fill("")
    page.get_by_role("button", name="Skapa mallen").click()
    expect(page.get_by_text("Mallen ”Tillsyn av solarier” är skapad som utkast.")).to_be_visible()
    assert page.url.endswith("/redigera")

    page.get_by_role("link", name="Redigera som JSON").click()
    body = json.loads(page.get_by_label("Mallen som JSON").input_value())
    assert body["key"] == "tillsyn-av-solarier"
    body["sections"][0]["questions"].append(
        {"id": "uv", "type": "yesno", "text": "Finns UV-typmärkning?",
         "show_if": {"q": "finns-inte", "op": "answered"}}
    )  # fmt: skip
    page.get_by_label("Mallen som JSON").fill(json.dumps(body, ensure_ascii=False))
    page.get_by_role("button", name="Spara utkastet").click()
    expect(
        page.get_by_text("Visningsvillkoret hänvisar till en fråga som inte finns")
    ).to_be_visible()
    expect(page.get_by_text("Avsnitt 1 › fråga ”Finns UV-typmärkning?”")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "JSON view with errors"

    del body["sections"][0]["questions"][-1]["show_if"]
    page.get_by_label("Mallen som JSON").fill(json.dumps(body, ensure_ascii=False))
    page.get_by_role("button", name="Spara utkastet").click()
    expect(page.get_by_text("Utkastet är sparat.")).to_be_visible()

    page.get_by_role("link", name="Granska och publicera").click()
    expect(page.get_by_text("Första versionen av mallen.")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "review"
    page.get_by_label("Vad har ändrats? (syns i versionshistoriken)").fill("Första utgåvan.")
    page.get_by_role("button", name="Publicera version 1").click()
    expect(page.get_by_text("Vad har ändrats: Första utgåvan.")).to_be_visible()
    assert serious_accessibility_problems(page) == [], "published version"
    page.context.close()
