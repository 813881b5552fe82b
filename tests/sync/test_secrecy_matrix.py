"""Secrecy, data-driven (issue 13): agency X's agency-only content never reaches agency Y.

Each row of KINDS writes a secret into one kind of item of the polis agency; each row of
TRANSITIONS is a way the item reaches agency-only; each row of READ_PATHS is a way the miljö
inspector reads the visit. Every combination is one test. A new item kind, transition or
read path is one more row.
"""

import json
import uuid

import pytest

from tests.inspections.test_photos import photo_bytes, put_photo, sha

SECRET_NUMBER = 987_654_321


class Scene:
    """A joint visit, two polis tablets (a, b), the miljö observer and its first cursor."""

    def __init__(self, client, device, joint_visit, login):
        self.client, self.login = client, login
        self.visit, _, self.miljo, self.polis = joint_visit
        self.a, self.b = device(self.polis), device(self.polis)
        self.observer = device(self.miljo)
        self.finding_id = str(uuid.uuid4())
        self.secret = f"HEMLIG-{uuid.uuid4().hex[:8]}"

    def push(self, tablet, mutation):
        response = tablet.push([mutation])
        assert response.status_code == 200, response.json
        return response.json["results"][0]


# --- item kinds: how to write (the secret or a harmless value) with a visibility ---------


def _answer(field):
    def write(scene, tablet, secret, visibility, base_version):
        value = SECRET_NUMBER if (secret and field == "value") else 1
        mutation = scene_answer(scene, tablet, value, base_version)
        if field == "note":
            mutation["fields"]["note"] = scene.secret if secret else "vanlig"
        if visibility:
            mutation["fields"]["visibility"] = visibility
        return scene.push(tablet, mutation)

    return write


def scene_answer(scene, tablet, value, base_version):
    return tablet.answer(scene.visit, "antal", value, base_version=base_version)


def _finding(scene, tablet, secret, visibility, base_version):
    fields = {"description": scene.secret if secret else "Vanlig text"}
    if base_version == 0 and not getattr(scene, "finding_made", False):
        scene.finding_made = True
        fields |= {"severity": "minor", "visibility": visibility or "joint"}
        return scene.push(
            tablet, tablet.mutation("finding", scene.finding_id, scene.visit.id, fields)
        )
    if visibility:
        fields["visibility"] = visibility
    mutation = tablet.mutation(
        "finding", scene.finding_id, scene.visit.id, fields, base_version=base_version
    )
    return scene.push(tablet, mutation)


def _photo_link(scene, tablet, secret, visibility, base_version):
    """A photo of the finding: its secret is the photo's hash (and the bytes)."""
    result = _finding(scene, tablet, False, visibility, base_version)
    if secret and not getattr(scene, "photo", None):
        data = photo_bytes()
        scene.photo = sha(data)
        scene.secret = scene.photo
        assert put_photo(scene.client, tablet.headers, data).status_code == 201
        link = tablet.mutation(
            "photo_link",
            str(uuid.uuid4()),
            scene.visit.id,
            {"photo_sha256": scene.photo, "finding_id": scene.finding_id},
        )
        assert scene.push(tablet, link)["status"] == "applied"
    return result


def _question_photo(scene, tablet, secret, visibility, base_version):
    """A photo of an answer (question photo): it follows the agency's default; here the
    answer's own visibility is what is flipped, and the photo is linked agency-only."""
    result = _answer("value")(scene, tablet, False, visibility, base_version)
    if secret and not getattr(scene, "photo", None):
        data = photo_bytes((40, 40))
        scene.photo = sha(data)
        scene.secret = scene.photo
        assert put_photo(scene.client, tablet.headers, data).status_code == 201
        # A question photo takes the agency default (polis: agency-only) on creation.
        link = tablet.mutation(
            "photo_link",
            str(uuid.uuid4()),
            scene.visit.id,
            {"photo_sha256": scene.photo, "question_id": "antal"},
        )
        assert scene.push(tablet, link)["status"] == "applied"
    return result


# Kinds whose secret stays with the item when it is made joint (a photo is not replaced by
# a later write): for them agency_then_joint is checked while the item is agency-only.
ATTACHED = {"finding_photo", "question_photo"}

KINDS = {
    "answer_value": _answer("value"),
    "answer_note": _answer("note"),
    "finding": _finding,
    "finding_photo": _photo_link,
    "question_photo": _question_photo,
}


# --- transitions: how the secret comes to be in an agency-only item ----------------------


def joint_then_agency(scene, write):
    """Joint item, seen by miljö; then the secret is written and the item made agency-only
    in two steps (the secret never was joint)."""
    write(scene, scene.a, False, "joint", 0)
    scene.cursor = scene.observer.pull_all()[1]
    write(scene, scene.a, False, "agency", 10**6)
    write(scene, scene.a, True, None, 10**6)


def agency_then_joint(scene, write):
    """Agency-only item holding the secret; later made joint with new, harmless content."""
    write(scene, scene.a, False, "agency", 0)
    scene.cursor = scene.observer.pull_all()[1]
    write(scene, scene.a, True, None, 10**6)
    scene.check()  # while agency-only
    write(scene, scene.a, False, "joint", 10**6)


def stale_write_after_flip(scene, write):
    """Two polis tablets conflict on the joint item; it is made agency-only; a stale write
    carrying the secret joins the open conflict."""
    write(scene, scene.a, False, "joint", 0)
    scene.cursor = scene.observer.pull_all()[1]
    write(scene, scene.a, False, None, 1)
    write(scene, scene.b, False, None, 1)  # conflict, joint
    write(scene, scene.a, False, "agency", 10**6)
    write(scene, scene.b, True, None, 1)  # stale: joins the conflict


def flip_and_edit_at_once(scene, write):
    """A stale write that both writes the secret and makes the item agency-only."""
    write(scene, scene.a, False, "joint", 0)
    scene.cursor = scene.observer.pull_all()[1]
    write(scene, scene.a, False, None, 1)
    write(scene, scene.b, True, "agency", 1)


TRANSITIONS = {
    "joint_then_agency": joint_then_agency,
    "agency_then_joint": agency_then_joint,
    "stale_write_after_flip": stale_write_after_flip,
    "flip_and_edit_at_once": flip_and_edit_at_once,
}


# --- read paths of the miljö inspector ---------------------------------------------------


def _api(path):
    def read(scene):
        response = scene.client.get(path.format(v=scene.visit.id), headers=scene.observer.headers)
        assert response.status_code == 200, response.json
        return response.get_data(as_text=True)

    return read


def _photo_download(scene):
    if not getattr(scene, "photo", None):
        return ""
    response = scene.client.get(f"/api/photos/{scene.photo}", headers=scene.observer.headers)
    head = scene.client.head(f"/api/photos/{scene.photo}", headers=scene.observer.headers)
    return scene.secret if 200 in (response.status_code, head.status_code) else ""


def _page(path):
    def read(scene):
        client = scene.login(scene.miljo)
        response = client.get(path.format(v=scene.visit.id))
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return read


READ_PATHS = {
    "pull_bootstrap": lambda scene: json.dumps(scene.observer.pull_all()[0]),
    "pull_incremental": lambda scene: json.dumps(scene.observer.pull_all(scene.cursor)[0]),
    "api_answers": _api("/api/visits/{v}/answers"),
    "api_findings": _api("/api/visits/{v}/findings"),
    "api_photo_links": _api("/api/visits/{v}/photo-links"),
    "api_conflicts": _api("/api/visits/{v}/conflicts"),
    "api_visit": _api("/api/visits/{v}"),
    "photo_bytes": _photo_download,
    "dossier_page": _page("/besok/{v}"),
    "dossier_content_page": _page("/besok/{v}/innehall"),
}


@pytest.mark.parametrize("transition", sorted(TRANSITIONS))
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_agency_only_content_never_reaches_another_agency(
    client, device, joint_visit, login, kind, transition
):
    scene = Scene(client, device, joint_visit, login)

    def check():
        secrets = {scene.secret, str(SECRET_NUMBER)}
        for name, read in READ_PATHS.items():
            seen = read(scene)
            assert not any(secret in seen for secret in secrets), (kind, transition, name)

    scene.check = check
    scene.cursor = "0"
    TRANSITIONS[transition](scene, KINDS[kind])
    if not (transition == "agency_then_joint" and kind in ATTACHED):
        check()  # (attached secrets rightly follow their item once it is joint)


# --- persons on site (issue 24): the same read paths, for a person and an observation ----

PERSON_NUMBER = "811218-9876"  # valid (otto/inspections/identity_vectors.json)


def _person(scene, tablet, person_id, name):
    fields = {"name": name, "id_number": PERSON_NUMBER, "role": "Kock"}
    assert (
        scene.push(tablet, tablet.mutation("site_person", person_id, scene.visit.id, fields))[
            "status"
        ]
        == "applied"
    )


def police_person(scene):
    """The police record a person (agency-only by default): name and number are the secret."""
    _person(scene, scene.a, str(uuid.uuid4()), scene.secret)
    return {scene.secret, PERSON_NUMBER[:6]}


def police_observation(scene):
    """Miljö records a person it may see in full; the police add their own observation."""
    person_id = str(uuid.uuid4())
    _person(scene, scene.observer, person_id, "Kim Berg")
    fields = {"person_id": person_id, "right_to_work": "no", "note": scene.secret}
    mutation = scene.a.mutation("person_observation", str(uuid.uuid4()), scene.visit.id, fields)
    assert scene.push(scene.a, mutation)["status"] == "applied"
    return {scene.secret}


PERSON_KINDS = {"site_person": police_person, "person_observation": police_observation}


@pytest.mark.parametrize("kind", sorted(PERSON_KINDS))
def test_a_person_recorded_by_one_agency_never_reaches_another(
    client, device, joint_visit, login, kind
):
    scene = Scene(client, device, joint_visit, login)
    scene.cursor = scene.observer.pull_all()[1]
    secrets = PERSON_KINDS[kind](scene)
    for name, read in READ_PATHS.items():
        seen = read(scene)
        assert not any(secret in seen for secret in secrets), (kind, name)
    # The police themselves do see it (the test would pass vacuously otherwise).
    assert scene.secret in json.dumps(scene.a.pull_all()[0])
