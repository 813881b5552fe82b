"""Screenshots of the checklist editor for docs/: the editor beside its preview in "Prova"
mode, the condition picker, and the review page with its diff.

Needs the built editor (npm run build in pwa/). Run from the repository root:
`.venv/bin/python pwa/tools/editor_screenshots.py`.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect  # noqa: E402
from screenshots import demo_browser  # noqa: E402  (beside this script)

from otto.demo import DEMO_PASSWORD  # noqa: E402

OUT = ROOT / "docs"
CHECKLIST = "Miljö- och hälsoskydd – grundkontroll"


def card(page, question_id):
    return page.locator(f'li.ed-question[data-question-card="{question_id}"]')


def main():
    with demo_browser() as (base, browser):
        context = browser.new_context(
            locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 1400, "height": 900}
        )
        page = context.new_page()
        page.goto(base + "/login")
        page.get_by_label("Användarnamn").fill("samordnare")
        page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        page.goto(base + "/checklistor/")
        page.get_by_role("row").filter(has_text=CHECKLIST).get_by_role(
            "button", name="Ny version"
        ).click()
        expect(page.get_by_role("heading", name="Redigera checklista")).to_be_visible()

        # The editor with a question open beside the preview, trying answers.
        card(page, "egenkontroll").locator("button.ed-q-toggle").click()
        preview = page.locator(".preview")
        preview.get_by_label("Prova: fyll i svar").check()
        kind = preview.locator('[data-question="verksamhetstyp"]')
        kind.get_by_label("Butik eller kiosk").check()
        preview.locator('[data-question="egenkontroll"]').get_by_label("Nej").check()
        expect(page.get_by_text("Inga fel hittades.")).to_be_visible()
        page.evaluate(
            """() => {
              const section = document.querySelector('.ed-section');
              window.scrollTo(0, section.getBoundingClientRect().top + window.scrollY - 8);
              document.querySelector('.preview').scrollTop = 0;
            }"""
        )
        page.screenshot(path=str(OUT / "checklist-editor.png"))

        # The condition picker: "any of" two comparisons and a nested group.
        target = card(page, "tvatt-anmald")
        target.locator("button.ed-q-toggle").click()
        shown = target.locator("fieldset.ed-condition")
        shown.get_by_role("button", name="Lägg till grupp").click()
        nested = shown.locator(".cond-group.nested")
        nested.get_by_label("Fråga", exact=True).select_option(label=_label(page, "verksamhetstyp"))
        nested.get_by_label("Värde").select_option(label="Biltvätt")
        nested.get_by_role("button", name="Lägg till villkor").click()
        drain = _label(page, "golvbrunn")
        nested.get_by_label("Fråga", exact=True).nth(1).select_option(label=drain)
        nested.get_by_label("Villkor", exact=True).nth(1).select_option(label="är obesvarad")
        shown.scroll_into_view_if_needed()
        shown.screenshot(path=str(OUT / "checklist-editor-condition.png"))

        # The review page: remove a question, change another, then review.
        card(page, "storningar").get_by_role("button", name="Ta bort").click()
        page.get_by_role("button", name="Granska och publicera").click()
        expect(page.get_by_role("heading", name="Granska och publicera")).to_be_visible()
        page.screenshot(path=str(OUT / "checklist-review.png"), full_page=True)


def _label(page, question_id):
    """The text of a question, as the picker lists it."""
    return card(page, question_id).locator(".ed-q-text").inner_text()


if __name__ == "__main__":
    main()
