"""Screenshots of the field app's main tablet screens (1280×800) for docs/screenshots/.

Needs the built app. Run from the repository root:
`.venv/bin/python pwa/tools/screenshots.py`.
"""

import contextlib
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.common import bench_app  # noqa: E402
from otto.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from otto.extensions import db  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.test_field_app import Api, plan_visit, question, visit_link  # noqa: E402
from tests.browser.test_persons import record  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHECKLIST = "Miljö- och hälsoskydd – grundkontroll"


@contextlib.contextmanager
def demo_browser():
    """The demo seeded on a throwaway database, served on a free port, and the system
    Chromium: yields (base URL, browser); both are stopped afterwards. Shared with
    editor_screenshots.py."""
    app = bench_app(FIELD_APP_DIR=str(ROOT / "pwa" / "dist"))
    with app.app_context():
        seed_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield f"http://127.0.0.1:{server.server_port}", browser
            finally:
                browser.close()
    finally:
        server.shutdown()


def main():
    with demo_browser() as (base, browser):
        coordinator = Api(base, "samordnare")
        visit_id = plan_visit(coordinator, "Alby Livs & Kiosk")
        context = browser.new_context(
            locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 1280, "height": 800}
        )
        page = context.new_page()
        page.goto(base + "/app/")
        page.get_by_label("Användarnamn").fill("miljo")
        page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        expect(visit_link(page, visit_id)).to_be_visible()
        shot = lambda name: page.screenshot(path=str(OUT / f"{name}.png"))  # noqa: E731
        if page.get_by_role("button", name="Jag förstår").count():
            shot("0-lagring")
            page.get_by_role("button", name="Jag förstår").click()
        expect(page.locator(".visit-card").first).to_be_visible()
        shot("1-mina-besok")
        visit_link(page, visit_id).click()
        page.get_by_role("button", name="Starta besöket").click()
        expect(page.get_by_text("Pågår")).to_be_visible()
        shot("2-besok")
        page.get_by_role("link", name="Personer på plats").click()
        record(page, "Dragan Petrović", "811218-9876", "Kock")
        record(page, "Amina Yusuf", missing=("Glömt legitimationen", "1994-07-21"), role="Diskare")
        expect(page.get_by_text("Amina Yusuf")).to_be_visible()
        shot("8-personer")
        page.get_by_role("link", name="Besöket").click()
        page.get_by_role("link", name=CHECKLIST).click()
        question(page, "verksamhetstyp").get_by_label("Restaurang, café eller gatukök").check()
        question(page, "egenkontroll").get_by_label("Nej", exact=True).check()
        page.get_by_text("Frågeöversikt").click()
        question(page, "egenkontroll").scroll_into_view_if_needed()
        shot("3-checklista")
        question(page, "egenkontroll").get_by_role("button", name="Skapa avvikelse").click()
        expect(page.get_by_label("Beskrivning")).not_to_be_empty()
        shot("4-avvikelse")
        page.get_by_role("link", name="Klar").click()
        visit_link(page, visit_id).click()
        page.get_by_role("button", name="Markera besöket som genomfört").click()
        expect(page.get_by_text("Verksamhetens underskrift saknas")).to_be_visible()
        shot("5-innan-genomfort")
        context.set_offline(True)
        page.get_by_test_id("sync-status").click()
        page.get_by_role("button", name="Synka nu").click()
        expect(page.get_by_test_id("sync-state")).to_be_visible()
        shot("6-synk-offline")
        context.set_offline(False)
        page.get_by_role("button", name="Synka nu").click()
        other = Api(base, "miljo")
        version = next(
            t["id"]
            for t in other.pull_all()["template_version"].values()
            if t["key"] == "miljo-grund"
        )
        other.push(visit_id, "answer", "egenkontroll", {"value": "yes"}, template_version=version)
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Synka nu").click()
        expect(page.locator(".conflict-card")).to_be_visible()
        shot("7-konflikt")


if __name__ == "__main__":
    main()
