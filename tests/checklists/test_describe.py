"""Conditions described in Swedish for the authoring pages."""

import pytest

from otto.checklists.describe import describe_condition

pytestmark = pytest.mark.database_free  # pure: no database

QUESTIONS = {
    "ok": {"id": "ok", "type": "yesno", "text": "Finns rutiner?"},
    "temp": {"id": "temp", "type": "number", "unit": "°C", "text": "Temperatur"},
    "varor": {
        "id": "varor",
        "type": "choice",
        "text": "Varor",
        "options": [{"value": "kott", "label": "Kött"}, {"value": "fisk", "label": "Fisk"}],
    },
    "datum": {"id": "datum", "type": "date", "text": "Senaste kontroll"},
}


@pytest.mark.parametrize(
    "condition, text",
    [
        ({"q": "ok", "op": "eq", "value": "na"}, "”Finns rutiner?” är Ej aktuellt"),
        ({"q": "temp", "op": "gte", "value": 8}, "”Temperatur” är minst 8 °C"),
        (
            {"q": "varor", "op": "in", "value": ["kott", "fisk"]},
            "”Varor” är något av ”Kött”, ”Fisk”",
        ),
        (
            {"q": "datum", "op": "lt", "value": "2024-01-01"},
            "”Senaste kontroll” är tidigare än 2024-01-01",
        ),
        ({"q": "varor", "op": "answered"}, "”Varor” är besvarad"),
        ({"not": {"q": "ok", "op": "ne", "value": "yes"}}, "inte (”Finns rutiner?” är inte Ja)"),
        ({"all": []}, "alltid"),
        ({"any": []}, "aldrig"),
        ({"all": [{"q": "varor", "op": "answered"}]}, "”Varor” är besvarad"),
        (
            {
                "any": [
                    {"q": "ok", "op": "eq", "value": "no"},
                    {
                        "all": [
                            {"q": "temp", "op": "gt", "value": 8},
                            {"q": "temp", "op": "lte", "value": 20},
                        ]
                    },
                ]
            },
            "”Finns rutiner?” är Nej eller (”Temperatur” är större än 8 °C och "
            "”Temperatur” är högst 20 °C)",
        ),
    ],
)
def test_conditions_read_as_swedish_sentences(condition, text):
    assert describe_condition(condition, QUESTIONS) == text
