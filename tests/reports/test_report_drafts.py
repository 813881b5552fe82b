"""Draft reports are rendered once per content (issue 21: an open visit's report was rendered
anew on every request; at the longest descriptions the limits allow that is seconds each):
the same content is served from the draft cache, a change renders again, and a draft is
shared only where the content (what the user may read) is the same."""

from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections import findings
from otto.reports import services
from otto.reports.render import BytesCache
from tests.reports.conftest import POLICE_FINDING


def counting_renders(monkeypatch) -> list:
    renders = []
    render = services.render_pdf

    def counted(html, **options):
        renders.append(html)
        return render(html, **options)

    monkeypatch.setattr(services, "render_pdf", counted)
    monkeypatch.setattr(
        services, "_drafts", BytesCache(services.DRAFT_CACHE_BYTES)
    )  # none from other tests
    return renders


def test_an_unchanged_draft_is_rendered_once_and_a_change_renders_it_again(
    report_visit, fetch, monkeypatch
):
    renders = counting_renders(monkeypatch)
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    first = fetch(coordinator, visit.id).data
    assert fetch(coordinator, visit.id).data == first
    assert len(renders) == 1
    findings.create_finding(
        Write(Actor(report_visit["brand"])),
        visit_id=visit.id,
        severity="minor",
        description="Brandsläckaren saknar besiktning",
        visibility="joint",
    )
    db.session.commit()
    changed = fetch(coordinator, visit.id)
    assert changed.status_code == 200, changed.json
    assert changed.data != first
    assert len(renders) == 2


def test_a_draft_is_shared_only_by_identical_content(report_visit, fetch, monkeypatch):
    renders = counting_renders(monkeypatch)
    visit, coordinator = report_visit["visit"], report_visit["coordinator"]
    police_own = fetch(report_visit["polis"], visit.id, "polis")
    assert fetch(coordinator, visit.id, "polis").data == police_own.data  # the same content
    assert len(renders) == 1 and POLICE_FINDING in renders[0]
    joint = fetch(coordinator, visit.id)
    assert joint.status_code == 200 and joint.data != police_own.data
    assert len(renders) == 2 and POLICE_FINDING not in renders[1]
