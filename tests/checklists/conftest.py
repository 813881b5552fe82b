"""Fixtures for the checklist authoring tests: template bodies, API users and page logins."""

import pytest

from otto.accounts.services import ensure_agencies


@pytest.fixture
def make_body(app):
    """A valid template body (its agencies exist); keyword overrides replace top-level keys."""
    ensure_agencies()

    def make(key="hygien-test", agency="miljo", **overrides):
        body = {
            "key": key,
            "agency": agency,
            "title": "Hygienisk verksamhet",
            "legal_basis": "Miljöbalken (1998:808)",
            "sections": [
                {
                    "id": "lokal",
                    "title": "Lokalen",
                    "questions": [
                        {
                            "id": "anmald",
                            "type": "yesno",
                            "text": "Är verksamheten anmäld?",
                            "required": True,
                            "legal_ref": "FMH 38 §",
                            "deviation": {
                                "when": {"q": "anmald", "op": "eq", "value": "no"},
                                "severity": "major",
                                "text": "Verksamheten är inte anmäld",
                            },
                        },
                        {
                            "id": "temp",
                            "type": "number",
                            "unit": "°C",
                            "text": "Temperatur i autoklaven",
                            "min": 0,
                            "max": 200,
                            "show_if": {"q": "anmald", "op": "eq", "value": "yes"},
                            "deviation": {
                                "when": {"q": "temp", "op": "lt", "value": 121},
                                "severity": "minor",
                                "text": "För låg steriliseringstemperatur",
                            },
                        },
                        {"id": "foto", "type": "photo", "min_photos": 1, "text": "Foto på lokalen"},
                    ],
                }
            ],
        }
        body.update(overrides)
        return body

    return make


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


@pytest.fixture
def coordinator_headers(coordinator, token_for):
    """Bearer headers of a coordinator's device."""
    return token_for(coordinator)
