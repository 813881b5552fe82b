"""One vocabulary: the server's words come from otto/labels.json through otto.labels, and the
field app uses the same words for the same codes."""

import json
import re
from pathlib import Path

import pytest

from otto import labels

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = json.loads((ROOT / "otto" / "labels.json").read_text(encoding="utf-8"))
# Words the two vocabularies used before there was one (issue 14): none may come back.
RETIRED = ("Kritisk avvikelse", "Endast myndigheten", "Endast min myndighet", "Information")
# The tables whose codes the field app names (code → word). Visit statuses are left out:
# the app's buttons name the action on a status code ("Starta besöket"), not the status.
TABLES = ("severities", "visibilities", "outcomes", "yesno", "entities")


def test_the_labels_module_is_the_vocabulary_file():
    assert labels.vocabulary() == VOCABULARY
    assert labels.SEVERITIES["major"] == "Större avvikelse"
    assert labels.SEVERITIES["critical"] == "Allvarlig avvikelse"
    assert tuple(VOCABULARY["severity_order"]) == labels.SEVERITY_ORDER


def test_plurals_and_event_texts():
    assert labels.plural(1, "avvikelse") == "1 avvikelse"
    assert labels.plural(3, "foto") == "3 foton"
    assert labels.event_text("overdue", "follow_up") == "markerade en uppföljning som försenad"
    assert labels.event_text("create", "finding") == "skapade en avvikelse"


def _server_files():
    for pattern in ("**/*.py", "**/*.html", "**/*.txt"):
        yield from (ROOT / "otto").glob(pattern)


@pytest.mark.parametrize("word", RETIRED)
def test_no_server_page_report_or_mail_uses_a_retired_word(word):
    found = [
        str(path.relative_to(ROOT))
        for path in _server_files()
        if re.search(rf"[\"'>]{re.escape(word)}\b", path.read_text(encoding="utf-8"))
    ]
    assert not found, f"{word!r} in {found}"


def _field_app_words() -> list[tuple[str, str, str]]:
    """(file, code, word) for every code of TABLES the field app's source names with a
    Swedish word: `['major', 'Större avvikelse']` or `signature: 'Underskrift'`."""
    codes = {code for table in TABLES for code in VOCABULARY[table]}
    pattern = re.compile(r"""\[?\s*['"]?([a-z_]+)['"]?\s*[:,]\s*['"]([A-ZÅÄÖ][^'"]*)['"]""")
    found = []
    for path in (ROOT / "pwa" / "src").rglob("*.js"):
        for code, word in pattern.findall(path.read_text(encoding="utf-8")):
            if code in codes:
                found.append((str(path.relative_to(ROOT)), code, word))
    return found


def test_the_field_app_uses_the_server_words():
    words = {code: set() for table in TABLES for code in VOCABULARY[table]}
    for table in TABLES:
        for code, word in VOCABULARY[table].items():
            words[code].add(word.split(" – ")[0])
    hints = {h.split(" – ")[0] for h in VOCABULARY["visibility_hints"].values()}
    wrong = [
        (path, code, word)
        for path, code, word in _field_app_words()
        if word.split(" – ")[0] not in words[code] | hints
    ]
    assert not wrong
