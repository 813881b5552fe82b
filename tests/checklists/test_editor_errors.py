"""The checklist editor explains broken JSON in Swedish, with line and column."""

import pytest

from otto.auth import Actor
from otto.checklists import services
from otto.extensions import db


@pytest.fixture
def draft(coordinator, make_body):
    version = services.create_draft(Actor(coordinator), make_body())
    db.session.commit()
    return version


@pytest.mark.parametrize(
    ("text", "swedish"),
    [
        ('{"key": "a" "b"}', "här saknas ett kommatecken"),
        ('{"key" "a"}', "här saknas ett kolon"),
        ('{"key": }', "här saknas ett värde"),
        ('{"key": "a",}', "ett kommatecken för mycket"),
        ('{"key": "a"} x', "texten fortsätter efter JSON-värdets slut"),
        ('{"key": "a', "en text saknar avslutande citattecken"),
    ],
)
def test_broken_json_is_explained_in_swedish(login, coordinator, draft, text, swedish):
    response = login(coordinator).post(
        f"/checklistor/versioner/{draft.id}/json", data={"body": text}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Ogiltig JSON på rad 1, kolumn" in page and swedish in page
    assert "Expecting" not in page and "delimiter" not in page
