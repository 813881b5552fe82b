"""Benchmark: rendering the PDF reports of a large visit.

One joint visit with 300 answers (a food-control checklist of 300 questions in 10 sections),
25 findings and 60 photos (phone-like 2000 × 1500 JPEGs uploaded through the photo service,
so the report uses their 1600-pixel report copies), plus a fire-service inspector with a few
joint answers. Times the food-control agency report and the joint report as drafts (the
visit is open) and the archived PDF/A of the agency report once the visit is closed. Prints
the median and p95 of each in milliseconds and the PDF sizes; the target for the agency
report is under 1 s (issue 23; it was 3 s), and a report with 60 photos must stay under 15 MB.

In the same run, the agency report's time taken apart (loading the content, the HTML, the
photos' print copies, WeasyPrint) and two baselines: WeasyPrint rendering the same HTML
without the photos, and with the photos already scaled to print size. Then what the time
is spent on: WeasyPrint on the same HTML without the checklist section (the cost of its 300
rows) and without the findings section (25 findings with their 60 photos), and a cProfile
of one WeasyPrint run (photos pre-scaled) split into its phases (parsing, CSS cascade, box
tree, layout, drawing and PDF) with the functions of most own time.

Run from the repository root: `.venv/bin/python bench/report_render.py [runs]`.
"""

import cProfile
import hashlib
import io
import logging
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageFilter  # noqa: E402

from bench.common import bench_app  # noqa: E402
from otto.accounts.services import create_user, ensure_agencies  # noqa: E402
from otto.auth import Actor  # noqa: E402
from otto.changes.merge import Write  # noqa: E402
from otto.checklists.services import install_template  # noqa: E402
from otto.extensions import db  # noqa: E402
from otto.inspections import answers, findings, photos, visits  # noqa: E402
from otto.inspections.businesses import create_business  # noqa: E402
from otto.inspections.photo_storage import storage_from_config  # noqa: E402
from otto.reports import render as report_render  # noqa: E402
from otto.reports import services as reports  # noqa: E402
from otto.reports.content import load_content  # noqa: E402
from otto.timeutil import utcnow  # noqa: E402

QUESTIONS, FINDINGS, PHOTOS = 300, 25, 60
PASSWORD = "ett-långt-lösenord"


def phone_like_photo(seed: int) -> bytes:
    """A 2000 × 1500 JPEG that compresses like a photo: gradients under blurred noise."""
    size = (2000, 1500)
    gradient = Image.linear_gradient("L").rotate(seed * 17 % 360).resize(size)
    scene = Image.merge("RGB", (gradient, Image.radial_gradient("L").resize(size), gradient))
    noise = Image.merge("RGB", [Image.effect_noise(size, s) for s in (40, 55, 70)])
    image = Image.blend(scene, noise, 0.5).filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def checklist(agency: str, questions: int):
    sections = []
    for s in range(10):
        items = []
        for n in range(s * questions // 10, (s + 1) * questions // 10):
            if n % 3:
                items.append({"id": f"q{n}", "type": "yesno", "text": f"Kontrollpunkt {n}: rutin"})
            else:
                items.append(
                    {
                        "id": f"q{n}",
                        "type": "number",
                        "unit": "°C",
                        "text": f"Kontrollpunkt {n}: temperatur",
                        "legal_ref": "Förordning (EG) nr 852/2004 bilaga II kap. IX",
                        "deviation": {
                            "when": {"q": f"q{n}", "op": "gt", "value": 8},
                            "severity": "minor",
                            "text": "För varmt",
                        },
                    }
                )
        sections.append({"id": f"s{s}", "title": f"Avsnitt {s + 1}", "questions": items})
    return install_template(
        {"key": f"{agency}-bench", "agency": agency, "title": "Kontroll", "sections": sections}
    )


def seed(app):
    """The visit; returns (coordinator actor, visit id)."""
    ensure_agencies()
    users = {
        role: create_user(
            None,
            username=role,
            name=f"Person {role}",
            email=f"{role}@example.org",
            role="coordinator" if role == "samordnare" else "inspector",
            agency=None if role == "samordnare" else role,
            password=PASSWORD,
        )
        for role in ("samordnare", "livsmedel", "brand")
    }
    business = create_business(
        None,
        name="Restaurang Bänken",
        org_number="556677-8899",
        address="Gatan 1",
        category="kiosk",
    )
    versions = {
        code: checklist(code, QUESTIONS if code == "livsmedel" else 20)
        for code in ("livsmedel", "brand")
    }
    start = utcnow()
    coordinator = Actor(users["samordnare"])
    visit = visits.plan_visit(
        coordinator,
        business_id=business.id,
        planned_start=start,
        planned_end=start.replace(hour=23),
        case_number="BENCH-1",
        participants=[
            {"user_id": users[code].id, "template_version_ids": [versions[code].id]}
            for code in ("livsmedel", "brand")
        ],
    )
    food = Write(Actor(users["livsmedel"]))
    for n in range(QUESTIONS):
        value = (4 + n % 7) if n % 3 == 0 else ("yes" if n % 5 else "no")
        answers.set_answer(
            food,
            visit_id=visit.id,
            template_version_id=versions["livsmedel"].id,
            question_id=f"q{n}",
            value=value,
        )
    for n in range(10):
        answers.set_answer(
            Write(Actor(users["brand"])),
            visit_id=visit.id,
            template_version_id=versions["brand"].id,
            question_id=f"q{n}",
            value=5 if n % 3 == 0 else "yes",
        )
    storage = storage_from_config(app.config)
    photo_count = 0
    for n in range(FINDINGS):
        finding = findings.create_finding(
            food,
            visit_id=visit.id,
            severity=("critical", "major", "minor", "info")[n % 4],
            description=f"Avvikelse {n}: kylvaror förvaras för varmt och rutinen saknas.",
            legal_ref="Förordning (EG) nr 852/2004 bilaga II kap. IX",
            visibility="agency" if n % 5 == 0 else "joint",
        )
        for _ in range(3 if n < PHOTOS - 2 * FINDINGS else 2):
            data = phone_like_photo(photo_count)
            sha256 = hashlib.sha256(data).hexdigest()
            photos.ingest_photo(
                food.actor,
                sha256,
                io.BytesIO(data),
                storage=storage,
                max_bytes=app.config["MAX_PHOTO_BYTES"],
                max_pixels=app.config["MAX_PHOTO_PIXELS"],
            )
            photos.link_photo(
                food.actor, visit_id=visit.id, photo_sha256=sha256, finding_id=finding.id
            )
            photo_count += 1
    db.session.commit()
    return coordinator, visit.id


def timed(action, runs: int) -> tuple[list[float], list[float], bytes]:
    """Wall-clock and CPU milliseconds of each run, and the last result. CPU time is shown
    too because on a shared machine the wall clock measures the neighbours as well."""
    wall, cpu, result = [], [], b""
    for _ in range(runs):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        result = action()
        wall.append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
    return wall, cpu, result


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(runs: int) -> None:
    app = bench_app()
    with app.app_context():
        coordinator, visit_id = seed(app)
        storage = storage_from_config(app.config)

        def render(agency, print_copies_cached=False):
            def uncached():
                reports._drafts = reports._DraftCache()  # time the render, not the cache
                if not print_copies_cached:  # the first report of these photos
                    report_render._print_copies = report_render._PrintCopies()
                return reports.report_pdf(coordinator, visit_id, agency, storage=storage).content

            return uncached

        rows = []
        for label, agency in (("agency report (livsmedel)", "livsmedel"), ("joint report", None)):
            rows.append((label, *timed(render(agency), runs)))
        rows.append(
            (
                "agency report again, print copies cached",
                *timed(render("livsmedel", print_copies_cached=True), runs),
            )
        )
        for status in ("in_progress", "completed", "closed"):
            visits.set_visit_status(coordinator, visit_id, status)
        db.session.commit()

        def issue():
            report_render._print_copies = report_render._PrintCopies()
            pdf = reports.report_pdf(coordinator, visit_id, "livsmedel", storage=storage).content
            db.session.rollback()  # so every run issues again instead of returning the stored
            return pdf

        rows.append(("agency report, PDF/A issued", *timed(issue, max(1, runs // 2))))
        parts, profile = breakdown(coordinator, visit_id, storage, runs)
        db.engine.dispose()
    print(f"{QUESTIONS} answers, {FINDINGS} findings, {PHOTOS} photos (2000×1500 uploads):")
    for label, wall, cpu, pdf in rows:
        print(
            f"  {label}: median {statistics.median(wall):.0f} ms, p95 {p95(wall):.0f} ms "
            f"(CPU median {statistics.median(cpu):.0f} ms) over {len(wall)} runs; "
            f"{len(pdf) / 1e6:.1f} MB"
        )
    print("  target: agency report < 1000 ms, size < 15 MB")
    print("agency report taken apart (medians of wall ms, CPU ms in brackets):")
    for label, wall, cpu, pdf in parts:
        size = f"; {len(pdf) / 1e6:.1f} MB" if pdf else ""
        print(f"  {label}: {statistics.median(wall):.0f} ms ({statistics.median(cpu):.0f}){size}")
    print(profile)


def breakdown(coordinator, visit_id: str, storage, runs: int) -> list:
    """The draft agency report's steps timed one by one, and WeasyPrint's own time on the
    same HTML without photos and with the print copies made beforehand."""
    content = load_content(coordinator.user, visit_id, "livsmedel")
    html = report_render.render_html(content, stamp=None)

    def fetcher():
        report_render._print_copies = report_render._PrintCopies()
        return report_render.PhotoFetcher(storage, content.photo_shas, content.logos)

    ready = fetcher()

    def weasyprint_with(url_fetcher):
        document = report_render.weasyprint.HTML(
            string=html, base_url="photo:", url_fetcher=url_fetcher
        )
        return document.write_pdf(stylesheets=[report_render._stylesheet()])

    def without_photos():
        bare = report_render.PhotoFetcher(storage, set(), content.logos)
        weasyprint_log = logging.getLogger("weasyprint")  # an error for each missing photo
        with report_render.warnings.catch_warnings():
            report_render.warnings.simplefilter("ignore")
            weasyprint_log.disabled = True
            try:
                return weasyprint_with(bare)
            finally:
                weasyprint_log.disabled = False

    def collector_paused():
        with report_render._collector_paused():
            return weasyprint_with(ready)

    def without_section(name):
        start = html.index(f'<section class="{name}">')
        end = html.index("</section>", start) + len("</section>")
        document = report_render.weasyprint.HTML(
            string=html[:start] + html[end:], base_url="photo:", url_fetcher=ready
        )
        return lambda: document.write_pdf(stylesheets=[report_render._stylesheet()])

    steps = [
        ("load content (queries)", lambda: load_content(coordinator.user, visit_id, "livsmedel")),
        ("render HTML (Jinja)", lambda: report_render.render_html(content, stamp=None)),
        (f"print copies of {len(content.photo_shas)} photos", fetcher),
        ("WeasyPrint, photos pre-scaled (baseline)", lambda: weasyprint_with(ready)),
        ("  the same with the garbage collector paused (as render_pdf)", collector_paused),
        ("WeasyPrint, same HTML without photos (baseline)", without_photos),
        (f"WeasyPrint without the {QUESTIONS} checklist rows", without_section("checked")),
        (
            f"WeasyPrint without the {FINDINGS} findings and their photos",
            without_section("findings"),
        ),
    ]
    rows = []
    for label, action in steps:
        wall, cpu, result = timed(action, runs)
        rows.append((label, wall, cpu, result if isinstance(result, bytes) else b""))
    return rows, weasyprint_profile(collector_paused, statistics.median(rows[4][2]))


# WeasyPrint's phases as functions whose cumulative time is the phase's (version 70):
# parsing the HTML, the CSS cascade up front (more styles are computed lazily during
# layout), building the box tree, laying out the pages, drawing them, and the whole PDF.
PHASES = (
    ("parse HTML (tinyhtml5)", "weasyprint/__init__.py", "__init__"),
    ("CSS cascade", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("box tree", "formatting_structure/build.py", "build_formatting_structure"),
    ("layout, all pages", "weasyprint/layout/__init__.py", "layout_document"),
    ("  of which tables", "weasyprint/layout/table.py", "table_layout"),
    ("  of which line breaking (Pango)", "weasyprint/text/line_break.py", "split_first_line"),
    ("draw pages", "weasyprint/document.py", "paint"),
    ("write PDF (draw, fonts, images)", "weasyprint/document.py", "write_pdf"),
)


def weasyprint_profile(action, cpu_ms: float, top: int = 12) -> str:
    """cProfile of one run of `action` (WeasyPrint): each phase's share of the profiled time,
    in ms scaled to `cpu_ms` (the run without the profiler, whose overhead roughly doubles
    the time), and the functions of most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(tottime for _, _, tottime, _, _ in stats.values())
    lines = [
        "WeasyPrint profiled (photos pre-scaled, collector paused; ms scaled to "
        f"{cpu_ms:.0f} ms CPU):"
    ]
    for label, path, function in PHASES:
        cumulative = sum(
            cumtime
            for (filename, _, name), (_, _, _, cumtime, _) in stats.items()
            if filename.endswith(path) and name == function
        )
        lines.append(
            f"  {label}: {100 * cumulative / total:.0f} %, ≈ {cpu_ms * cumulative / total:.0f} ms"
        )
    lines.append(f"  top {top} functions by own time (% of profiled, calls):")
    ranked = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, name), (_, calls, tottime, _, _) in ranked:
        where = filename.split("site-packages/")[-1]
        lines.append(f"    {100 * tottime / total:4.1f} %  {calls:>7}  {where}:{line} {name}")
    return "\n".join(lines)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
