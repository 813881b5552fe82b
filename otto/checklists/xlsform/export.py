"""A template body written as an XLSForm workbook (survey, choices, settings).

Sections are groups; questions use the XLSForm types ODK reads (yesno is a select_one of
yes/no/na, signature an image with appearance "signature", min/max a constraint, show_if a
relevant expression that means the same in ODK). What XLSForm has no column for (legal_ref,
unit, min_photos, deviation, the exact show_if and yesno) goes to a column `otto` as JSON, so
that importing the file gives the same body. A relevant cell edited in Excel wins over the
exact show_if on import.
"""

import io
import json

import openpyxl

from otto.checklists.xlsform.expressions import to_xpath
from otto.checklists.xlsform.survey import OTTO_KEYS, YESNO_VALUES

SURVEY_HEADER = ["type", "name", "label", "hint", "required", "relevant", "constraint"]
SURVEY_HEADER += ["appearance", "otto"]
_TYPES = {"text": "text", "integer": "integer", "number": "decimal", "date": "date"}
_TYPES |= {"photo": "image", "signature": "image", "location": "geopoint"}
_YESNO_LABELS = {"yes": "Ja", "no": "Nej", "na": "Ej aktuellt"}


def write_xlsform(body: dict) -> bytes:
    """The template body as .xlsx bytes."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(SURVEY_HEADER)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    questions = {q["id"]: q for s in body["sections"] for q in s["questions"]}
    for section in body["sections"]:
        survey.append(["begin group", section["id"], section["title"]])
        for question in section["questions"]:
            survey.append(_survey_row(question, questions))
            for value, label in _options(question):
                choices.append([question["id"], value, label])
        survey.append(["end group"])
    settings = book.create_sheet("settings")
    extras = [key for key in ("description", "purpose", "legal_basis") if key in body]
    settings.append(["form_title", "form_id", *extras])
    settings.append([body["title"], body["key"], *(body[key] for key in extras)])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _survey_row(question: dict, questions: dict) -> list:
    kind = question["type"]
    if kind == "choice":
        command = "select_multiple" if question.get("multiple") else "select_one"
        xlsform_type = f"{command} {question['id']}"
    elif kind == "yesno":
        xlsform_type = f"select_one {question['id']}"
    else:
        xlsform_type = _TYPES[kind]
    otto = {key: question[key] for key in OTTO_KEYS if key in question}
    if kind == "yesno":
        otto["type"] = "yesno"
    relevant = ""
    if "show_if" in question:
        otto["show_if"] = question["show_if"]
        relevant = to_xpath(question["show_if"], questions)
    required = {True: "yes", False: "no"}.get(question.get("required"), "")
    bounds = [f". >= {question['min']!r}"] if "min" in question else []
    bounds += [f". <= {question['max']!r}"] if "max" in question else []
    return [
        xlsform_type,
        question["id"],
        question["text"],
        question.get("help", ""),
        required,
        relevant,
        " and ".join(bounds),
        "signature" if kind == "signature" else "",
        json.dumps(otto, ensure_ascii=False) if otto else "",
    ]


def _options(question: dict) -> list[tuple[str, str]]:
    if question["type"] == "yesno":
        return [(value, _YESNO_LABELS[value]) for value in YESNO_VALUES]
    return [(o["value"], o["label"]) for o in question.get("options", [])]
