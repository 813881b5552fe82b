"""The checklist template API: the authoring flow, roles, error shapes and export/import."""

import pytest

from otto.checklists.library import install_library
from otto.extensions import db
from tests.test_errors import assert_error


@pytest.fixture
def inspector_headers(make_user, token_for):
    return token_for(make_user(role="inspector", agency="miljo"))


def create(client, headers, body):
    response = client.post("/api/templates", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_coordinator_drafts_updates_publishes_and_retires(client, coordinator_headers, make_body):
    draft = create(client, coordinator_headers, make_body())
    assert (draft["key"], draft["agency"], draft["version"]) == ("hygien-test", "miljo", 1)
    assert draft["status"] == "draft" and draft["body"] == make_body()
    url = f"/api/template-versions/{draft['id']}"
    updated = client.put(url, json=make_body(title="Hygien, ny"), headers=coordinator_headers)
    assert updated.status_code == 200 and updated.json["title"] == "Hygien, ny"
    published = client.post(f"{url}/publish", headers=coordinator_headers)
    assert published.status_code == 200 and published.json["published_at"]
    retired = client.post(f"{url}/retire", headers=coordinator_headers)
    assert retired.status_code == 200 and retired.json["status"] == "retired"
    assert client.get(url, headers=coordinator_headers).json["body"]["title"] == "Hygien, ny"


def test_publishing_takes_an_optional_note(client, coordinator_headers, make_body):
    url = f"/api/template-versions/{create(client, coordinator_headers, make_body())['id']}"
    too_long = {"note": "x" * 2001}
    body = assert_error(client.post(f"{url}/publish", json=too_long, headers=coordinator_headers),
                        400, "validation_error")  # fmt: skip
    assert body["details"] == {"json": {"note": ["För lång text: högst 2000 tecken."]}}
    note = {"note": "Ny fråga om avfall."}
    published = client.post(f"{url}/publish", json=note, headers=coordinator_headers)
    assert published.status_code == 200 and published.json["publish_note"] == "Ny fråga om avfall."
    listed = client.get("/api/templates", headers=coordinator_headers).json
    assert listed[0]["versions"][0]["publish_note"] == "Ny fråga om avfall."


def test_changing_a_published_version_is_409(client, coordinator_headers, make_body):
    draft = create(client, coordinator_headers, make_body())
    url = f"/api/template-versions/{draft['id']}"
    client.post(f"{url}/publish", headers=coordinator_headers)
    response = client.put(url, json=make_body(title="Ändrad"), headers=coordinator_headers)
    body = assert_error(response, 409, "not_a_draft")
    assert body["details"] == {"status": "published"}
    assert_error(client.post(f"{url}/publish", headers=coordinator_headers), 409, "not_a_draft")
    assert client.get(url, headers=coordinator_headers).json["title"] == "Hygienisk verksamhet"


def test_an_invalid_body_is_400_with_path_named_errors(client, coordinator_headers, make_body):
    body = make_body()
    body["sections"][0]["questions"][1]["show_if"]["q"] = "finns-inte"
    body["sections"][0]["questions"][0]["deviation"]["severity"] = "huge"
    body["title"] = None
    response = client.post("/api/templates", json=body, headers=coordinator_headers)
    details = assert_error(response, 400, "invalid_template")["details"]
    assert "title" in details
    assert details["sections[0].questions[1].show_if.q"] == ["Unknown question 'finns-inte'."]
    assert "sections[0].questions[0].deviation.severity" in details


def test_an_invalid_update_is_400_and_leaves_the_draft(client, coordinator_headers, make_body):
    draft = create(client, coordinator_headers, make_body())
    url = f"/api/template-versions/{draft['id']}"
    response = client.put(url, json=make_body(sections=[]), headers=coordinator_headers)
    assert_error(response, 400, "invalid_template")
    assert client.get(url, headers=coordinator_headers).json["body"] == make_body()


def test_a_body_that_is_not_an_object_is_400(client, coordinator_headers):
    response = client.post("/api/templates", json=[1, 2], headers=coordinator_headers)
    assert_error(response, 400, "validation_error")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", ""),
        ("put", ""),
        ("post", "/publish"),
        ("post", "/retire"),
        ("get", "/export"),
    ],
)
def test_an_unknown_version_is_404_unknown_template(
    client, coordinator_headers, make_body, method, path
):
    kwargs = {"json": make_body()} if method == "put" else {}
    response = getattr(client, method)(
        f"/api/template-versions/999999{path}", headers=coordinator_headers, **kwargs
    )
    assert_error(response, 404, "unknown_template")


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/api/templates"),
        ("put", "/api/template-versions/{id}"),
        ("post", "/api/template-versions/{id}/publish"),
        ("post", "/api/template-versions/{id}/retire"),
        ("post", "/api/templates/import-xlsform?agency=miljo"),
    ],
)
def test_an_inspector_cannot_write_templates(
    client, coordinator_headers, inspector_headers, make_body, method, path
):
    draft = create(client, coordinator_headers, make_body())
    url = path.format(id=draft["id"])
    response = getattr(client, method)(url, json=make_body(), headers=inspector_headers)
    assert_error(response, 403, "forbidden")
    assert (
        client.get(f"/api/template-versions/{draft['id']}", headers=inspector_headers).json[
            "status"
        ]
        == "draft"
    )


def test_templates_need_a_device_token(client):
    assert_error(client.get("/api/templates"), 401, "token_required")


def test_any_signed_in_user_lists_templates_by_agency_and_status(
    client, app, coordinator_headers, inspector_headers, make_body
):
    install_library()
    db.session.commit()
    create(client, coordinator_headers, make_body())
    listed = client.get("/api/templates?agency=miljo", headers=inspector_headers).json
    assert {t["key"] for t in listed} == {"miljo-grund", "hygien-test"}
    assert all(t["agency"] == "miljo" for t in listed)
    drafts = client.get("/api/templates?status=draft", headers=inspector_headers).json
    assert [t["key"] for t in drafts] == ["hygien-test"]
    assert [v["status"] for v in drafts[0]["versions"]] == ["draft"]
    response = client.get("/api/templates?agency=nasa", headers=inspector_headers)
    assert "agency" in assert_error(response, 400, "validation_error")["details"]["query"]


def test_export_then_import_gives_the_same_body(client, coordinator_headers, inspector_headers):
    versions = install_library()
    db.session.commit()
    for version in versions:
        response = client.get(
            f"/api/template-versions/{version.id}/export", headers=inspector_headers
        )
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{version.template.key}-v{version.version}.json"'
        )
        imported = create(client, coordinator_headers, response.json)
        assert imported["body"] == version.body
        assert (imported["status"], imported["version"]) == ("draft", version.version + 1)
