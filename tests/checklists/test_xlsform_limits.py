"""XLSForm imports are streamed and bounded (issue 21): two million empty rows are not read,
a form with nothing but them is refused, and a cell or a wholly-read part over its limit
is refused naming the limit in Swedish."""

import io
import zipfile

import pytest

from otto import limits
from otto.checklists.xlsform import FileRefused, read_xlsform
from tests.checklists.test_xlsform_import import upload
from tests.checklists.xlsx_rows import survey_with_empty_rows
from tests.test_errors import assert_error

HEADER = ["type", "name", "label"]
QUESTION = ["integer", "antal", "Antal anställda"]


def test_a_sheet_of_two_million_empty_rows_is_refused(client, coordinator_headers, make_body):
    two_million = survey_with_empty_rows([HEADER], 2_000_000)
    assert len(two_million) < 30_000  # the attack's size: it is the unpacked rows that cost
    response = upload(client, coordinator_headers, "agency=miljo", io.BytesIO(two_million))
    body = assert_error(response, 400, "invalid_xlsform")
    assert body["details"]["file"] == ["Formuläret har ingen fråga som kan importeras."]


def test_a_form_followed_by_two_million_empty_rows_imports(app):
    imported = read_xlsform(
        io.BytesIO(survey_with_empty_rows([HEADER, QUESTION], 2_000_000)), "miljo"
    )
    assert [q["id"] for s in imported.body["sections"] for q in s["questions"]] == ["antal"]


def test_filled_rows_over_the_limit_are_refused_naming_it(app, monkeypatch):
    monkeypatch.setattr(limits, "XLSFORM_ROWS", 3)
    rows = [HEADER, *[["integer", f"q{n}", f"Fråga {n}"] for n in range(4)]]
    with pytest.raises(FileRefused) as refused:
        read_xlsform(io.BytesIO(survey_with_empty_rows(rows, 10)), "miljo")
    assert refused.value.details["file"] == [
        "Bladet ”survey” har fler än 3 ifyllda rader; gränsen är 3 rader per blad."
    ]


def test_a_cell_over_the_import_limit_is_refused_naming_it(app):
    long_label = ["integer", "antal", "x" * (limits.IMPORT_CELL + 1)]
    with pytest.raises(FileRefused) as refused:
        read_xlsform(io.BytesIO(survey_with_empty_rows([HEADER, long_label], 0)), "miljo")
    assert refused.value.details["file"] == [
        f"Rad 2 i bladet ”survey” har mer än {limits.IMPORT_CELL} tecken; gränsen är "
        f"{limits.IMPORT_CELL} tecken per cell."
    ]


def test_a_shared_strings_part_over_its_limit_is_refused_before_it_is_read(app):
    stream = io.BytesIO(survey_with_empty_rows([HEADER, QUESTION], 0))
    with zipfile.ZipFile(stream, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (limits.XLSX_PART_BYTES + 1))
    stream.seek(0)
    with pytest.raises(FileRefused) as refused:
        read_xlsform(stream, "miljo")
    megabytes = limits.XLSX_PART_BYTES // 1_000_000
    assert refused.value.details["file"] == [
        f"Arbetsbokens del ”xl/sharedStrings.xml” är för stor uppackad; gränsen är {megabytes} MB."
    ]
