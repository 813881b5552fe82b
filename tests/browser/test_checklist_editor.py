"""The checklist editor in a real browser: a coordinator builds a checklist from nothing with
pickers (a nested condition, a deviation rule), publishes it, plans a visit with it, and an
inspector fills it offline on the tablet and is offered the deviation; questions move by
keyboard; the review page lists a removed question; an invalid draft is not published and
says why in Swedish; no accessibility problem and no refusal by the Content-Security-Policy.
"""

import urllib.parse

from playwright.sync_api import expect

from otto.timeutil import local_today
from tests.browser.test_content_security_policy import Violations
from tests.browser.test_coordinator import coordinator_page, sign_in
from tests.browser.test_field_app import (
    Api,
    open_app,
    serious_accessibility_problems,
    visit_link,
)

STATUS = ".ed-status"


def cards(page):
    return page.locator("li.ed-question")


def card(page, question_id: str):
    """A question's card in the editor (by the id the editor gave it)."""
    return page.locator(f'li.ed-question[data-question-card="{question_id}"]')


def order(page) -> list[str]:
    return cards(page).evaluate_all("els => els.map(e => e.dataset.questionCard)")


def stored_body(page, version_id: str, until: str) -> dict:
    """The editor's unsaved work, kept in localStorage until saved, once `until` (a JavaScript
    function of the body) holds: the editor writes it just after each change."""
    key = f"otto-editor:{version_id}"
    page.wait_for_function(
        f"""(key) => {{
          const kept = localStorage.getItem(key);
          return kept !== null && ({until})(JSON.parse(kept).body);
        }}""",
        arg=key,
    )
    return page.evaluate("(key) => JSON.parse(localStorage.getItem(key)).body", key)


def new_draft_of(page, live_server, title: str) -> str:
    """A new draft version of a demo template, opened in the editor; returns its id."""
    page.goto(live_server + "/checklistor/")
    page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Ny version").click()
    expect(page.get_by_role("heading", name="Redigera checklista")).to_be_visible()
    return page.url.split("/versioner/")[1].split("/")[0]


def build_three_sections(page):
    """From the starter draft (one section, one yes/no question) to three sections whose last
    question has show_if any-of [q1 = Nej, all-of [q2 > 5, not q3 answered]] and a rule."""
    page.get_by_label("Avsnittets rubrik").fill("Rutiner")
    page.get_by_role("button", name="Ny fråga").click()
    first = cards(page).first
    first.get_by_label("Frågetext").fill("Finns skriftliga rutiner?")
    first.get_by_label("Obligatorisk").check()
    page.get_by_role("button", name="Lägg till fråga i ”Rutiner”").click()
    second = cards(page).nth(1)
    expect(second.get_by_label("Frågetext")).to_be_focused()
    second.get_by_label("Frågetext").fill("Antal anställda")
    second.get_by_label("Frågetyp").select_option(label="Heltal")

    page.get_by_role("button", name="Lägg till avsnitt").click()
    expect(page.get_by_label("Avsnittets rubrik").nth(1)).to_be_focused()
    page.get_by_label("Avsnittets rubrik").nth(1).fill("Skyltar")
    third = cards(page).nth(2)
    third.get_by_role("button", name="Ny fråga").click()
    third.get_by_label("Frågetext").fill("Foto på skylten")
    third.get_by_label("Frågetyp").select_option(label="Foto")

    page.get_by_role("button", name="Lägg till avsnitt").click()
    page.get_by_label("Avsnittets rubrik").nth(2).fill("Brandskydd")
    fourth = cards(page).nth(3)
    fourth.get_by_role("button", name="Ny fråga").click()
    fourth.get_by_label("Frågetext").fill("Finns brandsläckare?")
    shown = fourth.locator("fieldset.ed-condition")
    shown.get_by_role("button", name="Lägg till villkor").click()
    shown.get_by_label("Fråga", exact=True).select_option(label="Finns skriftliga rutiner?")
    expect(shown.get_by_label("Värde")).to_have_value("no")
    shown.get_by_role("button", name="Lägg till grupp").click()
    shown.get_by_label("Hur villkoren kombineras").first.select_option(
        label="Något av villkoren gäller"
    )
    nested = shown.locator(".cond-group.nested")
    nested.get_by_label("Fråga", exact=True).select_option(label="Antal anställda")
    nested.get_by_label("Villkor", exact=True).select_option(label="är större än")
    nested.get_by_label("Värde").fill("5")
    nested.get_by_label("Värde").press("Tab")
    nested.get_by_role("button", name="Lägg till villkor").click()
    nested.get_by_label("Fråga", exact=True).nth(1).select_option(label="Foto på skylten")
    nested.get_by_label("Villkor", exact=True).nth(1).select_option(label="är obesvarad")
    # The picker offers only earlier questions: never this one or a later one.
    offered = shown.get_by_label("Fråga", exact=True).first.locator("option").all_inner_texts()
    assert offered == ["Finns skriftliga rutiner?", "Antal anställda", "Foto på skylten"]

    rule = fourth.locator("fieldset.ed-deviation")
    rule.get_by_label("Föreslå en avvikelse när villkoret är uppfyllt").check()
    expect(rule.get_by_label("Värde")).to_have_value("no")  # "Finns brandsläckare?" är Nej
    rule.get_by_label("Allvarlighet").select_option(label="Större avvikelse")
    rule.get_by_label("Avvikelsens text").fill("Brandsläckare saknas")
    rule.get_by_label("Lagrum för avvikelsen").fill("LSO 2 kap. 2 §")


EXPECTED_SHOW_IF = {
    "any": [
        {"q": "finns-skriftliga-rutiner", "op": "eq", "value": "no"},
        {
            "all": [
                {"q": "antal-anstallda", "op": "gt", "value": 5},
                {"not": {"q": "foto-pa-skylten", "op": "answered"}},
            ]
        },
    ]
}


def test_a_checklist_built_from_nothing_is_published_planned_and_filled_offline(
    browser, live_server
):
    context = browser.new_context(
        locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 1400, "height": 1000}
    )  # the real Content-Security-Policy
    violations = Violations(context)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/checklistor/")
    page.get_by_role("link", name="Ny mall").click()
    page.get_by_label("Rubrik").fill("Brandskydd i butik")
    # Migration: the other browser tests plan visits where an agency's only checklist is
    # chosen for them, and none of them plans one for this agency.
    page.get_by_label("Myndighet").select_option("migration")
    page.get_by_role("button", name="Skapa mallen").click()
    expect(page.get_by_role("heading", name="Redigera checklista")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)  # the page's own is gone
    expect(page.get_by_text("Redigeraren laddas")).to_have_count(0)
    version_id = page.url.split("/versioner/")[1].split("/")[0]

    build_three_sections(page)
    body = stored_body(page, version_id, until="(body) => JSON.stringify(body).includes('LSO')")
    assert [s["title"] for s in body["sections"]] == ["Rutiner", "Skyltar", "Brandskydd"]
    last = body["sections"][2]["questions"][0]
    assert last["show_if"] == EXPECTED_SHOW_IF
    assert last["deviation"] == {
        "when": {"q": "finns-brandslackare", "op": "eq", "value": "no"},
        "severity": "major",
        "text": "Brandsläckare saknas",
        "legal_ref": "LSO 2 kap. 2 §",
    }

    # Try it: the preview shows the question when the condition holds and fires the rule.
    preview = page.locator(".preview")

    def in_preview(question_id):
        return preview.locator(f'[data-question="{question_id}"]')

    expect(in_preview("finns-brandslackare")).to_have_count(0)
    preview.get_by_label("Prova: fyll i svar").check()
    in_preview("finns-skriftliga-rutiner").get_by_label("Ja", exact=True).check()
    staff = in_preview("antal-anstallda").get_by_role("textbox")
    staff.fill("8")
    staff.press("Tab")
    expect(in_preview("finns-brandslackare")).to_be_visible()  # 8 > 5 and no photo
    sign = in_preview("foto-pa-skylten").get_by_label("Markera som besvarad")
    sign.check()
    expect(in_preview("finns-brandslackare")).to_have_count(0)
    sign.uncheck()
    in_preview("finns-brandslackare").get_by_label("Nej", exact=True).check()
    expect(preview.locator(".preview-result")).to_contain_text(
        "Större avvikelse: Brandsläckare saknas"
    )
    expect(page.get_by_text("Inga fel hittades.")).to_be_visible()
    assert violations.collect(page) == []

    page.get_by_role("button", name="Granska och publicera").click()
    expect(page.get_by_role("heading", name="Granska och publicera")).to_be_visible()
    page.get_by_label("Vad har ändrats?").fill("Första versionen.")
    page.get_by_role("button", name="Publicera").click()
    expect(page.get_by_text("Versionen är publicerad")).to_be_visible()

    # Plan a visit today with the new checklist for the agency's inspector.
    coordinator = Api(live_server, "samordnare")
    query = urllib.parse.urlencode({"q": "Alby Livs & Kiosk"})
    status, businesses = coordinator.call("GET", f"/api/businesses?{query}")
    assert status == 200, businesses
    business = next(b for b in businesses if b["name"] == "Alby Livs & Kiosk")
    page.goto(f"{live_server}/planering/ny?business_id={business['id']}")
    page.get_by_label("Datum").fill(local_today().isoformat())
    page.get_by_label("Starttid").fill("16:00")
    page.get_by_label("Sluttid").fill("17:00")
    page.get_by_label("Mikael Gashi").check()
    page.get_by_label("Brandskydd i butik (version 1)").check()
    page.get_by_role("button", name="Planera besöket").click()
    expect(page.get_by_text("Besöket hos Alby Livs & Kiosk är planerat.")).to_be_visible()
    visit_id = page.url.rstrip("/").split("/")[-1]
    assert violations.collect(page) == []
    context.close()

    tablet_context, tablet = open_app(browser, live_server, "migration")
    expect(visit_link(tablet, visit_id).first).to_be_visible()  # synced: now go offline
    tablet_context.set_offline(True)
    visit_link(tablet, visit_id).first.click()
    tablet.get_by_role("button", name="Starta besöket").click()
    tablet.get_by_role("link", name="Brandskydd i butik").click()
    expect(tablet.locator('[data-question="finns-brandslackare"]')).to_have_count(0)
    routines = tablet.locator('[data-question="finns-skriftliga-rutiner"]')
    routines.get_by_label("Ja", exact=True).check()
    staff = tablet.locator('[data-question="antal-anstallda"]').get_by_role("textbox")
    staff.fill("8")
    staff.press("Tab")
    # q1 is Ja, but 8 > 5 and there is no photo of the sign: the question appears.
    question = tablet.locator('[data-question="finns-brandslackare"]')
    question.get_by_label("Nej", exact=True).check()
    expect(question).to_contain_text("Avvikelse föreslås (Större avvikelse): Brandsläckare saknas")
    tablet_context.close()


def test_questions_move_by_keyboard_and_a_deletion_can_be_undone(browser, live_server):
    page = coordinator_page(browser, live_server, bypass_csp=True)  # axe is injected inline
    version_id = new_draft_of(page, live_server, "Polisens kontroll på plats")
    assert serious_accessibility_problems(page) == [], "editor"
    before = order(page)

    toggle = card(page, before[1]).locator("button.ed-q-toggle")
    toggle.focus()
    page.keyboard.press("Alt+ArrowUp")
    assert order(page)[:2] == [before[1], before[0]]
    expect(toggle).to_be_focused()
    announced = page.locator('p[aria-live="assertive"]')
    expect(announced).to_contain_text("är flyttad till plats 1 av")
    page.keyboard.press("Alt+ArrowDown")
    assert order(page) == before
    expect(toggle).to_be_focused()
    card(page, before[1]).get_by_role("button", name="Flytta upp").click()
    assert order(page)[:2] == [before[1], before[0]]
    expect(card(page, before[1]).get_by_role("button", name="Flytta upp")).to_be_disabled()
    expect(toggle).to_be_focused()  # the button it used cannot move it further
    # The new order is kept in the browser until saved.
    moved = f"(body) => body.sections[0].questions[0].id === '{before[1]}'"
    stored = stored_body(page, version_id, until=moved)
    assert [q["id"] for q in stored["sections"][0]["questions"]][:2] == [before[1], before[0]]

    # Dragging a question by its handle puts it before the one it is dropped on.
    card(page, before[2]).locator(".drag-handle").drag_to(card(page, before[1]))
    assert order(page)[:3] == [before[2], before[1], before[0]]
    expect(announced).to_contain_text("är flyttad till plats 1")

    text = card(page, before[2]).locator(".ed-q-text").inner_text()
    card(page, before[2]).get_by_role("button", name="Ta bort").click()
    expect(page.locator(STATUS)).to_contain_text(f"Frågan ”{text}” är borttagen.")
    assert before[2] not in order(page)
    page.locator(STATUS).get_by_role("button", name="Ångra").click()
    expect(card(page, before[2])).to_be_visible()

    card(page, before[0]).locator("button.ed-q-toggle").click()
    card(page, before[0]).get_by_label("Frågetyp").focus()
    page.keyboard.press("Alt+ArrowDown")  # also from a field inside the question
    expect(card(page, before[0]).get_by_label("Frågetyp")).to_be_focused()
    page.get_by_label("Prova: fyll i svar").check()
    assert serious_accessibility_problems(page) == [], "editor with a question open and trying"
    page.context.close()


def test_an_invalid_draft_is_not_published_and_the_review_lists_a_removed_question(
    browser, live_server
):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    violations = Violations(context)
    page = context.new_page()
    sign_in(page, live_server)
    new_draft_of(page, live_server, "Livsmedelskontroll")
    first = cards(page).first
    first_text = first.locator(".ed-q-text").inner_text()
    first.get_by_role("button", name="Ta bort").click()
    expect(page.locator(STATUS)).to_contain_text(f"Frågan ”{first_text}” är borttagen.")

    broken = cards(page).first
    broken.locator("button.ed-q-toggle").click()
    broken.get_by_label("Frågetext").fill("")
    choice = cards(page).nth(1)
    choice.locator("button.ed-q-toggle").click()
    choice.get_by_label("Frågetyp").select_option(label="Val")
    for _ in range(2):
        choice.get_by_role("button", name="Ta bort alternativet").first.click()
    expect(choice.get_by_text("Frågan har inga svarsalternativ.")).to_be_visible()
    page.get_by_role("button", name="Granska och publicera").click()
    expect(choice.locator(".ed-errors")).to_contain_text("svarsalternativ")
    expect(broken.locator(".ed-errors")).to_contain_text("Frågetexten")
    expect(broken.get_by_label("Frågetext")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_contain_text("att rätta innan")
    assert "/andringar" not in page.url
    # The summary takes the author to the question.
    page.locator(".error-summary a").first.click()
    expect(broken.get_by_label("Frågetext")).to_be_focused()
    page.locator(".error-summary a").filter(has_text="minst ett svarsalternativ").click()
    expect(choice.get_by_role("button", name="Lägg till alternativ")).to_be_focused()

    # Unsaved work survives a reload.
    page.reload()
    restored = "Ändringar som inte hann sparas förra gången är återställda."
    expect(page.get_by_text(restored)).to_be_visible()
    broken = cards(page).first
    broken.locator("button.ed-q-toggle").click()
    broken.get_by_label("Frågetext").fill("Finns registrering hos kommunen?")
    choice = cards(page).nth(1)
    choice.locator("button.ed-q-toggle").click()
    choice.get_by_role("button", name="Lägg till alternativ").click()
    choice.get_by_label("Alternativ 1", exact=True).fill("Helt")
    expect(page.get_by_text("Inga fel hittades.")).to_be_visible()
    page.get_by_role("button", name="Granska och publicera").click()
    expect(page.get_by_role("heading", name="Granska och publicera")).to_be_visible()
    removed = page.locator("section").filter(
        has=page.get_by_role("heading", name="Borttagna frågor (1)")
    )
    expect(removed.get_by_role("listitem")).to_contain_text(first_text)
    changed = page.locator("section").filter(has=page.get_by_role("heading", name="Ändrade frågor"))
    expect(changed).to_contain_text("Finns registrering hos kommunen?")
    assert violations.collect(page) == []
    context.close()
