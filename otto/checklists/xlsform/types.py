"""XLSForm survey types as pyxform spells them, and what each becomes in OTTO.

From pyxform's `question_type_dictionary.py` and `aliases.py` (`select`, `control`,
`_type_alias_map`), for the types OTTO has a question for. Types are matched without regard
to case or repeated spaces ("Select one from x", "select_one  x").
"""

import re
from dataclasses import dataclass

# type -> the OTTO question it becomes
SIMPLE = {
    **dict.fromkeys(("text", "string", "q string", "add text prompt"), {"type": "text"}),
    **dict.fromkeys(("integer", "int", "q int", "add integer prompt"), {"type": "integer"}),
    **dict.fromkeys(("decimal", "q decimal", "add decimal prompt"), {"type": "number"}),
    **dict.fromkeys(("date", "q date", "add date prompt"), {"type": "date"}),
    **dict.fromkeys(
        ("image", "photo", "q picture", "q image", "add image prompt", "add photo prompt"),
        {"type": "photo", "min_photos": 0},
    ),
    **dict.fromkeys(
        ("geopoint", "gps", "location", "q geopoint", "q location", "add location prompt"),
        {"type": "location"},
    ),
}
SELECT_ONE = (
    "select_one", "select one", "select1", "select one from", "add select one prompt using",
    "select one using", "q select1",
)  # fmt: skip
SELECT_MULTIPLE = (
    "select_multiple", "select all that apply", "select all that apply from",
    "select multiple from", "add select multiple prompt using", "select multiple using",
    "q select",
)  # fmt: skip
# Selects whose options live outside the form (a CSV file, the external_choices sheet).
FROM_FILE = (
    "select_one_from_file", "select_multiple_from_file", "select one from file",
    "select multiple from file", "select_one_external",
)  # fmt: skip
CONTROLS = ("group", "repeat", "lgroup", "looped group", "loop")
REPEATS = ("repeat", "lgroup", "looped group", "loop")
# Values the device fills in by itself: no question to ask (pyxform's metadata types).
METADATA = (
    "start", "end", "today", "deviceid", "imei", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "uri:deviceid", "uri:subscriberid",
    "uri:simserial", "uri:phonenumber", "uri:username", "uri:email", "get start time",
    "get end time", "get today", "get device id", "get sim id", "get subscriber id",
    "get phone number", "start time", "end time", "device id", "sim id", "subscriber id",
)  # fmt: skip
# Rows that ask nothing: computed or display-only.
NOT_ASKED = ("calculate", "hidden", "note", "q note", "add note prompt", "q calculate")

_OTHER = r"or specify other|or_other|or other"
_SELECTS = sorted((*SELECT_ONE, *SELECT_MULTIPLE, *FROM_FILE), key=len, reverse=True)
_SELECT = re.compile(
    rf"(?P<command>{'|'.join(map(re.escape, _SELECTS))}) (?P<list>\S+)(?: (?P<other>{_OTHER}))?",
    re.IGNORECASE,
)
_CONTROL = re.compile(
    rf"(?P<edge>begin|end)[ _](?P<control>{'|'.join(CONTROLS)})(?: (?:over )?\S+)?", re.IGNORECASE
)


@dataclass(frozen=True)
class SurveyType:
    """A survey row's type: `kind` is a canonical lowercase name; selects carry their list."""

    kind: str  # "begin", "end", "select_one", "select_multiple", "from_file" or the type
    control: str = ""
    list_name: str = ""
    or_other: bool = False


def parse_type(written: str) -> SurveyType:
    """Read a survey type as pyxform would."""
    text = " ".join(written.split())
    if match := _CONTROL.fullmatch(text):
        return SurveyType(match["edge"].lower(), control=match["control"].lower())
    if match := _SELECT.fullmatch(text):
        command = match["command"].lower()
        kind = (
            "from_file"
            if command in FROM_FILE
            else "select_one"
            if command in SELECT_ONE
            else "select_multiple"
        )
        return SurveyType(kind, list_name=match["list"], or_other=bool(match["other"]))
    return SurveyType(text.lower())


def is_asked(survey_type: SurveyType) -> bool:
    """Does the row ask the inspector something (whether OTTO can import it or not)?"""
    return survey_type.kind not in ("begin", "end", "", *METADATA, *NOT_ASKED)
