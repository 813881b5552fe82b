"""Benchmark: the field app's budgets, measured in the system Chromium.

Prints (not timed tests):
- JavaScript shipped for first load, gzipped (budget 120 KB);
- opening a 300-question checklist, hash change to all visible questions rendered (300 ms);
- saving an answer, 95th percentile (20 ms): click to the answer readable in IndexedDB, and
  the edit's own transaction (answer + outbox entry) from start to commit;
- the app shell offline: reload to the first visit card painted (1 s).

Needs the built app (`cd pwa && npm ci && npm run build`). Run from the repository root:
`.venv/bin/python bench/pwa.py`.
"""

import datetime as dt
import gzip
import re
import statistics
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from bench.common import bench_app  # noqa: E402
from otto.accounts.models import User  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.checklists.services import install_template  # noqa: E402
from otto.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections.visits import plan_visit  # noqa: E402

DIST = Path(__file__).resolve().parent.parent / "pwa" / "dist"
QUESTIONS, SECTIONS, RUNS, SAVES = 300, 15, 10, 60


def first_load_js() -> tuple[int, int]:
    """Raw and gzipped bytes of the scripts index.html loads."""
    index = (DIST / "index.html").read_text()
    names = re.findall(r'src="/app/([^"]+\.js)"', index)
    raw = b"".join((DIST / name).read_bytes() for name in names)
    return len(raw), len(gzip.compress(raw, compresslevel=6))


def big_template() -> dict:
    """300 questions in 15 sections; every fifth depends on the one before it."""
    per = QUESTIONS // SECTIONS
    sections = []
    for s in range(SECTIONS):
        questions = []
        for n in range(s * per, (s + 1) * per):
            question = {"id": f"q{n}", "type": "yesno", "text": f"Kontrollpunkt {n}"}
            if n % 5 == 4:
                question["show_if"] = {"not": {"q": f"q{n - 1}", "op": "eq", "value": "na"}}
            if n % 7 == 0:
                question["deviation"] = {
                    "when": {"q": f"q{n}", "op": "eq", "value": "no"},
                    "severity": "minor",
                    "text": f"Brist vid kontrollpunkt {n}",
                }
            questions.append(question)
        sections.append({"id": f"s{s}", "title": f"Avsnitt {s}", "questions": questions})
    return {"key": "bench-300", "agency": "miljo", "title": "Stor checklista", "sections": sections}


def setup(app) -> tuple[str, int]:
    """The demo, plus a visit today for miljo with the 300-question checklist."""
    with app.app_context():
        seed_demo()
        version = install_template(big_template())
        coordinator = db.session.query(User).filter_by(username="samordnare").one()
        inspector = db.session.query(User).filter_by(username="miljo").one()
        start = dt.datetime.now(dt.UTC).replace(microsecond=0)
        visit = plan_visit(
            Actor(coordinator),
            business_id=2,
            planned_start=start,
            planned_end=start + dt.timedelta(hours=2),
            participants=[{"user_id": inspector.id, "template_version_ids": [version.id]}],
        )
        db.session.commit()
        ids = visit.id, version.id
        db.session.remove()
    return ids


OPEN_CHECKLIST = """async ([hash, count]) => {
    location.hash = '#/';
    await new Promise((r) => setTimeout(r, 50));
    const start = performance.now();
    location.hash = hash;
    await new Promise((resolve) => {
        const check = () => document.querySelectorAll('[data-question]').length >= count
            ? resolve() : requestAnimationFrame(check);
        check();
    });
    return performance.now() - start;
}"""

SAVE_ANSWERS = """async ([key, saves]) => {
    const db = await new Promise((resolve) => {
        const open = indexedDB.open('otto-field');
        open.onsuccess = () => resolve(open.result);
    });
    const read = () => new Promise((resolve) => {
        const get = db.transaction('answers').objectStore('answers').get(key);
        get.onsuccess = () => resolve(get.result && get.result.value);
    });
    const times = [];
    for (let i = 0; i < saves; i += 1) {
        await new Promise((r) => setTimeout(r, 250)); // an inspector's pace, not a flood
        const value = i % 2 ? 'yes' : 'no';
        const input = document.querySelector(`[data-question="q1"] input[value="${value}"]`);
        const start = performance.now();
        input.click();
        while ((await read()) !== value) { /* poll until committed */ }
        times.push(performance.now() - start);
    }
    db.close();
    const commits = performance.getEntriesByName('otto:edit').slice(-saves).map((e) => e.duration);
    return [times, commits];
}"""

SHELL_PAINT = """() => new Promise((resolve) => {
    new PerformanceObserver((list) => {
        const entry = list.getEntries().find((e) => e.identifier === 'visit-card');
        if (entry) resolve(entry.renderTime || entry.loadTime);
    }).observe({ type: 'element', buffered: true });
})"""


def main():
    raw, gzipped = first_load_js()
    print(
        f"first-load JavaScript: {raw / 1024:.1f} KB raw, {gzipped / 1024:.1f} KB gzipped "
        f"(budget 120 KB)"
    )
    app = bench_app(FIELD_APP_DIR=str(DIST))
    visit_id, version_id = setup(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True
        )
        context = browser.new_context(locale="sv-SE", viewport={"width": 1000, "height": 1300})
        page = context.new_page()
        page.goto(base + "/app/")
        page.get_by_label("Användarnamn").fill("miljo")
        page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Logga in").click()
        expect(page.get_by_role("link", name="Stor checklista")).to_have_count(0)
        expect(page.locator(".visit-card")).to_have_count(2)
        page.wait_for_function("navigator.serviceWorker.controller !== null")

        visible = QUESTIONS  # nothing answered "na": every question is visible
        hash_ = f"#/besok/{visit_id}/checklista/{version_id}"
        opens = [page.evaluate(OPEN_CHECKLIST, [hash_, visible]) for _ in range(RUNS)]
        print(
            f"open {QUESTIONS}-question checklist: median {statistics.median(opens):.0f} ms, "
            f"worst {max(opens):.0f} ms (budget 300 ms)"
        )

        saves, commits = page.evaluate(SAVE_ANSWERS, [f"{visit_id}:{version_id}:q1", SAVES])
        for label, times in (("click to readable", saves), ("edit transaction", commits)):
            p95 = statistics.quantiles(times, n=20)[-1]
            print(
                f"answer save, {label}: median {statistics.median(times):.1f} ms, "
                f"p95 {p95:.1f} ms over {SAVES} (budget 20 ms at p95)"
            )

        context.set_offline(True)
        paints = []
        page.goto(base + "/app/#/")
        for _ in range(RUNS):
            page.reload()
            paints.append(page.evaluate(SHELL_PAINT))
        print(
            f"offline shell to first visit painted: median {statistics.median(paints):.0f} ms, "
            f"worst {max(paints):.0f} ms (budget 1000 ms)"
        )
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
