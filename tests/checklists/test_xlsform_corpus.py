"""Fifteen real XLSForms (../shared/xlsforms, see SOURCES.md there), none written for OTTO.

Each form's rows are read here, independently of the importer: every question of a type OTTO
has must be imported, every relevant/required/constraint must be translated or named in its
row's report, and a refusal must carry its reasons.
"""

import io
import warnings
from pathlib import Path

import openpyxl
import pytest

from otto.checklists.template_format import validate_template
from otto.checklists.xlsform import read_xlsform, slug
from otto.errors import Invalid

pytestmark = pytest.mark.database_free  # pure: no database

REPO = Path(__file__).resolve().parents[2]
# The corpus sits beside the project (../shared/xlsforms); from a git worktree one level
# further out. Never copied into the repository: it is test data under other licences.
CORPUS = next(
    (p / "shared" / "xlsforms" for p in REPO.parents if (p / "shared" / "xlsforms").is_dir()),
    REPO.parent / "shared" / "xlsforms",
)
FORMS = sorted(CORPUS.glob("*.xlsx"))
# XLSForm types (first word, lowercased) that OTTO has a question for, from the XLSForm spec.
SUPPORTED = {
    "text", "string", "integer", "int", "decimal", "date", "image", "photo", "geopoint", "gps",
    "select_one", "select_multiple", "select", "select_one_from_file", "select_one_external",
}  # fmt: skip
CONDITION_COLUMNS = ("relevant", "required", "constraint")


def survey_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The survey sheet's rows as (row number, {lowercased header: text}), read plainly."""
    with warnings.catch_warnings():  # styles and extensions openpyxl does not read
        warnings.simplefilter("ignore", UserWarning)
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = next(s for s in book.worksheets if s.title.strip().lower() == "survey")
        rows = sheet.iter_rows(values_only=True)
        header = [str(cell or "").strip().lower() for cell in next(rows)]
        result = []
        for number, cells in enumerate(rows, start=2):
            row = {h: str(c).strip() for h, c in zip(header, cells, strict=False) if h and c}
            if any(row.values()):
                result.append((number, row))
            if number > 2000:  # past the last form row (a sheet formatted to row 1,048,576)
                break
        book.close()
    return result


def cell(row: dict[str, str], column: str) -> str:
    """A column's text whether written `relevant`, `bind:relevant` or `bind::relevant`."""
    for header, text in row.items():
        if header.split(":")[-1] == column and header.split(":")[0] in (column, "bind"):
            return text
    return ""


def test_the_corpus_is_there():
    assert len(FORMS) == 15, f"expected the 15 forms of {CORPUS} (see SOURCES.md)"


@pytest.mark.parametrize("path", FORMS, ids=lambda path: path.stem)
def test_a_real_form_imports_every_question_and_names_every_dropped_condition(path):
    imported = read_xlsform(io.BytesIO(path.read_bytes()), "miljo", path.name)
    body, summary = imported.body, imported.summary
    assert validate_template(body) == body
    by_id = {q["id"]: q for s in body["sections"] for q in s["questions"]}
    questions = set(by_id)
    reports = {report.row: report for report in summary.rows}
    for number, row in survey_rows(path):
        kind = row.get("type", "").split(" ")[0].lower()
        if kind in SUPPORTED and row.get("name"):
            assert slug(row["name"]) in questions or any(
                q.startswith(slug(row["name"]) + "-") for q in questions
            ), f"row {number} ({row['type']}) was not imported"
            assert reports[number].result.startswith("Fråga")
        for column in CONDITION_COLUMNS:
            expression = cell(row, column)
            if not expression or expression.lower() in ("yes", "true", "no", "false", "1"):
                continue
            report = reports[number]
            if report.result == "Inte importerad":
                continue  # the row's reason covers its conditions
            named = any(column in note for note in report.notes)
            question = by_id.get(report.result.split("”")[1]) if "”" in report.result else None
            if question is None:  # a group: its condition is on its questions
                translated = any("show_if" in q for q in by_id.values())
            elif column == "relevant":
                translated = "show_if" in question
            else:
                translated = column == "constraint" and ("min" in question or "max" in question)
            assert named or translated, f"row {number}: {column} neither kept nor named"
    counts = summary.counts
    assert counts.questions_imported <= counts.questions_in_form
    assert summary.language


def test_a_group_condition_survives_a_typo_in_the_questions_own_condition():
    """grains: `golden_mandazi` is not an option (it is `golden_madazi`); the question keeps
    its groups' conditions and the row names the part that was dropped and why."""
    path = CORPUS / "grains_market_survey.xlsx"
    imported = read_xlsform(io.BytesIO(path.read_bytes()), "miljo", path.name)
    question = next(
        q
        for s in imported.body["sections"]
        for q in s["questions"]
        if q["id"] == "goldenmandazi-price-bale"
    )
    assert {"q": "consent", "op": "eq", "value": "yes"} in question["show_if"]["all"]
    report = next(r for r in imported.summary.rows if r.name == "goldenmandazi_price_bale")
    assert any(
        "”golden_mandazi” är inte ett av alternativen" in note and "golden_madazi" in note
        for note in report.notes
    )


@pytest.mark.parametrize(
    "name, in_form, imported",
    [("mch_v1", 24, 24), ("good_eats_multilang", 9, 9), ("specify_other", 1, 1)],
)
def test_pyxform_spellings_lose_no_question(name, in_form, imported):
    path = CORPUS / f"{name}.xlsx"
    counts = read_xlsform(io.BytesIO(path.read_bytes()), "miljo", path.name).summary.counts
    assert (counts.questions_in_form, counts.questions_imported) == (in_form, imported)


def test_typographic_quotes_keep_every_condition_of_the_waste_form():
    path = CORPUS / "hot_waste_collection.xlsx"
    counts = read_xlsform(io.BytesIO(path.read_bytes()), "miljo", path.name).summary.counts
    assert (counts.conditions_kept, counts.conditions_dropped) == (17, 0)


def test_an_unused_large_sheet_is_noted_not_refused():
    path = CORPUS / "subdistrict_profiling_tool.xlsx"
    summary = read_xlsform(io.BytesIO(path.read_bytes()), "miljo", path.name).summary
    assert (
        "Bladet ”external_choices” används inte vid importen och har inte lästs." in summary.notes
    )


def test_english_wins_over_the_first_language_column():
    path = CORPUS / "ucl_biomass_plot.xlsx"
    summary = read_xlsform(io.BytesIO(path.read_bytes()), "miljo", path.name).summary
    assert summary.language == "label på English (en)"


def test_an_old_binary_xls_is_refused_with_a_reason():
    path = CORPUS / "legacy_xls" / "hot_buildings.xls"
    with pytest.raises(Invalid) as raised:
        read_xlsform(io.BytesIO(path.read_bytes()), "miljo", path.name)
    assert raised.value.code == "invalid_xlsform"
    assert ".xlsx" in raised.value.details["file"][0]
