"""Persisted queries on the shop endpoint (issue 18): Apollo's automatic persisted queries, and
the allow-list mode in which only the deploy-time manifest's documents run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from api.cli import main as siyu
from api.config import AppConfig, ConfigError
from api.graphql.persisted import MANIFEST_FORMAT
from domain.members.models import Member
from tests.support.api import ApiFactory
from tests.support.catalog import make_category, make_product

PRODUCTS = "query Products { products(first: 5) { edges { node { title price { fen } } } } }"
CATEGORIES = "query Categories { categories { name } }"
LOGIN = 'mutation Login { login(code: "dev:persisted") { errors { code } } }'


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


async def _post(api: ApiFactory, body: dict) -> tuple[int, dict]:
    response = await api.http.post("/graphql", json=body)
    return response.status_code, response.json()


async def _get(api: ApiFactory, text: str, **params: str) -> tuple[int, dict]:
    query = {"extensions": json.dumps(persisted(text)), **params}
    response = await api.http.get("/graphql", params=query)
    return response.status_code, response.json()


async def test_apq_a_hash_alone_is_not_found_until_the_client_sends_its_query(api):
    # given a product and a document the server has never seen
    await make_product(await make_category(), (12_900,), title="大衣")
    expected = {"products": {"edges": [{"node": {"title": "大衣", "price": {"fen": 12_900}}}]}}

    # when the client sends only the hash, then it is told PersistedQueryNotFound
    status, body = await _post(api, {"extensions": persisted(PRODUCTS)})
    assert (status, body) == (
        200,
        {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        },
    )

    # when it sends hash and query, then the query runs and the hash is remembered
    status, body = await _post(api, {"query": PRODUCTS, "extensions": persisted(PRODUCTS)})
    assert status == 200 and body["data"] == expected

    # then the hash alone runs it, over POST and over GET
    status, body = await _post(api, {"extensions": persisted(PRODUCTS)})
    assert status == 200 and body["data"] == expected
    status, body = await _get(api, PRODUCTS)
    assert status == 200 and body["data"] == expected


async def test_apq_refuses_a_query_that_is_not_its_hash_and_a_malformed_extension(api):
    # when the hash is another document's, then 400 and nothing is remembered under it
    status, body = await _post(api, {"query": PRODUCTS, "extensions": persisted(CATEGORIES)})
    assert status == 400
    assert body["errors"][0]["message"] == "provided sha does not match query"
    status, body = await _post(api, {"extensions": persisted(CATEGORIES)})
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    # when the extension is not {version: 1, sha256Hash}, then 400
    bad = {"persistedQuery": {"version": 2, "sha256Hash": sha(PRODUCTS)}}
    status, body = await _post(api, {"query": PRODUCTS, "extensions": bad})
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def _manifest(tmp_path: Path, *documents: str) -> Path:
    files = []
    for number, text in enumerate(documents):
        path = tmp_path / f"op{number}.graphql"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    out = tmp_path / "manifest.json"
    assert siyu(["persisted-queries", "--out", str(out), *files]) == 0
    return out


async def test_the_cli_writes_an_apollo_manifest_of_the_mini_programs_operations(tmp_path):
    # when two operations are registered at deploy time
    out = _manifest(tmp_path, PRODUCTS, CATEGORIES)

    # then the manifest is Apollo's format, each id the SHA-256 of its exact body
    manifest = json.loads(out.read_text(encoding="utf-8"))
    assert manifest == {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "operations": [
            {"id": sha(CATEGORIES), "name": "Categories", "type": "query", "body": CATEGORIES},
            {"id": sha(PRODUCTS), "name": "Products", "type": "query", "body": PRODUCTS},
        ],
    }


async def test_the_cli_refuses_a_document_the_shop_schema_refuses(tmp_path, capsys):
    wrong = tmp_path / "wrong.graphql"
    wrong.write_text("query Wrong { products { edges { node { nope } } } }", encoding="utf-8")
    out = tmp_path / "manifest.json"

    assert siyu(["persisted-queries", "--out", str(out), str(wrong)]) == 1

    assert not out.exists()
    assert "wrong.graphql" in capsys.readouterr().err


async def test_allow_list_mode_runs_only_registered_documents(db, tmp_path):
    # given a deployment in allow-list mode with the products query registered
    manifest = _manifest(tmp_path, PRODUCTS)
    api = ApiFactory(persisted_queries="allow-list", persisted_queries_manifest=str(manifest))
    await make_product(await make_category(), (9_900,), title="围巾")
    expected = {"products": {"edges": [{"node": {"title": "围巾", "price": {"fen": 9_900}}}]}}
    members = await Member.all().count()

    # when the registered document is asked for by hash (GET, POST) or by text, it runs
    assert (await _get(api, PRODUCTS))[1]["data"] == expected
    assert (await _post(api, {"extensions": persisted(PRODUCTS)}))[1]["data"] == expected
    assert (await _post(api, {"query": PRODUCTS}))[1]["data"] == expected

    # when anything else is sent: an unknown hash, its text with the hash, or plain text
    refusals = [
        await _post(api, {"extensions": persisted(CATEGORIES)}),
        await _post(api, {"query": CATEGORIES, "extensions": persisted(CATEGORIES)}),
        await _post(api, {"query": LOGIN}),
    ]

    # then each is refused with a code and a message that say why, and nothing ran
    for status, body in refusals:
        assert status == 200 and "data" not in body
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "PERSISTED_QUERY_NOT_REGISTERED"}
        assert "allow-list mode" in error["message"]
    assert await Member.all().count() == members
    # and a refused document was not learned either
    assert (await _post(api, {"extensions": persisted(CATEGORIES)}))[1] == refusals[0][1]


def test_allow_list_mode_needs_a_manifest_it_can_trust(tmp_path):
    with pytest.raises(ConfigError, match="PERSISTED_QUERIES_MANIFEST"):
        AppConfig(persisted_queries="allow-list").check()
    forged = tmp_path / "forged.json"
    forged.write_text(
        json.dumps(
            {
                "format": MANIFEST_FORMAT,
                "version": 1,
                "operations": [{"id": sha(PRODUCTS), "name": "X", "type": "query", "body": LOGIN}],
            }
        )
    )
    with pytest.raises(ConfigError, match="SHA-256"):
        AppConfig(persisted_queries="allow-list", persisted_queries_manifest=str(forged)).check()
