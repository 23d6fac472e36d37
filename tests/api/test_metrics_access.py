"""/metrics: bounded operation labels and who may read them (issue 11, findings 2 and 10).

Anonymous clients once grew /metrics from 0.3 MB to 24 MB with five documents named by 300 000
characters. Labels now come only from validated documents, are cut to 64 characters and are
counted per endpoint; /metrics answers a bearer token when METRICS_TOKEN is set and otherwise
only a client on this machine talking to the process directly.
"""

from __future__ import annotations

import re

import httpx
import pytest

from api import metrics
from tests.support.api import ApiFactory

HUGE = 300_000
LABEL = re.compile(r'operation="([^"]*)"')
TOKEN = "metrics-token-for-the-tests-5f1c9a7e2b6d4083"


def client_from(api: ApiFactory, address: str) -> httpx.AsyncClient:
    """A client whose socket peer is `address` (the ASGI `client`), as a real connection."""
    transport = httpx.ASGITransport(app=api.app, client=(address, 41000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def scrape(api: ApiFactory) -> str:
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    return response.text


def series_lines(text: str) -> list[str]:
    """The lines of /metrics but the response cache's: a repeated `{ __typename }` is a cache hit,
    whose series appears the first time one happens."""
    return [line for line in text.splitlines() if "siyu_graphql_response_cache" not in line]


def operation_labels(text: str) -> set[str]:
    return {label for line in text.splitlines() for label in LABEL.findall(line)}


async def test_five_huge_operation_names_leave_metrics_bounded(api):
    """Before the fix the five labels held 300 000 characters each: /metrics grew by 24 MB."""
    before = await scrape(api)
    for letter in "ABCDE":
        name = letter + "x" * HUGE
        response = await api.shop().post(f"query {name} {{ __typename }}")
        assert response.json()["data"] == {"__typename": "Query"}
    first = await scrape(api)
    labels = operation_labels(first)
    for letter in "ABCDE":
        assert "query:" + (letter + "x" * HUGE)[: 64 - len("query:")] in labels
    assert max(len(label) for label in labels) <= 64
    # Five new series of 16 lines each (a counter and a histogram), every line a few hundred bytes.
    assert len(first) - len(before) < 5 * 16 * 300

    # The same five documents again add no series: /metrics keeps its size, line for line.
    for letter in "ABCDE":
        await api.shop().post(f"query {letter + 'x' * HUGE} {{ __typename }}")
    again = await scrape(api)
    assert len(series_lines(again)) == len(series_lines(first))
    assert operation_labels(again) == labels


async def test_huge_names_in_invalid_documents_are_never_labels(api):
    before = await scrape(api)
    invalid_before = _requests_total(before, "invalid")
    for letter in "ABCDE":
        response = await api.shop().post(f"query {letter + 'y' * HUGE} {{ nope }}")
        assert (
            response.json()["errors"][0]["message"] == "Cannot query field 'nope' on type 'Query'."
        )
    after = await scrape(api)
    assert "yyyy" not in after
    assert _requests_total(after, "invalid") == invalid_before + 5
    assert len(after.splitlines()) - len(before.splitlines()) <= 16  # one `invalid` series


def _requests_total(text: str, operation: str) -> float:
    prefix = (
        f'siyu_graphql_requests_total{{endpoint="shop",operation="{operation}",outcome="error"}} '
    )
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.removeprefix(prefix))
    return 0.0


async def test_an_operation_name_of_65_characters_is_cut_to_a_64_character_label(api):
    name = "Q" + "n" * 64
    assert len(name) == 65

    await api.shop().post(f"query {name} {{ __typename }}")

    labels = operation_labels(await scrape(api))
    assert f"query:{name}"[:64] in labels
    assert not any(label.startswith("query:Q") and len(label) > 64 for label in labels)


async def test_operation_labels_are_limited_in_number(api, monkeypatch):
    monkeypatch.setattr(metrics, "MAX_OPERATION_LABELS", 3)
    labels = metrics.OperationLabels()

    given = [labels.label("query", name) for name in ("A", "B", None, "C", "A", "D")]

    assert given == [
        "query:A",
        "query:B",
        "query:anonymous",
        "query:other",
        "query:A",
        "query:other",
    ]


async def test_a_peer_off_this_machine_is_refused_without_a_token(api):
    async with client_from(api, "203.0.113.7") as outsider:
        response = await outsider.get("/metrics")
    assert response.status_code == 403
    assert "siyu_graphql" not in response.text


@pytest.mark.parametrize(
    "header",
    ["X-Forwarded-For", "X-Real-IP", "Forwarded"],
)
async def test_a_loopback_peer_relaying_for_someone_else_is_refused(api, header):
    """A reverse proxy on this machine makes every visitor a loopback peer; it says so."""
    value = "for=203.0.113.7" if header == "Forwarded" else "203.0.113.7"
    response = await api.http.get("/metrics", headers={header: value})
    assert response.status_code == 403


async def test_a_forwarded_loopback_address_does_not_open_metrics(api):
    async with client_from(api, "203.0.113.7") as outsider:
        response = await outsider.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert response.status_code == 403


async def test_a_configured_proxy_on_loopback_is_not_a_local_client(db):
    api = ApiFactory(forwarded_allow_ips="127.0.0.1")
    response = await api.http.get("/metrics")
    assert response.status_code == 403


async def test_a_loopback_peer_reads_metrics_without_a_token(api):
    for address in ("127.0.0.1", "::1"):
        async with client_from(api, address) as local:
            response = await local.get("/metrics")
        assert response.status_code == 200
        assert "# TYPE siyu_graphql_requests_total counter" in response.text.splitlines()


async def test_with_a_token_set_the_right_bearer_passes_from_anywhere(db):
    api = ApiFactory(metrics_token=TOKEN)
    async with client_from(api, "203.0.113.7") as outsider:
        response = await outsider.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "# TYPE siyu_graphql_requests_total counter" in response.text.splitlines()


@pytest.mark.parametrize(
    "authorization",
    [None, f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", "Bearer "],
)
async def test_with_a_token_set_anything_else_is_refused_even_from_loopback(db, authorization):
    api = ApiFactory(metrics_token=TOKEN)
    headers = {"Authorization": authorization} if authorization else {}
    response = await api.http.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="metrics"'
    assert "siyu_graphql" not in response.text
