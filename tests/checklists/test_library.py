"""The seed checklist library: every template parses, is substantial, and passes the format."""

import json
from pathlib import Path

import pytest

import otto.checklists
from otto.checklists.template_format import TemplateInvalid, validate_template

pytestmark = pytest.mark.database_free  # pure: no database

LIBRARY = Path(otto.checklists.__file__).parent / "library"
TEMPLATE_PATHS = sorted(LIBRARY.glob("*.json"))
AGENCIES = {"miljo", "brand", "livsmedel", "polis", "skatt"}


def load(path):
    """Return the template stored at path, read as UTF-8 JSON."""
    return json.loads(path.read_text(encoding="utf-8"))


def questions(template):
    """Return every question of a template, in order."""
    return [question for section in template["sections"] for question in section["questions"]]


def test_library_has_a_template_for_each_agency():
    agencies = {load(path)["agency"] for path in TEMPLATE_PATHS}
    assert agencies >= AGENCIES


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_key_matches_its_file_name(path):
    assert load(path)["key"] == path.stem


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_has_enough_questions_photos_and_deviation_rules(path):
    items = questions(load(path))
    assert len(items) >= 12
    assert sum(1 for question in items if question["type"] == "photo") >= 1
    assert sum(1 for question in items if "deviation" in question) >= 3


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_ids_are_unique(path):
    template = load(path)
    section_ids = [section["id"] for section in template["sections"]]
    question_ids = [question["id"] for question in questions(template)]
    assert len(section_ids) == len(set(section_ids))
    assert len(question_ids) == len(set(question_ids))


@pytest.mark.parametrize("path", TEMPLATE_PATHS, ids=lambda path: path.stem)
def test_template_passes_the_template_format(path):
    try:
        validate_template(load(path))
    except TemplateInvalid as exc:
        pytest.fail(f"{path.name} rejected by validate_template: {exc.errors}")
