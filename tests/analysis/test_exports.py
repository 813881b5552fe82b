"""Exports of findings and follow-ups: Swedish headers and values, filters, the
confidentiality rule, coordinators only, bad filters refused, formulas neutralised."""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from otto.analysis import exports
from otto.audit import AuditEvent
from otto.extensions import db
from otto.inspections.org_number import with_check_digit
from tests.analysis.conftest import INJECTION

T2 = {"from": "2026-05-01", "to": "2026-08-31"}
ROMA, KIOSK = with_check_digit("556101010"), with_check_digit("556202020")


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def coordinator_headers(seeded, token_for):
    return token_for(seeded.coordinator)


def test_findings_xlsx_has_swedish_headers_and_exactly_the_periods_findings(
    client, seeded, coordinator_headers
):
    response = client.get(
        "/api/exports/findings", query_string=T2 | {"format": "xlsx"}, headers=coordinator_headers
    )
    assert response.mimetype == exports.MEDIA_TYPES["xlsx"]
    assert "avvikelser_2026-05-01_2026-08-31.xlsx" in response.headers["Content-Disposition"]
    header, *rows = xlsx_rows(response)
    assert header == list(exports.FINDING_HEADER)
    assert header[:4] == ["Besöksdatum", "Diarienummer", "Verksamhet", "Organisationsnummer"]
    # The deleted finding, the April visit and the other visits are not there.
    assert [row[:13] for row in rows] == [
        [
            dt.datetime(2026, 5, 12),
            "OTTO 2026-11",
            "Pizzeria Roma",
            ROMA,
            "Storgatan 1",
            "Pizzeria",
            "Miljö- och hälsoskydd",
            "Mindre avvikelse",
            "852/2004 bilaga II",
            "Kylskåp håller 10 °C",
            "Gemensam",
            "Öppen",
            dt.datetime(2026, 5, 20),
        ],
        [
            dt.datetime(2026, 5, 12),
            "OTTO 2026-11",
            "Pizzeria Roma",
            ROMA,
            "Storgatan 1",
            "Pizzeria",
            "Polismyndigheten",
            "Större avvikelse",
            "BrB 9:1",
            "Misstänkt svartarbete i köket",
            "Endast egen myndighet",
            "Öppen",
            dt.datetime(2026, 6, 1),
        ],
        [
            dt.datetime(2026, 6, 3),
            "OTTO 2026-12",
            "Kiosk Centrum",
            KIOSK,
            "Storgatan 1",
            "Kiosk/livsmedelsbutik",
            "Livsmedelskontrollen",
            "Allvarlig avvikelse",
            "'@SUM(1)",
            "'" + INJECTION,
            "Gemensam",
            "Öppen",
            dt.datetime(2026, 6, 10),
        ],
    ]
    assert all(isinstance(row[13], dt.datetime) for row in rows)  # Registrerad


def test_findings_csv_is_semicolon_separated_utf8_with_formulas_neutralised(
    client, seeded, coordinator_headers
):
    response = client.get(
        "/api/exports/findings", query_string=T2 | {"format": "csv"}, headers=coordinator_headers
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert header == list(exports.FINDING_HEADER)
    assert [(r[0], r[2], r[6], r[7]) for r in rows] == [
        ("2026-05-12", "Pizzeria Roma", "Miljö- och hälsoskydd", "Mindre avvikelse"),
        ("2026-05-12", "Pizzeria Roma", "Polismyndigheten", "Större avvikelse"),
        ("2026-06-03", "Kiosk Centrum", "Livsmedelskontrollen", "Allvarlig avvikelse"),
    ]
    formula_row = rows[2]
    assert formula_row[8] == "'@SUM(1)"
    assert formula_row[9] == "'" + INJECTION
    assert formula_row[12] == "2026-06-10"


def test_a_cell_starting_like_a_formula_is_never_a_formula_in_the_workbook(
    client, seeded, coordinator_headers
):
    response = client.get(
        "/api/exports/findings",
        query_string={"severity": "critical"},
        headers=coordinator_headers,
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    cell = sheet["J2"]
    assert cell.value == "'" + INJECTION
    assert cell.data_type == "s"
    # An ordinary leading minus sign in a description is neutralised as well.
    assert exports.neutralise("-5 °C i frysen") == "'-5 °C i frysen"
    assert exports.neutralise("Kylskåp 10 °C") == "Kylskåp 10 °C"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"agency": "miljo"}, ["Nagelstudio Lux", "Pizzeria Roma"]),
        ({"agency": "miljo", **T2}, ["Pizzeria Roma"]),
        ({"category": "kiosk"}, ["Kiosk Centrum"]),
        ({"severity": "major"}, ["Pizzeria Roma"]),
        ({"from": "2026-05-01", "to": "2026-05-01"}, []),
        ({"to": "2026-04-30"}, ["Nagelstudio Lux"]),  # 23:30 Swedish time on 30 April
        ({}, ["Nagelstudio Lux", "Pizzeria Roma", "Pizzeria Roma", "Kiosk Centrum"]),
    ],
)
def test_finding_filters_select_the_matching_rows(
    client, seeded, coordinator_headers, query, expected
):
    response = client.get(
        "/api/exports/findings", query_string=query | {"format": "csv"}, headers=coordinator_headers
    )
    _header, *rows = csv_rows(response)
    assert [row[2] for row in rows] == expected


def test_follow_ups_export_lists_those_due_in_the_period_with_their_outcome(
    client, seeded, coordinator_headers
):
    response = client.get("/api/exports/follow-ups", query_string=T2, headers=coordinator_headers)
    header, *rows = xlsx_rows(response)
    assert header == list(exports.FOLLOW_UP_HEADER)
    assert header[0] == "Sista dag"
    assert [(r[0].date(), r[3], r[6], r[9], r[10], r[11]) for r in rows] == [
        (
            dt.date(2026, 5, 5),
            "Nagelstudio Lux",
            "Miljö- och hälsoskydd",
            "Dokument",
            "Öppen",
            "Ja",
        ),
        (
            dt.date(2026, 5, 20),
            "Pizzeria Roma",
            "Miljö- och hälsoskydd",
            "Dokument",
            "Stängd",
            "Nej",
        ),
        (dt.date(2026, 6, 1), "Pizzeria Roma", "Polismyndigheten", "Återbesök", "Mottagen", "Nej"),
        (dt.date(2026, 6, 10), "Kiosk Centrum", "Livsmedelskontrollen", "Återbesök", "Öppen", "Ja"),
    ]
    filtered = client.get(
        "/api/exports/follow-ups",
        query_string=T2 | {"agency": "polis", "format": "csv"},
        headers=coordinator_headers,
    )
    _header, *rows = csv_rows(filtered)
    assert [(r[0], r[6]) for r in rows] == [("2026-06-01", "Polismyndigheten")]


def test_an_agency_only_police_finding_reaches_coordinators_but_never_another_agency(seeded):
    coordinator_rows = exports.finding_rows(seeded.coordinator, {})
    assert "Misstänkt svartarbete i köket" in [row[9] for row in coordinator_rows]
    # The miljö inspector took part in the same visit; the police finding stays hidden, and
    # visits the inspector was not part of are not exported at all.
    miljo_rows = exports.finding_rows(seeded.inspectors["miljo"], {})
    assert [row[9] for row in miljo_rows] == ["-5 °C i frysen", "Kylskåp håller 10 °C"]
    now = dt.datetime.now(dt.UTC)
    miljo_follow_ups = exports.follow_up_rows(seeded.inspectors["miljo"], {}, now)
    assert "Polismyndigheten" not in [row[6] for row in miljo_follow_ups]
    police_rows = exports.finding_rows(seeded.inspectors["polis"], {})
    assert [row[9] for row in police_rows] == [
        "Kylskåp håller 10 °C",
        "Misstänkt svartarbete i köket",
    ]


def test_inspectors_are_refused_the_export_api_and_pages(client, seeded, token_for, login):
    inspector = seeded.inspectors["polis"]
    headers = token_for(inspector)
    for path in ("/api/exports/findings", "/api/exports/follow-ups"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403
        assert response.json["code"] == "forbidden"
    login(inspector)
    for path in ("/statistik", "/statistik/export", "/statistik/export/avvikelser.csv"):
        assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"agency": "fbi"}, "agency"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "igår"}, "to"),
        ({"from": "2026-06-01", "to": "2026-05-01"}, "to"),
        ({"format": "pdf"}, "format"),
        ({"category": "bank"}, "category"),
        ({"severity": "huge"}, "severity"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field_and_change_nothing(
    client, seeded, coordinator_headers, query, field
):
    events = db.session.scalar(db.select(db.func.count(AuditEvent.id)))
    response = client.get("/api/exports/findings", query_string=query, headers=coordinator_headers)
    assert response.status_code == 400
    assert response.json["code"] == "validation_error"
    assert list(response.json["details"]["query"]) == [field]
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == events


def test_the_export_page_downloads_with_swedish_filter_names(client, seeded, login):
    login(seeded.coordinator)
    page = client.get("/statistik/export")
    assert page.status_code == 200
    assert "Exportera avvikelser och uppföljningar" in page.get_data(as_text=True)
    response = client.get(
        "/statistik/export/avvikelser.csv",
        query_string={"fran": "2026-05-01", "till": "2026-08-31", "myndighet": "polis"},
    )
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    _header, *rows = csv_rows(response)
    assert [(r[2], r[9]) for r in rows] == [("Pizzeria Roma", "Misstänkt svartarbete i köket")]
    xlsx = client.get("/statistik/export/uppfoljningar.xlsx", query_string={"kategori": "kiosk"})
    assert [r[3] for r in xlsx_rows(xlsx)[1:]] == ["Kiosk Centrum"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"fran": "31/12/2026"}, "Ange startdatum som ÅÅÅÅ-MM-DD."),
        (
            {"fran": "2026-06-01", "till": "2026-05-01"},
            "Slutdatumet får inte vara före startdatumet.",
        ),
        ({"myndighet": "fbi"}, "Välj en myndighet i listan."),
    ],
)
def test_bad_filters_on_the_page_are_explained_in_swedish(client, seeded, login, query, message):
    login(seeded.coordinator)
    response = client.get("/statistik/export/avvikelser.xlsx", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert message in body
    assert "Exporten kunde inte göras" in body


def test_an_unknown_download_is_not_found(client, seeded, login):
    login(seeded.coordinator)
    assert client.get("/statistik/export/losenord.csv").status_code == 404
    assert client.get("/statistik/export/avvikelser.pdf").status_code == 404
