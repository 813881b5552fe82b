"""Retention forgets a person everywhere: no table keeps the signer's name, the briefing or a
photo caption naming them, and a device that pulled them before is told to drop them."""

import datetime as dt

from sqlalchemy import select

from otto.auth import Actor
from otto.extensions import db
from otto.inspections import photos, retention, signatures, tasks, visits
from otto.inspections.models import Visit
from tests.reports import conftest as report_fixtures
from tests.reports.conftest import photo_bytes, signature_png

upload = report_fixtures.upload  # the fixture, shared

NAME = "Märta Mörkö"


def pull(client, headers, cursor="0") -> dict:
    response = client.get(f"/api/sync/pull?cursor={cursor}&limit=500", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def every_value_in_the_database():
    """(table, column, value) of every stored value, in every table the migrations made."""
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            for column, value in row.items():
                yield table.name, column, value


def test_retention_leaves_no_personal_field_in_any_table_and_devices_forget(
    client, make_user, make_visit, token_for, upload
):
    coordinator, inspector = make_user(role="coordinator"), make_user(agency="miljo")
    visit = make_visit(
        coordinator=coordinator, inspectors=[inspector], briefing=f"{NAME} öppnar kl. 9."
    )
    link = photos.link_photo(
        Actor(inspector),
        visit_id=visit.id,
        photo_sha256=upload(inspector, photo_bytes(41)),
        caption=f"{NAME} vid kassan",
    )
    signature = signatures.add_signature(
        Actor(inspector),
        visit_id=visit.id,
        signer_name=NAME,
        signer_role="Ägare",
        image_sha256=upload(inspector, signature_png()),
        signed_at=dt.datetime(2016, 5, 3, 10, tzinfo=dt.UTC),
    )
    db.session.commit()
    link_id, signature_id = link.id, signature.id
    device = token_for(inspector)
    before = pull(client, device)
    assert NAME in str(before["changes"])  # the device holds the name, caption and briefing

    for status in ("in_progress", "completed", "closed"):
        visits.set_visit_status(Actor(coordinator), visit.id, status)
    db.session.get(Visit, visit.id).planned_end = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    db.session.commit()
    assert tasks.apply_retention(dt.datetime.now(dt.UTC)) == [visit.id]

    holding = [
        (table, column)
        for table, column, value in every_value_in_the_database()
        if NAME in str(value)
    ]
    assert holding == []

    after = {
        (c["entity"], c["id"]): c for c in pull(client, device, before["next_cursor"])["changes"]
    }
    assert after[("photo_link", link_id)] == {
        "seq": after[("photo_link", link_id)]["seq"],
        "entity": "photo_link",
        "id": link_id,
        "deleted": True,
    }
    assert after[("signature", signature_id)]["data"]["signer_name"] == retention.REMOVED
    assert after[("visit", visit.id)]["data"]["briefing"] == retention.REMOVED
    assert NAME not in str(after)
