"""A scripted field device for sync tests: it registers, numbers its mutations, pushes and
pulls through the real HTTP API."""

import uuid

import pytest

from otto.changes.models import SyncState
from otto.extensions import db
from tests.conftest import PASSWORD


class Device:
    """One tablet: its token, its next device_seq and the mutations it has made."""

    def __init__(self, client, user):
        self.client = client
        self.user = user
        self.id = str(uuid.uuid4())
        response = client.post(
            "/api/auth/device",
            json={
                "username": user.username,
                "password": PASSWORD,
                "device_id": self.id,
                "device_name": f"Platta {user.username}",
            },
        )
        assert response.status_code == 201, response.json
        self.headers = {"Authorization": f"Bearer {response.json['token']}"}
        self.seq = 0
        self.epoch = db.session.get(SyncState, 1).epoch

    def mutation(self, entity, entity_id, visit_id, fields, **extra):
        """A new mutation with the next device_seq (not sent yet)."""
        self.seq += 1
        return {
            "id": str(uuid.uuid4()),
            "device_seq": self.seq,
            "entity": entity,
            "entity_id": entity_id,
            "visit_id": visit_id,
            "fields": fields,
            **extra,
        }

    def answer(self, visit, question_id, value, **extra):
        version_id = next(
            a.template_version_id for a in visit.assignments if a.user_id == self.user.id
        )
        return self.mutation(
            "answer",
            question_id,
            visit.id,
            {"value": value},
            template_version=version_id,
            **extra,
        )

    def push(self, mutations, epoch=None):
        return self.client.post(
            "/api/sync/push",
            headers=self.headers,
            json={"device_id": self.id, "epoch": epoch or self.epoch, "mutations": mutations},
        )

    def pull(self, cursor="0", limit=500):
        return self.client.get(
            f"/api/sync/pull?cursor={cursor}&limit={limit}", headers=self.headers
        )

    def pull_all(self, cursor="0", limit=500):
        """Pull every page; return (changes, final cursor)."""
        changes = []
        while True:
            body = self.pull(cursor, limit).json
            changes += body["changes"]
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return changes, cursor


@pytest.fixture
def device(client):
    """Make a scripted device for a user."""
    return lambda user: Device(client, user)


@pytest.fixture
def joint_visit(make_user, make_visit):
    """A planned visit with a miljö and a polis inspector, and the coordinator."""
    coordinator = make_user(role="coordinator")
    miljo, polis = make_user(agency="miljo"), make_user(agency="polis")
    visit = make_visit(coordinator=coordinator, inspectors=[miljo, polis])
    return visit, coordinator, miljo, polis
