"""Photos by possession (issue 13): a SHA-256 is no key. A photo is used (linked, as a
question photo, as a signature image) and HEAD answers 200 only for who uploaded its bytes
or may download it; for anyone else it is as if the server lacked it."""

import uuid

import pytest

from otto.accounts.models import User
from otto.extensions import db
from otto.timeutil import utcnow
from tests.inspections.test_photos import bearer, download, link, photo_bytes, put_photo, sha


@pytest.fixture
def joint(make_user, make_visit):
    coordinator = make_user(role="coordinator")
    miljo, polis = make_user(agency="miljo"), make_user(agency="polis")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, polis])
    return {"visit": visit, "miljo": bearer(miljo), "polis": bearer(polis), "miljo_id": miljo.id}


def _police_photo_of_a_joint_finding(client, joint):
    visit = joint["visit"]
    response = client.post(
        f"/api/visits/{visit.id}/findings",
        headers=joint["polis"],
        json={"severity": "major", "description": "Beslag", "visibility": "joint"},
    )
    assert response.status_code == 201, response.json
    finding_id = response.json["id"]
    data = photo_bytes()
    assert put_photo(client, joint["polis"], data).status_code == 201
    assert (
        link(client, joint["polis"], visit.id, sha(data), finding_id=finding_id).status_code == 201
    )
    return finding_id, sha(data)


def _make_agency_only(client, joint, finding_id):
    response = client.patch(
        f"/api/findings/{finding_id}", headers=joint["polis"], json={"visibility": "agency"}
    )
    assert response.status_code == 200, response.json


def test_a_known_hash_relinked_after_the_flip_grants_nothing(client, joint):
    finding_id, sha256 = _police_photo_of_a_joint_finding(client, joint)
    url = f"/api/photos/{sha256}"
    assert download(client, url, headers=joint["miljo"]).status_code == 200  # joint: seen
    _make_agency_only(client, joint, finding_id)
    assert download(client, url, headers=joint["miljo"]).status_code == 404
    assert client.head(url, headers=joint["miljo"]).status_code == 404
    # Linking it to an own finding, or as a question photo, is accepted as for a missing
    # photo, and still grants nothing.
    own = client.post(
        f"/api/visits/{joint['visit'].id}/findings",
        headers=joint["miljo"],
        json={"severity": "minor", "description": "Egen", "visibility": "joint"},
    ).json["id"]
    assert (
        link(client, joint["miljo"], joint["visit"].id, sha256, finding_id=own).status_code == 201
    )
    assert (
        link(client, joint["miljo"], joint["visit"].id, sha256, question_id="ok").status_code == 201
    )
    assert download(client, url, headers=joint["miljo"]).status_code == 404
    assert client.head(url, headers=joint["miljo"]).status_code == 404
    assert client.head(url, headers=joint["polis"]).status_code == 200


def test_signature_with_another_agencys_photo_is_rejected(client, joint):
    finding_id, sha256 = _police_photo_of_a_joint_finding(client, joint)
    _make_agency_only(client, joint, finding_id)
    from otto.auth import Actor
    from otto.errors import Invalid
    from otto.inspections import signatures

    visit = joint["visit"]
    miljo_user = db.session.get(User, joint["miljo_id"])
    with pytest.raises(Invalid) as refused:
        signatures.add_signature(
            Actor(miljo_user),
            visit_id=visit.id,
            signer_name="Företrädare",
            image_sha256=sha256,
            signed_at=utcnow(),
            signature_id=str(uuid.uuid4()),
        )
    assert refused.value.code == "photo_not_held"
    # Its own signature image (bytes it uploaded) is accepted.
    data = photo_bytes((32, 32))
    assert put_photo(client, joint["miljo"], data).status_code == 201
    signatures.add_signature(
        Actor(miljo_user),
        visit_id=visit.id,
        signer_name="Företrädare",
        image_sha256=sha(data),
        signed_at=utcnow(),
    )
