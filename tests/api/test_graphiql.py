"""GraphiQL works offline (issue 12): both endpoints' pages reference no other host, and every
asset they reference is served by siyu itself (pinned builds in api/static/graphiql/)."""

import re

import pytest

from api.graphql.graphiql import ASSETS_DIRECTORY
from tests.support.api import ApiFactory

HTML = {"Accept": "text/html"}
REFERENCES = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_the_graphiql_page_loads_everything_from_siyu_itself(api, path):
    page = await api.http.get(path, headers=HTML)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert re.findall(r"(?:https?:)?//[\w.-]+", page.text) == []
    assets = REFERENCES.findall(page.text)
    assert sorted(assets) == [
        "/static/graphiql/graphiql.min.css",
        "/static/graphiql/graphiql.min.js",
        "/static/graphiql/plugin-explorer.css",
        "/static/graphiql/plugin-explorer.umd.js",
        "/static/graphiql/react-dom.production.min.js",
        "/static/graphiql/react.production.min.js",
    ]
    for asset in assets:
        response = await api.http.get(asset)
        assert response.status_code == 200, asset
        assert response.content == (ASSETS_DIRECTORY / asset.rsplit("/", 1)[1]).read_bytes()
        kind = "text/css" if asset.endswith(".css") else "javascript"
        assert kind in response.headers["content-type"], asset


async def test_the_page_keeps_the_headers_editor_for_the_bearer_token(api):
    page = (await api.http.get("/admin/graphql", headers=HTML)).text

    assert "isHeadersEditorEnabled: true" in page
    assert "shouldPersistHeaders: true" in page
    assert "siyu admin API" in page


async def test_behind_a_path_prefix_the_assets_follow_it(db):
    prefixed = ApiFactory()
    prefixed.http._transport.root_path = "/siyu"  # as a proxy serving siyu under /siyu would

    page = await prefixed.http.get("/siyu/graphql", headers=HTML)

    assert 'src="/siyu/static/graphiql/graphiql.min.js"' in page.text


async def test_the_page_keeps_its_query_in_a_parameter_that_still_opens_the_page(api):
    page = (await api.http.get("/graphql", headers=HTML)).text
    reopened = await api.http.get("/graphql", params={"q": "{ __typename }"}, headers=HTML)

    assert 'remember("q", query)' in page
    assert reopened.headers["content-type"].startswith("text/html")
