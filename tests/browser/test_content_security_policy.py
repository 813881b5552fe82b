"""The Content-Security-Policy in a real browser: the coordinator pages and the field app,
used as people use them, make Chromium refuse nothing (no inline script, style or handler,
no resource from elsewhere)."""

import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.test_coordinator import sign_in
from tests.browser.test_field_app import (
    Api,
    draw_signature,
    jpeg,
    open_app,
    plan_visit,
    question,
    visit_link,
)

# Every violation, as Chromium reports it to the page (before any console message).
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`
    + ` at ${event.sourceFile || document.location.pathname}:${event.lineNumber}`);
});
"""
# Links a crawl must not follow: leaving the session, the field app (tested on its own).
NOT_PAGES = ("/logout", "/app/", "/foto/")  # a photo opens in the browser's image viewer
MAX_PAGES = 60
PER_KIND = 2  # pages of one kind (same path but for ids) opened at most


class Violations:
    """Refusals seen on a context's pages: console messages and securitypolicyviolation."""

    def __init__(self, context):
        self.found = []
        context.add_init_script(LISTEN)
        context.on("page", self.watch)

    def watch(self, page):
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.found.append(message.text)

    def collect(self, page) -> list[str]:
        """Everything refused so far, including on the page now shown."""
        self.found.extend(page.evaluate("window.__violations || []"))
        page.evaluate("window.__violations = []")
        return self.found


def kind(path: str) -> str:
    """A page's kind: its path with ids and the query left out (/besok/N)."""
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", path)


def crawl(page, violations, start: str) -> list[str]:
    """Open the pages reachable by links from `start` (a few of each kind, downloads
    skipped); return their paths."""
    origin = urlsplit(start).netloc
    queue, seen, kinds, opened = [start], set(), Counter(), []
    while queue and len(opened) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        if url in seen or kinds[kind(path)] >= PER_KIND:
            continue
        seen.add(url)
        try:
            page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file (CSV, XLSX, PDF, iCalendar), not a page
            raise
        kinds[kind(path)] += 1
        opened.append(kind(path))
        violations.collect(page)
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = urljoin(url, href).split("#")[0]
            if urlsplit(target).netloc == origin and not any(n in target for n in NOT_PAGES):
                queue.append(target)
    return sorted(opened)


def test_coordinator_pages_break_no_rule_of_the_policy(browser, live_server):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    violations = Violations(context)
    page = context.new_page()
    sign_in(page, live_server)
    visited = crawl(page, violations, live_server + "/oversikt")
    for expected in ("/besok/N", "/checklistor/versioner/N", "/verksamheter/N", "/personer"):
        assert expected in visited, visited
    assert len(set(visited)) >= 20, visited
    context.close()
    assert violations.found == [], "\n".join(violations.found)


def test_login_and_error_pages_break_no_rule_of_the_policy(browser, live_server):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    violations = Violations(context)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Användarnamn").fill("samordnare")
    page.get_by_label("Lösenord").fill("fel lösenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Fel användarnamn eller lösenord")).to_be_visible()
    violations.collect(page)
    page.goto(live_server + "/finns-inte")
    expect(page.get_by_role("heading", name="Sidan finns inte")).to_be_visible()
    violations.collect(page)
    context.close()
    assert violations.found == [], "\n".join(violations.found)


def test_the_field_app_with_photos_and_a_signature_breaks_no_rule_of_the_policy(
    browser, live_server, tmp_path
):
    visit_id = plan_visit(Api(live_server, "samordnare"), "Café Kvarnen")
    context, page = open_app(browser, live_server, "miljo")
    violations = Violations(context)
    violations.watch(page)
    page.reload()  # the listener is in place from the first script on
    visit_link(page, visit_id).click()
    page.get_by_role("link", name="Miljö- och hälsoskydd – grundkontroll").click()
    question(page, "egenkontroll").get_by_label("Nej", exact=True).check()
    question(page, "egenkontroll").get_by_role("button", name="Skapa avvikelse").click()
    page.get_by_label("Välj från galleri").set_input_files([jpeg(tmp_path / "a.jpg", (9, 99, 9))])
    expect(page.get_by_role("img", name="Avvikelse, foto 1")).to_be_visible()  # a blob: URL
    page.get_by_role("link", name="Klar").click()  # back to the question
    visit_link(page, visit_id).click()
    page.get_by_role("link", name="Ta signatur").click()
    page.get_by_label("Namn").fill("Eva Ek")
    page.get_by_label("Roll").fill("Ägare")
    draw_signature(page)
    page.get_by_role("button", name="Spara signatur").click()
    expect(page.get_by_text("Eva Ek, Ägare")).to_be_visible()
    page.get_by_test_id("sync-status").click()
    page.get_by_role("button", name="Synka nu").click()
    violations.collect(page)
    context.close()
    assert violations.found == [], "\n".join(violations.found)


def test_an_inline_script_slipped_into_a_page_is_refused_and_reported(browser, live_server):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
    violations = Violations(context)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.evaluate(
        """() => {
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.head.appendChild(script);
          document.body.setAttribute('style', 'background: red');
        }"""
    )
    page.wait_for_function("window.__violations.length >= 2")
    assert page.evaluate("window.injected === undefined")
    found = violations.collect(page)
    context.close()
    assert any("script-src" in v for v in found) and any("style-src" in v for v in found), found
