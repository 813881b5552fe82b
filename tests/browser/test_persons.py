"""Persons on site in the field app, end to end in Chromium: the police inspector records
three persons offline (one number mistyped and corrected), two agencies add their own
observations, both sync, the coordinator gets the merged list, and the other agency's tablet
never holds the police's observations nor the persons' identities."""

from playwright.sync_api import expect

from tests.browser.test_field_app import (
    Api,
    open_app,
    plan_visit,
    serious_accessibility_problems,
    sync,
    visit_link,
)

POLICE_NOTE = "Uppger att han började arbeta i måndags"
MILJO_NOTE = "Sov i lokalen enligt kollega"

READ_STORE = """(store) => new Promise((resolve, reject) => {
    const open = indexedDB.open('otto-field');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const read = open.result.transaction(store).objectStore(store).getAll();
        read.onsuccess = () => resolve(read.result);
    };
})"""


def record(page, name, number=None, role="", missing=None):
    page.get_by_role("button", name="Registrera person").click()
    form = page.get_by_role("form", name="Registrera person")
    form.get_by_label("Namn").fill(name)
    if missing:
        form.get_by_label("Personnummer/samordningsnummer saknas").check()
        form.get_by_label("Varför saknas numret?").fill(missing[0])
        form.get_by_label("Födelsedatum (ÅÅÅÅ-MM-DD)").fill(missing[1])
    else:
        form.get_by_label("Personnummer eller samordningsnummer").fill(number)
    form.get_by_label("Uppgiven roll").fill(role)
    form.get_by_role("button", name="Spara person").click()
    return form


def test_persons_recorded_offline_reach_the_coordinator_and_keep_each_agencys_secrets(
    browser, live_server
):
    coordinator = Api(live_server, "samordnare")
    visit_id = plan_visit(coordinator, "Grillhuset Storvreten")
    # axe is injected as an inline script, which the app's CSP rightly forbids.
    polis_context, polis = open_app(browser, live_server, "polis", bypass_csp=True)
    miljo_context, miljo = open_app(browser, live_server, "miljo")
    expect(visit_link(polis, visit_id)).to_be_visible()
    polis_context.set_offline(True)

    visit_link(polis, visit_id).click()
    polis.get_by_role("link", name="Personer på plats").click()
    form = record(polis, "Ali Rahimi", "811218-9877", "Kock")
    expect(form.get_by_role("alert")).to_have_text(
        "Kontrollsiffran (sista siffran) stämmer inte. Kontrollera numret."
    )
    form.get_by_label("Personnummer eller samordningsnummer").fill("811218-9876")
    form.get_by_role("button", name="Spara person").click()
    record(polis, "Jon Berg", "811278-9873", "Diskare")
    record(polis, "Minh Nguyen", role="Servitör", missing=("Ingen id-handling", "1990-04-02"))
    cards = polis.get_by_test_id("person")
    expect(cards).to_have_count(3)
    polis.get_by_role("button", name="Registrera person").click()
    assert serious_accessibility_problems(polis) == []
    polis.get_by_role("link", name="Besöket").click()
    polis.get_by_role("link", name="Personer på plats").click()
    ali = cards.filter(has_text="Ali Rahimi")
    ali.get_by_label("Rätt att arbeta i Sverige").select_option("no")
    ali.get_by_label("Anteckning").fill(POLICE_NOTE)
    ali.get_by_label("Anteckning").blur()
    expect(ali.get_by_text("19811218-9876")).to_be_visible()

    polis_context.set_offline(False)
    sync(polis)

    sync(miljo)
    miljo.goto(f"{live_server}/app/#/besok/{visit_id}/personer")
    others = miljo.get_by_test_id("person")
    expect(others).to_have_count(3)
    expect(others.first).to_contain_text("Person registrerad av Polismyndigheten")
    kock = others.filter(has_text="Uppgiven roll: Kock")
    kock.get_by_label("I personalliggaren").select_option("not_checked")
    kock.get_by_label("Anteckning").fill(MILJO_NOTE)
    kock.get_by_label("Anteckning").blur()
    sync(miljo)

    persons = coordinator.of_visit("site_person", visit_id)
    assert sorted(p["name"] for p in persons) == ["Ali Rahimi", "Jon Berg", "Minh Nguyen"]
    observations = coordinator.of_visit("person_observation", visit_id)
    assert {(o["agency"], o["note"]) for o in observations} == {
        ("polis", POLICE_NOTE),
        ("miljo", MILJO_NOTE),
    }

    # The miljö tablet holds its own observation and only "a person, with role".
    held = miljo.evaluate(READ_STORE, "personObservations")
    assert [o["note"] for o in held] == [MILJO_NOTE]
    held_persons = miljo.evaluate(READ_STORE, "persons")
    assert "Ali Rahimi" not in str(held_persons) and "9876" not in str(held_persons)
    sync(polis)
    assert MILJO_NOTE not in str(polis.evaluate(READ_STORE, "personObservations"))
    polis_context.close()
    miljo_context.close()
