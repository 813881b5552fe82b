"""The field app tells the inspector what is saved, sent, refused and in conflict, and
loses nothing typed (issue 15). Each test plans its own visit and works on it in Chromium."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_field_app import (
    MILJO_ANSWERS,
    Api,
    draw_signature,
    jpeg,
    open_app,
    plan_visit,
    question,
    serious_accessibility_problems,
    sync,
    visit_link,
)


@pytest.fixture(scope="module")
def coordinator(live_server):
    return Api(live_server, "samordnare")


LABELS = json.loads((Path(__file__).parents[2] / "otto" / "labels.json").read_text())
CHECKLIST = "Miljö- och hälsoskydd – grundkontroll"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RAW_ERRORS = ("TypeError", "Failed to fetch", "NetworkError", "undefined", "null", "[object")


def open_checklist(page, visit_id):
    visit_link(page, visit_id).click()
    page.get_by_role("link", name=CHECKLIST).click()


def test_a_reload_200_ms_after_typing_keeps_note_free_text_and_finding_description(
    browser, live_server, coordinator
):
    visit_id = plan_visit(coordinator, "Alby Livs & Kiosk")
    context, page = open_app(browser, live_server, "miljo")
    expect(visit_link(page, visit_id)).to_be_visible()  # the first sync brought it
    context.set_offline(True)
    open_checklist(page, visit_id)
    free_text = question(page, "miljo-ovrigt").get_by_role("textbox")
    free_text.press_sequentially("Lukt av lösningsmedel")
    page.wait_for_timeout(200)
    page.reload()
    expect(question(page, "miljo-ovrigt").get_by_role("textbox")).to_have_value(
        "Lukt av lösningsmedel"
    )
    expect(question(page, "miljo-ovrigt").locator("legend")).to_contain_text("Sparad på plattan")

    note = question(page, "egenkontroll")
    note.get_by_text("Anteckning").click()
    note.get_by_role("textbox").press_sequentially("Pärmen saknas")
    page.wait_for_timeout(200)
    page.reload()
    expect(question(page, "egenkontroll").get_by_role("textbox")).to_have_value("Pärmen saknas")

    visit_link(page, visit_id).click()
    page.get_by_role("button", name="Ny avvikelse", exact=True).click()
    page.get_by_label("Beskrivning").press_sequentially("Oljefat utan invallning")
    page.wait_for_timeout(200)
    page.reload()
    expect(page.get_by_label("Beskrivning")).to_have_value("Oljefat utan invallning")
    context.set_offline(False)
    sync(page)
    context.close()
    [finding] = coordinator.of_visit("finding", visit_id)
    assert finding["description"] == "Oljefat utan invallning"
    answers = {a["question_id"]: a for a in coordinator.of_visit("answer", visit_id)}
    assert answers["miljo-ovrigt"]["value"] == "Lukt av lösningsmedel"
    assert answers["egenkontroll"]["note"] == "Pärmen saknas"


def test_a_refused_change_stays_with_its_reason_until_fixed_or_discarded(
    browser, live_server, coordinator
):
    visit_id = plan_visit(coordinator, "Nails by Linh")
    context, page = open_app(browser, live_server, "miljo")
    expect(visit_link(page, visit_id)).to_be_visible()  # the first sync brought it
    context.set_offline(True)
    open_checklist(page, visit_id)
    question(page, "egenkontroll").get_by_label("Ja", exact=True).check()
    for status in ("in_progress", "completed", "closed"):
        result = coordinator.call("POST", f"/api/visits/{visit_id}/status", {"status": status})
        assert result[0] == 200, result
    context.set_offline(False)
    sync(page)
    refusal = page.get_by_test_id("rejection")
    expect(refusal).to_contain_text("Svar: Finns dokumenterad egenkontroll för verksamheten?")
    expect(refusal).to_contain_text("Besöket är avslutat")
    expect(page.get_by_test_id("sync-status")).to_contain_text("1 avvisade")
    page.reload()  # kept on the tablet, not only on screen
    expect(refusal).to_contain_text("Besöket är avslutat")
    expect(refusal.get_by_role("link", name="Gå till och rätta")).to_be_visible()
    refusal.get_by_role("link", name="Gå till och rätta").click()
    expect(question(page, "egenkontroll").locator("legend")).to_contain_text("Avvisad")
    page.get_by_test_id("sync-status").click()
    refusal.get_by_role("button", name="Kasta ändringen").click()
    expect(page.get_by_test_id("rejection")).to_have_count(0)
    context.close()


def test_logout_asks_says_what_is_wiped_and_warns_offline(browser, live_server):
    context, page = open_app(browser, live_server, "brand")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_text("Allt som finns på plattan raderas härifrån")).to_be_visible()
    expect(page.get_by_test_id("offline-sign-out")).to_have_count(0)
    page.get_by_role("button", name="Avbryt").click()
    expect(page.get_by_role("heading", name="Mina besök")).to_be_visible()

    context.set_offline(True)
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_test_id("offline-sign-out")).to_contain_text("behövs nätverk")
    page.get_by_role("button", name="Ja, logga ut och radera").click()
    expect(page.get_by_label("Användarnamn")).to_be_visible()
    context.close()


def test_an_owning_agency_inspector_resolves_a_conflict_offline_and_it_reaches_the_server(
    browser, live_server, coordinator
):
    visit_id = plan_visit(coordinator, "Salong Fönix")
    context, page = open_app(browser, live_server, "miljo")
    expect(visit_link(page, visit_id)).to_be_visible()  # the first sync brought it
    context.set_offline(True)
    open_checklist(page, visit_id)
    question(page, "tobak-saljs").get_by_label("Ja", exact=True).check()
    other = Api(live_server, "miljo")
    version = next(
        t["id"] for t in other.pull_all()["template_version"].values() if t["key"] == "miljo-grund"
    )
    other.push(visit_id, "answer", "tobak-saljs", {"value": "no"}, template_version=version)
    context.set_offline(False)
    sync(page)
    expect(page.get_by_test_id("sync-status")).to_contain_text(re.compile(r"\d+ konflikt"))
    expect(page.get_by_test_id("sync-status")).to_have_class(re.compile("has-trouble"))
    card = page.locator(".conflict-card", has_text="Salong Fönix")
    expect(card.get_by_role("heading")).to_have_text(
        "Säljs tobaksvaror (cigaretter, snus, rulltobak m.m.)?"
    )
    expect(card.locator("li", has_text="Ja")).to_contain_text("den här plattan")
    expect(card.locator("li", has_text="Nej")).to_contain_text("en annan enhet")
    expect(card).to_contain_text("Miljö")

    context.set_offline(True)
    card.get_by_role("button", name="Behåll ”Ja”").click()
    expect(card).to_contain_text("Valet är sparat på plattan")
    context.set_offline(False)
    sync(page)
    expect(card).to_have_count(0)
    context.close()
    status, conflicts = coordinator.call("GET", f"/api/visits/{visit_id}/conflicts")
    assert status == 200 and conflicts == []
    answers = {a["question_id"]: a["value"] for a in coordinator.of_visit("answer", visit_id)}
    assert answers["tobak-saljs"] == "yes"


def test_the_summary_before_completion_lists_and_links_and_asks(browser, live_server, coordinator):
    visit_id = plan_visit(coordinator, "Alby Livs & Kiosk")
    context, page = open_app(browser, live_server, "miljo")
    expect(visit_link(page, visit_id)).to_be_visible()  # the first sync brought it
    open_checklist(page, visit_id)
    question(page, "egenkontroll").get_by_label("Nej", exact=True).check()
    visit_link(page, visit_id).click()
    page.get_by_role("button", name="Starta besöket").click()
    page.get_by_role("button", name="Markera besöket som genomfört").click()
    expect(page.get_by_text("Verksamhetens underskrift saknas")).to_be_visible()
    expect(page.get_by_text("Obligatorisk fråga obesvarad: Säljs tobaksvaror")).to_be_visible()
    deviation = page.get_by_role("link", name=re.compile("Föreslagen avvikelse inte registrerad"))
    deviation.click()
    expect(question(page, "egenkontroll")).to_be_in_viewport()
    page.go_back()
    page.get_by_role("button", name="Markera som genomfört ändå").click()
    expect(page.get_by_text("trots att")).to_be_visible()
    page.get_by_role("button", name="Ja, markera som genomfört ändå").click()
    expect(page.get_by_text("Genomfört, oanmält")).to_be_visible()
    context.close()


def test_a_finding_from_a_photo_and_a_photo_removal_undone(
    browser, live_server, coordinator, tmp_path
):
    visit_id = plan_visit(coordinator, "Nails by Linh")
    context, page = open_app(browser, live_server, "miljo")
    expect(visit_link(page, visit_id)).to_be_visible()  # the first sync brought it
    context.set_offline(True)
    visit_link(page, visit_id).click()
    page.get_by_label("Ny avvikelse från foto").set_input_files(
        jpeg(tmp_path / "f.jpg", (9, 99, 9))
    )
    expect(page.get_by_role("img", name="Avvikelse, foto 1")).to_be_visible()
    page.get_by_label("Beskrivning").fill("Läckande fat i förrådet")
    page.get_by_label("Välj från galleri").set_input_files(jpeg(tmp_path / "g.jpg", (9, 9, 99)))
    expect(page.get_by_role("img", name="Avvikelse, foto 2")).to_be_visible()
    page.get_by_role("button", name="Ta bort foto 1").click()
    expect(page.get_by_role("img", name="Avvikelse, foto 2")).to_have_count(0)
    page.get_by_role("button", name="Ångra").click()
    expect(page.get_by_role("img", name="Avvikelse, foto 2")).to_be_visible()
    context.set_offline(False)
    sync(page)
    context.close()
    [finding] = coordinator.of_visit("finding", visit_id)
    assert finding["description"] == "Läckande fat i förrådet"
    links = [link for link in coordinator.of_visit("photo_link", visit_id) if not link["deleted"]]
    assert len(links) == 2 and {link["finding_id"] for link in links} == {finding["id"]}


def screen_problems(page, name: str) -> list[str]:
    """Identifiers or raw error text shown, and interactive elements under 44×44 px."""
    text = page.locator("body").inner_text()
    problems = [f"{name}: shows {found!r}" for found in UUID.findall(text)]
    problems += [f"{name}: shows {raw!r}" for raw in RAW_ERRORS if raw in text]
    problems += [f"{name}: shows question id {q!r}" for q in QUESTION_IDS if q in text]
    small = page.evaluate(
        """() => [...document.querySelectorAll(
            'a, button, input:not(.visually-hidden):not([type=radio]):not([type=checkbox]),'
            + ' textarea, select, summary, label.option, label.button')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
            .filter(([, r]) => r.width < 44 || r.height < 44)
            .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    return problems + [f"{name}: small target {s}" for s in small]


QUESTION_IDS = [q for q in MILJO_ANSWERS if "-" in q] + ["tobak-saljs", "miljo-ovrigt"]


def test_a_full_offline_visit_shows_no_ids_or_raw_errors_and_only_large_targets(
    browser, live_server, coordinator, tmp_path
):
    visit_id = plan_visit(coordinator, "Salong Fönix")
    context, page = open_app(browser, live_server, "miljo", bypass_csp=True)
    expect(visit_link(page, visit_id)).to_be_visible()  # the first sync brought it
    context.set_offline(True)
    problems = screen_problems(page, "visits")
    visit_link(page, visit_id).click()
    page.get_by_role("button", name="Starta besöket").click()
    problems += screen_problems(page, "visit")
    page.get_by_role("link", name=CHECKLIST).click()
    for question_id, (label, _) in MILJO_ANSWERS.items():
        question(page, question_id).get_by_label(label, exact=True).check()
    page.get_by_text("Frågeöversikt").click()
    problems += screen_problems(page, "checklist")
    question(page, "egenkontroll").get_by_role("button", name="Skapa avvikelse").click()
    page.get_by_label("Välj från galleri").set_input_files(jpeg(tmp_path / "a.jpg", (200, 3, 3)))
    expect(page.get_by_role("img", name="Avvikelse, foto 1")).to_be_visible()
    problems += screen_problems(page, "finding")
    assert serious_accessibility_problems(page) == [], "finding with photo"
    page.get_by_role("link", name="Klar").click()
    expect(question(page, "egenkontroll").get_by_text("Avvikelse registrerad")).to_be_visible()
    problems += screen_problems(page, "checklist with finding")
    visit_link(page, visit_id).click()
    page.get_by_role("link", name="Ta signatur").click()
    page.get_by_label("Namn").fill("Ali Karimi")
    draw_signature(page)
    page.get_by_role("button", name="Spara signatur").click()
    page.get_by_role("button", name="Markera besöket som genomfört").click()
    problems += screen_problems(page, "summary")
    assert serious_accessibility_problems(page) == [], "summary"
    page.get_by_test_id("sync-status").click()
    page.get_by_role("button", name="Synka nu").click()
    expect(page.get_by_test_id("sync-state")).to_contain_text("sparas på plattan och skickas")
    expect(page.get_by_text("Svar: Finns dokumenterad egenkontroll")).to_be_visible()
    problems += screen_problems(page, "sync offline")
    assert serious_accessibility_problems(page) == [], "sync offline"
    count = page.get_by_test_id("pending-changes").inner_text()
    expect(page.get_by_test_id("sync-status")).to_have_attribute("data-unsynced", count)
    page.get_by_role("link", name="OTTO Fält").click()
    expect(page.locator(".visit-card", has=visit_link(page, visit_id))).to_contain_text(
        f"{count} osynkade ändringar"
    )
    assert problems == []
    context.close()


def test_the_apps_words_are_the_shared_vocabulary(browser, live_server, coordinator):
    visit_id = plan_visit(coordinator, "Alby Livs & Kiosk")
    context, page = open_app(browser, live_server, "miljo")
    expect(visit_link(page, visit_id)).to_be_visible()  # the first sync brought it
    visit_link(page, visit_id).click()
    page.get_by_role("button", name="Ny avvikelse", exact=True).click()
    severities = page.locator("fieldset", has_text="Allvarlighetsgrad").locator("label")
    expect(severities).to_have_text(list(LABELS["severities"].values()))
    visibilities = page.locator("fieldset", has_text="Synlighet").locator("label")
    expect(visibilities).to_have_text(list(LABELS["visibility_hints"].values()))
    expect(page.get_by_label(LABELS["internal_hint"])).not_to_be_checked()
    page.get_by_label("Beskrivning").fill("Brandfilt saknas")
    page.get_by_label(LABELS["severities"]["info"]).check()
    page.locator("a.back").click()
    expect(page.get_by_role("heading", name=LABELS["severities"]["info"])).to_be_visible()
    expect(page.get_by_text(LABELS["visit_statuses"]["planned"] + ", oanmält")).to_be_visible()
    bundle = page.evaluate("() => [...document.scripts].map((s) => s.src).join()")
    assert "app-" in bundle
    context.close()
