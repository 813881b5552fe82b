"""The read log (issue 21): every read path of an agency-only item leaves one row (per
request and visit) naming who read which items and how; joint items are not logged."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from otto.auth import Actor
from otto.changes.merge import Write
from otto.extensions import db
from otto.inspections import findings, read_log, tasks
from otto.inspections.models import FollowUp
from otto.inspections.read_log import ReadEvent
from tests.conftest import PASSWORD
from tests.inspections.test_photos import download, photo_bytes, put_photo, sha
from tests.sync.conftest import Device


class Scene:
    """A joint visit of miljö and polis; polis has one agency-only and one joint finding."""

    def __init__(self, client, make_user, make_visit):
        self.client = client
        self.coordinator = make_user(role="coordinator")
        self.miljo, self.polis = make_user(agency="miljo"), make_user(agency="polis")
        self.visit = make_visit(coordinator=self.coordinator, inspectors=[self.miljo, self.polis])
        write = Write(Actor(self.polis))
        self.secret = findings.create_finding(
            write,
            visit_id=self.visit.id,
            severity="minor",
            description="Misstänkt stöldgods",
            visibility="agency",
        )
        self.joint = findings.create_finding(
            write,
            visit_id=self.visit.id,
            severity="minor",
            description="Trasig dörr",
            visibility="joint",
        )
        db.session.commit()
        self.secret_key = f"finding:{self.secret.id}"

    def events(self) -> list[ReadEvent]:
        db.session.expire_all()
        return list(db.session.scalars(select(ReadEvent).order_by(ReadEvent.id)))

    def login(self, user):
        response = self.client.post(
            "/login", data={"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302


@pytest.fixture
def scene(client, make_user, make_visit):
    return Scene(client, make_user, make_visit)


def test_api_list_and_item_are_logged_with_user_device_and_route(scene):
    tablet = Device(scene.client, scene.polis)
    path = f"/api/visits/{scene.visit.id}/findings"
    assert scene.client.get(path, headers=tablet.headers).status_code == 200
    assert scene.client.get(f"/api/findings/{scene.secret.id}", headers=tablet.headers).json
    listed, single = scene.events()
    assert (listed.user_id, listed.device_id, listed.how) == (scene.polis.id, tablet.id, "api")
    assert listed.route == f"GET {path}"
    assert listed.visit_id == scene.visit.id
    assert listed.item_keys == [scene.secret_key]  # the joint finding is not logged
    assert listed.item_count == 1
    assert (single.how, single.item_keys) == ("api", [scene.secret_key])


def test_reading_only_joint_items_is_not_logged(scene):
    tablet = Device(scene.client, scene.miljo)  # miljö sees the joint finding only
    response = scene.client.get(f"/api/visits/{scene.visit.id}/findings", headers=tablet.headers)
    assert [f["id"] for f in response.json] == [scene.joint.id]
    assert scene.client.get(f"/api/findings/{scene.joint.id}", headers=tablet.headers).json
    assert scene.events() == []


def test_a_refused_read_is_not_logged(scene):
    tablet = Device(scene.client, scene.miljo)
    response = scene.client.get(f"/api/findings/{scene.secret.id}", headers=tablet.headers)
    assert response.status_code == 404
    assert scene.events() == []


def test_a_pull_page_is_one_row_per_visit_listing_its_items(scene):
    tablet = Device(scene.client, scene.polis)
    body = tablet.pull().json
    assert scene.secret.id in {c["id"] for c in body["changes"]}
    (event,) = scene.events()
    assert (event.how, event.user_id, event.visit_id) == ("pull", scene.polis.id, scene.visit.id)
    assert event.route.startswith("GET /api/sync/pull")
    assert event.item_keys == [scene.secret_key]


def test_the_visit_page_is_logged(scene):
    scene.login(scene.coordinator)
    page = scene.client.get(f"/besok/{scene.visit.id}")
    assert page.status_code == 200
    assert "Misstänkt stöldgods" in page.get_data(as_text=True)
    (event,) = scene.events()
    assert (event.how, event.user_id, event.route) == (
        "page",
        scene.coordinator.id,
        f"GET /besok/{scene.visit.id}",
    )
    assert scene.secret_key in event.item_keys


def test_the_agency_report_is_logged_and_the_joint_report_is_not(scene):
    tablet = Device(scene.client, scene.polis)
    path = f"/api/visits/{scene.visit.id}/report.pdf"
    assert scene.client.get(path, headers=tablet.headers).status_code == 200  # joint
    assert scene.events() == []
    response = scene.client.get(path, query_string={"agency": "polis"}, headers=tablet.headers)
    assert response.status_code == 200
    (event,) = scene.events()
    assert (event.how, event.user_id, event.visit_id) == ("report", scene.polis.id, scene.visit.id)
    assert event.item_keys == [scene.secret_key]


def test_the_report_page_link_is_logged(scene):
    scene.login(scene.polis)
    response = scene.client.get(f"/besok/{scene.visit.id}/rapport.pdf?myndighet=polis")
    assert response.status_code == 200
    (event,) = scene.events()
    assert (event.how, event.item_keys) == ("report", [scene.secret_key])


def test_exports_are_logged(scene):
    headers = Device(scene.client, scene.coordinator).headers
    response = scene.client.get(
        "/api/exports/findings", query_string={"format": "csv"}, headers=headers
    )
    assert response.status_code == 200
    assert "Misstänkt stöldgods" in response.get_data(as_text=True)
    (event,) = scene.events()
    assert (event.how, event.user_id, event.visit_id) == (
        "export",
        scene.coordinator.id,
        scene.visit.id,
    )
    assert event.item_keys == [scene.secret_key]


def _follow_up_keys(finding) -> list[str]:
    query = select(FollowUp.id).where(FollowUp.finding_id == finding.id)
    return [f"follow_up:{i}" for i in db.session.scalars(query)]


@pytest.mark.parametrize(
    ("path", "how"),
    [
        ("/verksamheter/{business_id}", "page"),
        ("/uppfoljning?vy=all", "page"),
        ("/statistik/export/avvikelser.csv", "export"),
        ("/statistik/export/uppfoljningar.xlsx", "export"),
    ],
)
def test_coordinator_pages_and_downloads_are_logged(scene, path, how):
    secret = [scene.secret_key, *_follow_up_keys(scene.secret)]
    joint = [f"finding:{scene.joint.id}", *_follow_up_keys(scene.joint)]
    assert len(secret) == 2 and len(joint) == 2  # each minor finding has its follow-up
    scene.login(scene.coordinator)
    response = scene.client.get(path.format(business_id=scene.visit.business_id))
    assert response.status_code == 200
    (event,) = scene.events()
    assert (event.how, event.user_id, event.visit_id) == (how, scene.coordinator.id, scene.visit.id)
    assert set(event.item_keys) <= set(secret) and event.item_keys
    assert not set(event.item_keys) & set(joint)


def test_photo_links_and_photo_downloads_are_logged(scene):
    tablet = Device(scene.client, scene.polis)
    data = photo_bytes()
    assert put_photo(scene.client, tablet.headers, data).status_code == 201
    response = scene.client.post(
        f"/api/visits/{scene.visit.id}/photo-links",
        json={"photo_sha256": sha(data), "finding_id": scene.secret.id},
        headers=tablet.headers,
    )
    assert response.status_code == 201, response.json
    link_key = f"photo_link:{response.json['id']}"
    assert response.json["visibility"] == "agency"  # follows its finding
    assert scene.events() == []  # writing is audited, not logged as a read
    listed = scene.client.get(f"/api/visits/{scene.visit.id}/photo-links", headers=tablet.headers)
    assert listed.status_code == 200
    photo = download(scene.client, f"/api/photos/{sha(data)}?size=thumb", headers=tablet.headers)
    assert photo.status_code == 200
    scene.login(scene.coordinator)
    assert download(scene.client, f"/foto/{sha(data)}?storlek=thumb").status_code == 200
    assert [(e.how, e.user_id, e.item_keys) for e in scene.events()] == [
        ("api", scene.polis.id, [link_key]),
        ("api", scene.polis.id, [link_key]),
        ("page", scene.coordinator.id, [link_key]),
    ]


def test_events_are_found_by_user_visit_and_item(scene):
    tablet = Device(scene.client, scene.polis)
    scene.client.get(f"/api/visits/{scene.visit.id}/findings", headers=tablet.headers)

    def found(**filters):
        return db.session.scalars(read_log.events(**filters)).all()

    assert len(found(user_id=scene.polis.id)) == 1
    assert found(user_id=scene.miljo.id) == []
    assert len(found(visit_id=scene.visit.id)) == 1
    assert len(found(item=scene.secret.id)) == 1
    assert len(found(item=scene.secret_key)) == 1
    assert found(item=scene.joint.id) == []
    assert found(item="%") == []  # a LIKE wildcard is a plain character here


@pytest.fixture
def logged(scene, make_user):
    """The scene with two reads logged (polis through the API, the coordinator's page) and
    an admin signed in."""
    tablet = Device(scene.client, scene.polis)
    scene.client.get(f"/api/visits/{scene.visit.id}/findings", headers=tablet.headers)
    scene.login(scene.coordinator)
    scene.client.get(f"/besok/{scene.visit.id}")
    scene.client.post("/logout")
    scene.admin = make_user(role="admin")
    scene.login(scene.admin)
    return scene


def test_the_admin_page_shows_reads_per_user_and_per_item(logged):
    page = logged.client.get("/admin/lasloggen").get_data(as_text=True)
    assert "Läsloggen" in page
    assert logged.polis.name in page and logged.coordinator.name in page
    assert logged.secret_key in page and "Synkronisering" not in page
    by_user = logged.client.get(f"/admin/lasloggen?person={logged.polis.id}")
    text = by_user.get_data(as_text=True)
    assert logged.polis.name in text and f"GET /besok/{logged.visit.id}" not in text
    by_item = logged.client.get(f"/admin/lasloggen?objekt={logged.joint.id}")
    assert "Inga läsningar matchar." in by_item.get_data(as_text=True)
    by_visit = logged.client.get(f"/admin/lasloggen?besok={logged.visit.id}")
    assert f"GET /besok/{logged.visit.id}" in by_visit.get_data(as_text=True)


def test_the_read_log_downloads_as_csv_with_the_filters(logged):
    response = logged.client.get(f"/admin/lasloggen.csv?objekt={logged.secret.id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Tid", "Användarnamn", "Namn", "Hur"]
    assert sorted((row[1], row[3], row[8]) for row in rows[1:]) == sorted(
        [
            (logged.polis.username, "API", logged.secret_key),
            (logged.coordinator.username, "Sida", logged.secret_key),
        ]
    )
    only_polis = logged.client.get(f"/admin/lasloggen.csv?person={logged.polis.id}")
    assert len(only_polis.get_data(as_text=True).strip().splitlines()) == 2


@pytest.mark.parametrize("role", ["coordinator", "inspector"])
def test_only_admins_see_the_read_log(client, make_user, login, role):
    login(make_user(role=role))
    assert client.get("/admin/lasloggen").status_code == 403
    assert client.get("/admin/lasloggen.csv").status_code == 403


def test_a_read_event_cannot_be_changed_or_deleted(scene):
    tablet = Device(scene.client, scene.polis)
    scene.client.get(f"/api/findings/{scene.secret.id}", headers=tablet.headers)
    (event,) = scene.events()
    event.items = " "
    with pytest.raises(PermissionError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(ReadEvent, event.id))
    with pytest.raises(PermissionError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert scene.events()[0].item_keys == [scene.secret_key]


def test_retention_deletes_only_read_events_past_the_retention_time(scene, app):
    tablet = Device(scene.client, scene.polis)
    scene.client.get(f"/api/visits/{scene.visit.id}/findings", headers=tablet.headers)
    (event,) = scene.events()
    years = app.config["RETENTION_YEARS"]
    assert tasks.prune_read_log(event.at + dt.timedelta(days=365 * years - 2)) == 0
    assert scene.events() == [event]
    assert tasks.prune_read_log(event.at + dt.timedelta(days=366 * years + 2)) == 1
    assert scene.events() == []
