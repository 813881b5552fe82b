"""The statistics of a period: exact figures for the seeded tertial, the same figures in
the page's tables and SVG charts, periods in Swedish time, coordinators only."""

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from otto.analysis import statistics
from otto.analysis.periods import period_of
from tests.analysis.conftest import TZ
from tests.web.conftest import text

SVG = "{http://www.w3.org/2000/svg}"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_periods_are_swedish_weeks_tertials_and_years():
    tertial = period_of("tertial", dt.date(2026, 11, 25))
    assert (tertial.start, tertial.end, tertial.title) == (
        dt.date(2026, 9, 1),
        dt.date(2026, 12, 31),
        "Tertial 3 2026",
    )
    assert period_of("tertial", dt.date(2026, 4, 30)).end == dt.date(2026, 4, 30)
    assert period_of("tertial", dt.date(2026, 5, 1)).label == "tertial 2 2026"
    week = period_of("week", dt.date(2026, 11, 25))
    assert (week.start, week.end, week.title) == (
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
        "Lägesbild vecka 48 2026",
    )
    assert period_of("week", dt.date(2027, 1, 1)).label == "vecka 53 2026"
    assert period_of("year", dt.date(2026, 3, 3)).previous().title == "År 2025"
    assert tertial.previous() == period_of("tertial", dt.date(2026, 5, 1))
    assert period_of("tertial", dt.date(2026, 2, 1)).previous().label == "tertial 3 2025"


def test_figures_of_the_seeded_tertial_are_exact(seeded):
    figures = statistics.compute(seeded.coordinator, period_of("tertial", dt.date(2026, 6, 1)), NOW)
    assert (figures.visits, figures.businesses, figures.not_counted) == (3, 2, 1)
    assert {a: dict(row) for a, row in figures.findings.items()} == {
        "miljo": {"minor": 1},
        "polis": {"major": 1},
        "livsmedel": {"critical": 1},
    }
    assert figures.finding_count == 3
    assert (figures.visits_with_findings, figures.share_with_findings) == (2, 2 / 3)
    # Due in the tertial: answered the day before (on time), four days late, and two never
    # answered (one from the April visit).
    assert figures.follow_ups == {"on_time": 1, "late": 1, "overdue": 2, "pending": 0}
    assert figures.on_time_share == 1 / 4
    assert [(code, vars(row)) for code, row in statistics.category_rows(figures)] == [
        ("pizzeria", {"visits": 2, "visits_with_findings": 1, "findings": 2}),
        ("kiosk", {"visits": 1, "visits_with_findings": 1, "findings": 1}),
    ]


def test_a_follow_up_not_yet_due_is_pending_not_overdue(seeded):
    early = dt.datetime(2026, 6, 5, 12, 0, tzinfo=dt.UTC)
    figures = statistics.compute(
        seeded.coordinator, period_of("tertial", dt.date(2026, 6, 1)), early
    )
    assert figures.follow_ups["pending"] == 1  # due 10 June
    assert figures.follow_ups["overdue"] == 1  # due 5 May


def test_a_visit_late_on_30_april_swedish_time_belongs_to_the_first_tertial(seeded):
    figures = statistics.compute(seeded.coordinator, period_of("tertial", dt.date(2026, 4, 1)), NOW)
    assert (figures.visits, figures.businesses, figures.finding_count) == (1, 1, 1)
    assert figures.share_with_findings == 1.0
    assert figures.on_time_share is None


def test_an_inspector_counts_only_what_the_confidentiality_rule_shows(seeded):
    figures = statistics.compute(
        seeded.inspectors["miljo"], period_of("tertial", dt.date(2026, 6, 1)), NOW
    )
    assert figures.visits == 1  # the one May visit the inspector took part in
    assert {a: dict(row) for a, row in figures.findings.items()} == {"miljo": {"minor": 1}}


def table(body: str, table_id: str) -> list[list[str]]:
    """The cells of a table on the page, row by row, as text."""
    html = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S).group(0)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"[ \t\n]+", " ", re.sub("<[^>]+>", "", c)).strip() for c in cells])
    return rows


def chart(body: str, chart_id: str) -> ET.Element:
    svg = re.search(rf'<svg[^>]*id="{chart_id}".*?</svg>', body, re.S).group(0)
    return ET.fromstring(svg)


def test_the_page_shows_the_tertial_in_tables_and_charts(client, seeded, login):
    login(seeded.coordinator)
    response = client.get("/statistik?period=tertial&datum=2026-06-01")
    assert response.status_code == 200
    body = text(response)
    assert "<h1>Tertial 2 2026</h1>" in body
    assert "genomförda besök" in body
    assert "1 planerade eller pågående besök" in body
    assert table(body, "tabell-oversikt") == [
        ["Mått", "Tertial 2 2026", "Föregående: tertial 1 2026"],
        ["Genomförda besök", "3", "1"],
        ["Besökta verksamheter", "2", "1"],
        ["Avvikelser", "3", "1"],
        ["Besök med avvikelser", "2 (66,7\u00a0%)", "1 (100,0\u00a0%)"],
        ["Uppföljningar klara i tid", "1 (25,0\u00a0%)", "0 (–)"],
    ]
    assert table(body, "tabell-avvikelser") == [
        ["Myndighet", "Allvarlig avvikelse", "Större avvikelse", "Mindre avvikelse",
         "Iakttagelse", "Totalt"],
        ["Miljö- och hälsoskydd", "0", "0", "1", "0", "1"],
        ["Livsmedelskontrollen", "1", "0", "0", "0", "1"],
        ["Polismyndigheten", "0", "1", "0", "0", "1"],
        ["Totalt", "1", "1", "1", "0", "3"],
    ]  # fmt: skip
    assert table(body, "tabell-uppfoljningar") == [
        ["Utfall", "Antal"],
        ["Klar i tid", "1"],
        ["Klar för sent", "1"],
        ["Öppen, försenad", "2"],
        ["Öppen, ej förfallen", "0"],
    ]
    assert table(body, "tabell-kategorier") == [
        ["Kategori", "Genomförda besök", "Besök med avvikelser", "Andel med avvikelser",
         "Avvikelser"],
        ["Pizzeria", "2", "1", "50,0\u00a0%", "2"],
        ["Kiosk/livsmedelsbutik", "1", "1", "100,0\u00a0%", "1"],
    ]  # fmt: skip

    findings = chart(body, "diagram-avvikelser")
    assert findings.get("role") == "img"
    assert findings.find(f"{SVG}title").text == (
        "Avvikelser per myndighet och allvarlighetsgrad, tertial 2 2026"
    )
    labels = [t.text for t in findings.iter(f"{SVG}text")]
    for name in ("Miljö- och hälsoskydd", "Livsmedelskontrollen", "Polismyndigheten"):
        assert name in labels
    bars = [(r.find(f"{SVG}title").text, r.get("data-value")) for r in findings.iter(f"{SVG}rect")
            if r.find(f"{SVG}title") is not None]  # fmt: skip
    assert sorted(bars) == [
        ("Livsmedelskontrollen, allvarlig avvikelse: 1", "1"),
        ("Miljö- och hälsoskydd, mindre avvikelse: 1", "1"),
        ("Polismyndigheten, större avvikelse: 1", "1"),
    ]
    follow_ups = chart(body, "diagram-uppfoljningar")
    totals = [t.text for t in follow_ups.iter(f"{SVG}text") if t.get("class") == "total"]
    assert totals == ["1", "1", "2", "0"]
    categories = chart(body, "diagram-kategorier")
    assert "Pizzeria: 2 (med avvikelser 1, utan avvikelser 1)" in categories.find(f"{SVG}desc").text
    # The widest bar is the largest total; the pizzeria's two visits fill the scale.
    widths = {
        r.find(f"{SVG}title").text: float(r.get("width"))
        for r in categories.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None
    }
    assert (
        widths["Pizzeria, med avvikelser: 1"] == widths["Kiosk/livsmedelsbutik, med avvikelser: 1"]
    )
    assert "style=" not in body


def test_the_default_page_is_this_weeks_situation_picture(client, seeded, login):
    login(seeded.coordinator)
    body = text(client.get("/statistik"))
    year, week, _ = dt.datetime.now(TZ).date().isocalendar()
    assert f"Lägesbild vecka {week} {year}" in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=kvartal", "Välj vecka, tertial eller år."),
        ("datum=igår", "Ange datum som ÅÅÅÅ-MM-DD."),
    ],
)
def test_a_bad_period_is_explained_in_swedish(client, seeded, login, query, message):
    login(seeded.coordinator)
    response = client.get(f"/statistik?{query}")
    assert response.status_code == 400
    assert message in text(response)


def test_the_statistics_api_gives_the_same_figures_with_the_previous_period(
    client, seeded, token_for
):
    response = client.get(
        "/api/statistics?period=tertial&date=2026-06-01", headers=token_for(seeded.coordinator)
    )
    assert response.status_code == 200
    body = response.json
    assert body["period"] == {
        "kind": "tertial",
        "start": "2026-05-01",
        "end": "2026-08-31",
        "label": "tertial 2 2026",
    }
    assert (body["visits"], body["businesses"], body["findings"], body["not_counted"]) == (
        3,
        2,
        3,
        1,
    )
    assert body["findings_by_agency"] == [
        {"agency": "livsmedel", "severity": "critical", "count": 1},
        {"agency": "miljo", "severity": "minor", "count": 1},
        {"agency": "polis", "severity": "major", "count": 1},
    ]
    assert body["follow_ups"] == {"on_time": 1, "late": 1, "overdue": 2, "pending": 0}
    assert body["categories"][0] == {
        "category": "pizzeria",
        "visits": 2,
        "visits_with_findings": 1,
        "findings": 2,
    }
    assert body["previous"]["period"]["label"] == "tertial 1 2026"
    assert (body["previous"]["visits"], body["previous"]["share_with_findings"]) == (1, 1.0)


def test_inspectors_and_bad_periods_are_refused_by_the_statistics_api(client, seeded, token_for):
    inspector = token_for(seeded.inspectors["miljo"])
    assert client.get("/api/statistics", headers=inspector).status_code == 403
    response = client.get("/api/statistics?period=quarter", headers=token_for(seeded.coordinator))
    assert response.status_code == 400
    assert list(response.json["details"]["query"]) == ["period"]
