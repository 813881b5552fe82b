"""The OpenAPI document is generated from the code, validates, and lists every API route."""

import re

from openapi_spec_validator import validate


def test_openapi_document_validates_and_lists_every_api_route(client, app):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, f"{method} {path} missing from OpenAPI"


def test_protected_routes_declare_the_bearer_scheme(client):
    spec = client.get("/api/openapi.json").json
    assert "deviceToken" in spec["components"]["securitySchemes"]
    assert spec["paths"]["/api/visits"]["get"]["security"] == [{"deviceToken": []}]
