"""Identity and organisation numbers: the server passes the vectors the field app passes
(otto/inspections/identity_vectors.json)."""

import datetime as dt
import json
from pathlib import Path

import pytest

from otto.inspections.identity import InvalidIdentityNumber, parse_identity_number
from otto.inspections.org_number import normalize_org_number

VECTORS = json.loads(
    (Path(__file__).parents[2] / "otto/inspections/identity_vectors.json").read_text("utf-8")
)
TODAY = dt.date.fromisoformat(VECTORS["today"])


@pytest.mark.parametrize("vector", VECTORS["identity_numbers"], ids=lambda v: v["note"])
def test_identity_number_vector(vector):
    if vector["valid"]:
        parsed = parse_identity_number(vector["input"], TODAY)
        assert (parsed.kind, parsed.number, parsed.birth_date.isoformat()) == (
            vector["kind"],
            vector["number"],
            vector["birth_date"],
        )
    else:
        with pytest.raises(InvalidIdentityNumber) as refused:
            parse_identity_number(vector["input"], TODAY)
        assert refused.value.code == vector["error"]


@pytest.mark.parametrize("vector", VECTORS["org_numbers"], ids=lambda v: v["note"])
def test_org_number_vector(vector):
    if vector["valid"]:
        assert normalize_org_number(vector["input"]) == vector["number"]
    else:
        with pytest.raises(ValueError) as refused:
            normalize_org_number(vector["input"])
        code = "format" if "10 digits" in str(refused.value) else "check_digit"
        assert code == vector["error"]
