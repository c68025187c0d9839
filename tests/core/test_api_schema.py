"""The OpenAPI schema lists every foundation endpoint with its error responses."""

import pytest
import yaml

ENDPOINTS = {
    ("/api/auth/register/", "post"): {"400", "409"},
    ("/api/auth/login/", "post"): {"400"},
    ("/api/auth/logout/", "post"): {"401"},
    ("/api/auth/token/", "post"): {"400"},
    ("/api/me/", "get"): {"401"},
    ("/api/me/", "patch"): {"400", "401"},
    ("/api/me/memberships/", "get"): {"401"},
    ("/api/me/notifications/", "get"): {"401"},
    ("/api/me/notifications/mark-read/", "post"): {"400", "401"},
    ("/api/me/volunteer-profile/", "get"): {"401", "404"},
    ("/api/me/volunteer-profile/", "put"): {"400", "401", "403", "404"},
    ("/api/communities/", "get"): {"400"},
    ("/api/communities/{id}/", "get"): {"404"},
    ("/api/communities/{id}/join/", "post"): {"400", "401", "404", "409"},
    ("/api/communities/{id}/members/", "get"): {"401", "403", "404"},
    ("/api/organiser/join-requests/", "get"): {"401", "403"},
    ("/api/organiser/join-requests/{id}/verify/", "post"): {"401", "403", "404", "409"},
    ("/api/organiser/join-requests/{id}/reject/", "post"): {"400", "401", "403", "404", "409"},
    ("/api/organiser/consents/", "post"): {"400", "401", "403", "404"},
    ("/api/organiser/consents/", "get"): {"401", "403"},
    ("/api/districts/", "get"): {"400"},
    ("/api/townships/", "get"): {"400"},
    ("/api/stations/", "get"): {"400"},
    ("/api/stations/{id}/", "get"): {"404"},
    ("/api/organisations/", "get"): {"400"},
    ("/api/organisations/{id}/", "get"): {"404"},
    ("/api/funds/", "get"): {"400"},
    ("/api/funds/{id}/", "get"): {"404"},
    ("/api/volunteer-teams/", "get"): {"400"},
    ("/api/volunteer-teams/{id}/", "get"): {"404"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.mark.parametrize(("path", "method"), list(ENDPOINTS))
def test_the_schema_lists_the_endpoint_with_its_errors(schema, path, method):
    operation = schema["paths"][path][method]
    responses = operation["responses"]
    assert ENDPOINTS[(path, method)] <= set(responses)
    for status in ENDPOINTS[(path, method)]:
        ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Error"


def test_the_error_shape_is_documented(schema):
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "code"} <= set(error["required"])
    assert "fields" in error["properties"]


def test_lists_are_paginated_and_filterable_in_the_schema(schema):
    operation = schema["paths"]["/api/communities/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"township", "district", "kind", "q", "page", "page_size"} <= names
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ok.endswith("PaginatedCommunityOutList")


def test_both_session_and_token_auth_are_documented(schema):
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_docs_page_is_served_without_a_cdn(client):
    html = client.get("/api/docs/").content.decode()
    assert "swagger" in html.lower()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_the_whole_schema_validates_without_warnings(tmp_path):
    """Every app's endpoints together: no component or enum name collisions, valid OpenAPI 3."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").stat().st_size > 10_000
