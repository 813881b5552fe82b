"""Benchmark: the joint report of a visit whose findings use every character the limits allow
(issue 21: a 1 MB description made the joint report take ~26 s, re-rendered on every request
while the visit is open).

Three visits, each with one inspector's small checklist: one finding with a one-line
description (the in-run baseline), one finding at the longest description and legal
reference otto.limits allows, and 25 such findings. Prints the median and p95 draft
render of the joint report in milliseconds, with CPU time (the machine may be shared), and
the PDF's size; then the same request repeated (the draft cache).

Run from the repository root: `.venv/bin/python bench/report_long_text.py [runs]`.
"""

import logging
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_app  # noqa: E402
from bench.report_render import checklist, p95, timed  # noqa: E402
from otto import limits  # noqa: E402
from otto.accounts.services import create_user, ensure_agencies  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.changes.merge import Write  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections import findings, visits  # noqa: E402
from otto.inspections.businesses import create_business  # noqa: E402
from otto.inspections.photo_storage import storage_from_config  # noqa: E402
from otto.reports import services as reports  # noqa: E402
from otto.timeutil import utcnow  # noqa: E402

WORDS = "Kylvaror förvaras över åtta grader och egenkontrollen saknar rutin för temperatur. "


def longest(limit: int) -> str:
    """Prose of exactly `limit` characters (words and spaces, as an inspector writes)."""
    return (WORDS * (limit // len(WORDS) + 1))[:limit]


def seed():
    """Three visits: (label, coordinator actor, visit id) each."""
    ensure_agencies()
    coordinator = Actor(
        create_user(
            None,
            username="samordnare",
            name="Sara Samordnare",
            email="s@example.org",
            role="coordinator",
            password="ett-långt-lösenord",
        )
    )
    inspector = create_user(
        None,
        username="livsmedel",
        name="Lina Livsmedel",
        email="l@example.org",
        role="inspector",
        agency="livsmedel",
        password="ett-långt-lösenord",
    )
    version = checklist("livsmedel", 20)
    cases = [
        ("one finding, one-line description (baseline)", 1, "Kylvaror över 8 °C.", "852/2004"),
        (
            f"one finding, {limits.FREE_TEXT} characters",
            1,
            longest(limits.FREE_TEXT),
            longest(limits.LEGAL_REF),
        ),
        (
            f"25 findings, {limits.FREE_TEXT} characters each",
            25,
            longest(limits.FREE_TEXT),
            longest(limits.LEGAL_REF),
        ),
    ]
    seeded = []
    for n, (label, count, description, legal_ref) in enumerate(cases):
        business = create_business(
            None,
            name=f"Kiosk {n}",
            org_number="556677-8899",
            address=f"Gatan {n}",
            category="kiosk",
        )
        start = utcnow()
        visit = visits.plan_visit(
            coordinator,
            business_id=business.id,
            planned_start=start,
            planned_end=start.replace(hour=23),
            participants=[{"user_id": inspector.id, "template_version_ids": [version.id]}],
        )
        for _ in range(count):
            findings.create_finding(
                Write(Actor(inspector)),
                visit_id=visit.id,
                severity="minor",
                description=description,
                legal_ref=legal_ref,
            )
        seeded.append((label, visit.id))
    db.session.commit()
    return coordinator, seeded


def main(runs: int) -> None:
    app = bench_app()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    with app.app_context():
        coordinator, seeded = seed()
        storage = storage_from_config(app.config)
        print(f"Joint report, draft, {runs} runs each:")
        for label, visit_id in seeded:

            def draft(v=visit_id):
                return reports.report_pdf(coordinator, v, None, storage=storage).content

            def uncached():
                reports._drafts = reports._DraftCache()  # render, as on the first request
                return draft()

            wall, cpu, pdf = timed(uncached, runs)
            cached, _, _ = timed(draft, runs)  # a repeat of unchanged content
            print(
                f"  {label}: median {statistics.median(wall):.0f} ms, p95 {p95(wall):.0f} ms "
                f"(CPU median {statistics.median(cpu):.0f} ms); {len(pdf) // 1000} kB; "
                f"repeated unchanged: median {statistics.median(cached):.0f} ms"
            )
        db.engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
