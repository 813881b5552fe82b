"""Organisation numbers are Luhn-checked; a bad one is refused by name and stores nothing."""

import pytest
from sqlalchemy import func, select

from otto.extensions import db
from otto.inspections.models import Business
from otto.inspections.org_number import normalize_org_number
from tests.test_errors import assert_error


@pytest.mark.parametrize("raw", ["556677-8899", "5566778899", " 556677-8899 "])
def test_valid_numbers_are_normalised_with_a_dash(raw):
    assert normalize_org_number(raw) == "556677-8899"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("556677-8898", "check digit"),
        ("55667788", "10 digits"),
        ("19556677-8899", "10 digits"),
        ("55667A-8899", "10 digits"),
        ("", "10 digits"),
    ],
)
def test_invalid_numbers_say_what_is_wrong(raw, problem):
    with pytest.raises(ValueError, match=problem):
        normalize_org_number(raw)


@pytest.fixture
def coordinator_headers(make_user, token_for):
    return token_for(make_user(role="coordinator"))


def business_count():
    return db.session.scalar(select(func.count()).select_from(Business))


def test_wrong_org_number_is_400_naming_the_field(client, coordinator_headers):
    before = business_count()
    response = client.post(
        "/api/businesses",
        headers=coordinator_headers,
        json={
            "name": "Kiosk X",
            "org_number": "556677-8898",
            "address": "Gatan 1",
            "category": "kiosk",
        },
    )
    body = assert_error(response, 400, "invalid")
    assert "Luhn" in body["details"]["org_number"][0]
    assert business_count() == before


def test_business_is_registered_with_normalised_number(client, coordinator_headers):
    response = client.post(
        "/api/businesses",
        headers=coordinator_headers,
        json={
            "name": "Däckcentralen",
            "org_number": "5566778899",
            "address": "Verkstadsvägen 2",
            "category": "bilverkstad",
        },
    )
    assert response.status_code == 201
    assert response.json["org_number"] == "556677-8899"
    found = client.get("/api/businesses?q=däck", headers=coordinator_headers)
    assert [b["name"] for b in found.json] == ["Däckcentralen"]


def test_inspectors_cannot_edit_the_register(client, make_user, token_for):
    response = client.post("/api/businesses", headers=token_for(make_user()), json={})
    assert_error(response, 403, "forbidden")
