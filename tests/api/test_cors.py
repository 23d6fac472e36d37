"""CORS (issue 12): origins from CORS_ALLOW_ORIGINS get the headers on both GraphQL endpoints
and the CSV exports, preflights are answered; any other origin, and every origin by default,
gets none."""

import pytest

from api.config import ConfigError
from tests.support.api import ApiFactory
from tests.support.api import test_config as configured

CONSOLE = "https://hq.example.com"
PREFLIGHT = {
    "Origin": CONSOLE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
def console_api(db) -> ApiFactory:
    return ApiFactory(cors_allow_origins=f"{CONSOLE}, https://ops.example.com")


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql", "/admin/exports/commission.csv"])
async def test_an_allowed_origin_gets_its_preflight_answered(console_api, path):
    response = await console_api.http.options(path, headers=PREFLIGHT)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CONSOLE
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = set(response.headers["access-control-allow-headers"].lower().split(", "))
    assert {"authorization", "content-type", "accept", "x-request-id"} <= allowed
    assert response.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in response.headers


async def test_an_allowed_origin_gets_the_headers_on_a_graphql_answer(console_api):
    response = await console_api.http.post(
        "/admin/graphql", json={"query": "{ __typename }"}, headers={"Origin": CONSOLE}
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}
    assert response.headers["access-control-allow-origin"] == CONSOLE
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_another_origin_gets_no_cors_headers(console_api):
    evil = {**PREFLIGHT, "Origin": "https://evil.example.com"}

    preflight = await console_api.http.options("/graphql", headers=evil)
    answer = await console_api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": evil["Origin"]}
    )

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


async def test_routes_not_for_browsers_get_no_cors_headers(console_api):
    response = await console_api.http.get("/healthz", headers={"Origin": CONSOLE})
    preflight = await console_api.http.options("/metrics", headers=PREFLIGHT)

    assert "access-control-allow-origin" not in response.headers
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers


async def test_no_origin_is_allowed_by_default(api):
    preflight = await api.http.options("/graphql", headers=PREFLIGHT)
    answer = await api.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": CONSOLE}
    )

    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize("origin", ["hq.example.com", "https://hq.example.com/", "ftp://hq"])
def test_a_value_that_is_not_an_origin_is_refused_at_start(origin):
    with pytest.raises(ConfigError, match="CORS_ALLOW_ORIGINS"):
        configured(cors_allow_origins=origin).check()
