"""GraphQL over HTTP end to end: the transport (https://graphql.github.io/graphql-over-http/draft/,
SHOULD rules included), SPEC 14's hard limits, error masking, authentication and the REST edges.

Costs follow api/graphql/limits.py: a field costs 1 plus its sub-selection times a multiplier,
`first` for a connection (the default page without it), a short multiplier for a plain list and
1 for the lists inside a connection, which hold its page.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import timedelta

import jwt
import pytest

import api.shop.catalog as shop_catalog
from api import metrics
from api.graphql import http as graphql_http
from api.graphql.ids import to_global_id
from domain import clock
from domain.members.models import Member
from domain.org.models import StaffRole
from tests.support.api import TEST_SECRET, Client
from tests.support.catalog import make_category, make_product

GRAPHQL_RESPONSE = "application/graphql-response+json"
GRAPHQL_RESPONSE_UTF8 = "application/graphql-response+json; charset=utf-8"
JSON_UTF8 = "application/json; charset=utf-8"
MIB = 1024 * 1024

TYPENAME = {"data": {"__typename": "Query"}, "extensions": {"cost": 1}}
SYNTAX_ERROR = {
    "errors": [
        {
            "message": "Syntax Error: Expected Name, found <EOF>.",
            "locations": [{"line": 1, "column": 2}],
        }
    ]
}
UNKNOWN_FIELD = {
    "errors": [
        {
            "message": "Cannot query field 'nope' on type 'Query'.",
            "locations": [{"line": 1, "column": 3}],
        }
    ]
}
UNAUTHENTICATED = {
    "data": None,
    "errors": [
        {
            "message": "Authentication required. / 请先登录",
            "locations": [{"line": 1, "column": 3}],
            "path": ["me"],
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ],
    # me (1) + id (1)
    "extensions": {"cost": 2},
}


async def post(api, body, headers=None, path="/graphql"):
    return await api.http.post(path, json=body, headers=headers or {})


async def get(api, headers=None, **params):
    return await api.http.get("/graphql", params=params, headers=headers or {})


def deep(depth: int) -> str:
    """products > edges > node > category > children... > id, `depth` levels, costing 1."""
    children = depth - 5
    return (
        "{ products(first: 0) { edges { node { category { "
        + "children { " * children
        + "id"
        + " }" * children
        + " } } } } }"
    )


def logins(count: int) -> str:
    fields = " ".join(
        f'm{i}: login(code: "dev:x{i}") {{ errors {{ code }} }}' for i in range(1, count + 1)
    )
    return f"mutation {{ {fields} }}"


def shop_token(member_id: int, algorithm: str = "HS256", key: str | None = TEST_SECRET, **claims):
    now = int(clock.now().timestamp())
    payload = {
        "sub": str(member_id),
        "aud": "shop",
        "iss": "siyu",
        "iat": now,
        "exp": now + 900,
        "jti": secrets.token_hex(16),
        "ver": 1,
        **claims,
    }
    return jwt.encode(payload, key, algorithm=algorithm)


async def me_with(api, token: str):
    return await Client(api.http, "/graphql", token=token).post("{ me { id } }")


# POST and GET


async def test_post_json_query_is_executed(api):
    await make_product(await make_category(), title="青花瓷杯")
    response = await post(
        api, {"query": "{ products(first: 10) { totalCount edges { node { title } } } }"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_UTF8
    # products: 1 + 10 * (totalCount 1 + edges (1 + node (1 + title 1)))
    assert response.json() == {
        "data": {"products": {"totalCount": 1, "edges": [{"node": {"title": "青花瓷杯"}}]}},
        "extensions": {"cost": 41},
    }


async def test_query_without_async_resolvers_is_executed(api):
    response = await post(api, {"query": "{ __typename }"})
    assert response.status_code == 200
    assert response.json() == TYPENAME


async def test_post_accepts_json_with_utf8_charset(api):
    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": "{ __typename }"}).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200
    assert response.json() == TYPENAME


async def test_null_optional_parameters_are_omitted_parameters(api):
    body = {"query": "{ __typename }", "variables": None, "operationName": None, "extensions": None}
    response = await post(api, body)
    assert response.status_code == 200
    assert response.json() == TYPENAME


async def test_get_query_is_executed(api):
    response = await get(api, query="{ __typename }")
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_UTF8
    assert response.json() == TYPENAME


async def test_get_variables_as_json_string(api):
    product = await make_product(await make_category(), title="青花瓷杯")
    product_id = to_global_id("Product", product.id)
    response = await get(
        api,
        query="query Product($id: ID!) { product(id: $id) { title } }",
        variables=json.dumps({"id": product_id}),
    )
    assert response.status_code == 200
    # product (1) + title (1)
    assert response.json() == {
        "data": {"product": {"title": "青花瓷杯"}},
        "extensions": {"cost": 2},
    }


async def test_get_variables_that_are_not_json_are_refused(api):
    response = await get(api, query="{ __typename }", variables="{id:")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "`variables` is not valid JSON."}]}


async def test_get_empty_operation_name_means_none(api):
    response = await get(api, query="query Only { __typename }", operationName="")
    assert response.status_code == 200
    assert response.json() == TYPENAME


async def test_get_may_run_the_query_of_a_document_with_a_mutation(api):
    query = 'query Q { __typename } mutation M { login(code: "dev:get") { errors { code } } }'
    response = await get(api, query=query, operationName="Q")
    assert response.status_code == 200
    assert response.json() == TYPENAME
    assert await Member.all().count() == 0


async def test_mutation_over_get_is_refused_and_not_executed(api):
    response = await get(api, query='mutation { login(code: "dev:get") { errors { code } } }')
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == JSON_UTF8
    assert response.json() == {
        "errors": [{"message": "Only queries may be sent with GET; use POST."}]
    }
    assert await Member.all().count() == 0


async def test_invalid_json_body_is_refused(api):
    response = await api.http.post(
        "/graphql", content=b'{"query": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == JSON_UTF8
    assert response.json() == {"errors": [{"message": "`body` is not valid JSON."}]}


async def test_batching_is_refused(api):
    response = await post(api, [{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Batching is not supported."}]}


async def test_body_that_is_not_an_object_is_refused(api):
    response = await post(api, "{ __typename }")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "The body must be a JSON object."}]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"qeury": "{ __typename }"}, "`query` must be a non-empty string."),
        ({"query": {"obj": "ect"}}, "`query` must be a non-empty string."),
        ({"query": "  "}, "`query` must be a non-empty string."),
        ({"query": "{ __typename }", "variables": [7]}, "`variables` must be an object."),
        ({"query": "{ __typename }", "variables": "{}"}, "`variables` must be an object."),
        ({"query": "{ __typename }", "operationName": 0}, "`operationName` must be a string."),
        ({"query": "{ __typename }", "extensions": "x"}, "`extensions` must be an object."),
    ],
)
async def test_malformed_parameters_are_refused(api, body, message):
    response = await post(api, body)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message}]}


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_post_that_is_not_json_is_refused(api, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = await api.http.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )
    assert response.status_code == 415
    assert response.json() == {"errors": [{"message": "POST bodies must be application/json."}]}


def padded_body(size: int) -> bytes:
    """A valid request of exactly `size` bytes."""
    empty = json.dumps({"query": "{ __typename }", "extensions": {"pad": ""}}).encode()
    return json.dumps(
        {"query": "{ __typename }", "extensions": {"pad": "x" * (size - len(empty))}}
    ).encode()


async def test_body_of_exactly_one_mib_is_accepted(api):
    body = padded_body(MIB)
    assert len(body) == MIB
    response = await api.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == TYPENAME


async def test_body_over_one_mib_is_refused(api):
    response = await api.http.post(
        "/graphql", content=padded_body(MIB + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "Request body exceeds 1 MiB."}]}


async def test_streamed_body_over_one_mib_is_refused(api):
    body = padded_body(MIB + 1)

    async def chunks():
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = await api.http.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == {"errors": [{"message": "Request body exceeds 1 MiB."}]}


# Accept negotiation and status codes


async def test_graphql_response_json_when_accepted(api):
    response = await post(api, {"query": "{ __typename }"}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_UTF8
    assert response.json() == TYPENAME


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/json;q=0.9, application/graphql-response+json", GRAPHQL_RESPONSE_UTF8),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_UTF8),
        (
            "application/graphql-response+json; charset=utf-8, application/json; charset=utf-8",
            GRAPHQL_RESPONSE_UTF8,
        ),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE_UTF8),
        ("application/json, application/graphql-response+json", JSON_UTF8),
        ("application/graphql-response+json;q=0.5, application/json;q=0.8", JSON_UTF8),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE_UTF8),
        ("application/json", JSON_UTF8),
        ("*/*", JSON_UTF8),
        ("application/*", JSON_UTF8),
        ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", JSON_UTF8),
        # The most specific range decides: json is refused, so the wildcard gives the other.
        ("application/json;q=0, */*", GRAPHQL_RESPONSE_UTF8),
        ("application/graphql-response+json;Q=0, application/*", JSON_UTF8),
    ],
)
async def test_accept_header_is_negotiated(api, accept, content_type):
    response = await post(api, {"query": "{ __typename }"}, {"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.json() == TYPENAME


@pytest.mark.parametrize(
    "accept",
    [
        "text/plain",
        "application/graphql-response+json;q=0, application/json;q=0",
        "application/json;q=abc",
    ],
)
async def test_unacceptable_accept_header_is_refused(api, accept):
    response = await post(api, {"query": "{ __typename }"}, {"Accept": accept})
    assert response.status_code == 406
    assert response.headers["content-type"] == JSON_UTF8
    message = f"Acceptable media types: {GRAPHQL_RESPONSE}, application/json."
    assert response.json() == {"errors": [{"message": message}]}


async def test_request_errors_use_the_negotiated_media_type(api):
    response = await api.http.post(
        "/graphql",
        content=b"NONSENSE",
        headers={"Content-Type": "application/json", "Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_UTF8
    assert response.json() == {"errors": [{"message": "`body` is not valid JSON."}]}


async def test_syntax_error_under_graphql_response_json_is_400_without_data(api):
    response = await post(api, {"query": "{"}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_UTF8
    assert response.json() == SYNTAX_ERROR


async def test_validation_error_under_graphql_response_json_is_400_without_data(api):
    response = await post(api, {"query": "{ nope }"}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert response.json() == UNKNOWN_FIELD


@pytest.mark.parametrize("headers", [{"Accept": "application/json"}, {}])
async def test_syntax_error_under_json_is_200_without_data(api, headers):
    response = await post(api, {"query": "{"}, headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_UTF8
    assert response.json() == SYNTAX_ERROR


@pytest.mark.parametrize("headers", [{"Accept": "application/json"}, {}])
async def test_validation_error_under_json_is_200_without_data(api, headers):
    response = await post(api, {"query": "{ nope }"}, headers)
    assert response.status_code == 200
    assert response.json() == UNKNOWN_FIELD


@pytest.mark.parametrize(
    ("accept", "status", "content_type"),
    [(GRAPHQL_RESPONSE, 400, GRAPHQL_RESPONSE_UTF8), ("application/json", 200, JSON_UTF8)],
)
async def test_undetermined_operation_is_a_request_error(api, accept, status, content_type):
    response = await post(
        api, {"query": "query A { __typename } query B { __typename }"}, {"Accept": accept}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.json() == {
        "errors": [{"message": "Could not determine which operation to run."}]
    }


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), ("application/json", 200)])
async def test_variable_coercion_failure_is_a_request_error_without_data(api, accept, status):
    body = {"query": "query P($id: ID!) { product(id: $id) { id } }", "variables": {"id": True}}
    response = await post(api, body, {"Accept": accept})
    assert response.status_code == status
    assert response.json() == {
        "errors": [
            {
                "message": "Variable '$id' has invalid value: ID cannot represent value: True",
                "locations": [{"line": 1, "column": 9}],
            }
        ]
    }


async def test_field_error_under_graphql_response_json_is_200_with_null_data(api):
    response = await post(api, {"query": "{ me { id } }"}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_UTF8
    assert response.json() == UNAUTHENTICATED


# Cost and hard limits (SPEC 14)


async def test_cost_of_a_connection_without_first_counts_the_default_page(api):
    response = await post(api, {"query": "{ products { totalCount } }"})
    assert response.status_code == 200
    # products: 1 + 20 * totalCount (1)
    assert response.json() == {
        "data": {"products": {"totalCount": 0}},
        "extensions": {"cost": 21},
    }


async def test_depth_at_the_limit_is_executed(api):
    response = await post(api, {"query": deep(12)})
    assert response.status_code == 200
    assert response.json() == {"data": {"products": {"edges": []}}, "extensions": {"cost": 1}}


async def test_depth_over_the_limit_is_refused(api):
    response = await post(api, {"query": deep(13)}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Query depth 13 exceeds the limit of 12.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "QUERY_TOO_COMPLEX"},
            }
        ]
    }


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


async def test_aliases_at_the_limit_are_executed(api):
    response = await post(api, {"query": aliased(30)})
    assert response.status_code == 200
    assert response.json() == {
        "data": {f"a{i}": "Query" for i in range(30)},
        "extensions": {"cost": 30},
    }


async def test_aliases_over_the_limit_are_refused(api):
    response = await post(api, {"query": aliased(31)}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Too many aliases (31); the limit is 30.",
                "extensions": {"code": "TOO_MANY_ALIASES"},
            }
        ]
    }


async def test_five_mutations_are_executed(api):
    response = await post(api, {"query": logins(5)})
    assert response.status_code == 200
    # Each login: 1 + errors (1 + 5 * code (1))
    assert response.json() == {
        "data": {f"m{i}": {"errors": []} for i in range(1, 6)},
        "extensions": {"cost": 35},
    }
    assert await Member.all().count() == 5


async def test_six_mutations_are_refused_and_none_executed(api):
    response = await post(api, {"query": logins(6)}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Too many mutations in one request (6); the limit is 5.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "TOO_MANY_MUTATIONS"},
            }
        ]
    }
    assert await Member.all().count() == 0


async def test_document_of_5000_tokens_is_executed(api):
    # `{`, `__typename`, `}` and 4997 comments, which count too.
    response = await post(api, {"query": "{ __typename }" + "\n#" * 4997})
    assert response.status_code == 200
    assert response.json() == TYPENAME


async def test_document_of_5001_tokens_is_refused(api):
    query = "{" + " __typename" * 4999 + " }"
    response = await post(api, {"query": query}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    message = "Syntax Error: Document contains more than 5000 tokens. Parsing aborted."
    # Located at the 5001st token, the closing brace.
    assert response.json() == {
        "errors": [
            {
                "message": message,
                "locations": [{"line": 1, "column": len(query)}],
                "extensions": {"code": "TOO_MANY_TOKENS"},
            }
        ]
    }


async def test_query_over_the_cost_budget_is_refused(api):
    page = "products(first: 100) { edges { node { skus { id code stock specs { name value } } } } }"
    query = "{ a: " + page + " b: " + page + " c: " + page + " }"
    response = await post(api, {"query": query}, {"Accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    # 3 * products: 1 + 100 * edges (1 + node (1 + skus (1 + 5 * (3 + specs (1 + 5 * 2)))))
    assert response.json() == {
        "errors": [
            {
                "message": "Query cost 21903 exceeds the budget of 20000.",
                "locations": [{"line": 1, "column": 1}],
                "extensions": {"code": "QUERY_TOO_COMPLEX"},
            }
        ]
    }


async def test_page_over_100_is_a_bad_user_input_error(api):
    response = await post(api, {"query": "{ products(first: 101) { totalCount } }"})
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "`first` must be between 0 and 100. / 每页最多 100 条",
                "locations": [{"line": 1, "column": 3}],
                "path": ["products"],
                "extensions": {"code": "BAD_USER_INPUT"},
            }
        ],
        "extensions": {"cost": 102},
    }


# Masked errors


async def test_unexpected_error_is_masked_and_logged_with_the_request_id(api, monkeypatch, caplog):
    failure = RuntimeError('relation "members" is locked: SELECT phone FROM members')

    def explode(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr(shop_catalog, "storefront_products", explode)
    with caplog.at_level(logging.ERROR, logger="siyu.graphql"):
        response = await post(
            api, {"query": "{ products { totalCount } }"}, {"X-Request-Id": "req42"}
        )
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Unexpected error.",
                "locations": [{"line": 1, "column": 14}],
                "path": ["products", "totalCount"],
                "extensions": {"code": "INTERNAL_SERVER_ERROR"},
            }
        ],
        # products: 1 + 20 * totalCount (1)
        "extensions": {"cost": 21},
    }
    for leak in ("Traceback", "RuntimeError", "SELECT", "members", "locked", "catalog.py"):
        assert leak not in response.text
    [record] = caplog.records
    assert record.request_id == "req42"
    assert record.exc_info[1] is failure


# Authentication and authorisation


async def test_me_anonymous_is_unauthenticated(api):
    response = await post(api, {"query": "{ me { id } }"})
    assert response.status_code == 200
    assert response.json() == UNAUTHENTICATED


async def test_member_token_on_the_admin_api_is_unauthenticated(api):
    session = await api.member()
    admin = Client(api.http, "/admin/graphql", token=session.client.token)
    response = await admin.post("{ viewer { username } }")
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Authentication required. / 请先登录",
                "locations": [{"line": 1, "column": 3}],
                "path": ["viewer"],
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ],
        "extensions": {"cost": 2},
    }


async def test_guide_reading_settings_is_forbidden(api):
    guide = await api.staff(StaffRole.GUIDE)
    response = await guide.client.post("{ settings { key } }")
    assert response.status_code == 200
    assert response.json() == {
        "data": None,
        "errors": [
            {
                "message": "Not allowed for this role. / 无权限",
                "locations": [{"line": 1, "column": 3}],
                "path": ["settings"],
                "extensions": {"code": "FORBIDDEN"},
            }
        ],
        # settings: 1 + 5 * key (1)
        "extensions": {"cost": 6},
    }


async def test_crafted_token_with_the_right_claims_authenticates(api):
    session = await api.member()
    response = await me_with(api, shop_token(session.member_id))
    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"id": session.global_id}}, "extensions": {"cost": 2}}


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda member_id: shop_token(member_id, algorithm="none", key=None), id="alg-none"
        ),
        pytest.param(
            lambda member_id: shop_token(
                member_id,
                iat=int((clock.now() - timedelta(hours=1)).timestamp()),
                exp=int((clock.now() - timedelta(minutes=1)).timestamp()),
            ),
            id="expired",
        ),
        pytest.param(lambda member_id: shop_token(member_id, aud="admin"), id="wrong-audience"),
        pytest.param(
            lambda member_id: shop_token(member_id, iss="someone-else"), id="wrong-issuer"
        ),
        pytest.param(
            lambda member_id: shop_token(member_id, algorithm="HS512"),
            id="hs512",
            marks=pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
        ),
        pytest.param(
            lambda member_id: shop_token(
                member_id, key="another-secret-that-is-long-enough-0123456789"
            ),
            id="wrong-key",
        ),
    ],
)
async def test_refused_tokens_are_anonymous(api, forge):
    session = await api.member()
    response = await me_with(api, forge(session.member_id))
    assert response.status_code == 200
    assert response.json() == UNAUTHENTICATED


# GraphiQL, request ids, health and metrics


async def test_graphiql_for_browsers(api):
    response = await api.http.get(
        "/graphql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text.startswith("<!doctype html>")
    assert "<title>siyu GraphiQL · shop API</title>" in response.text


async def test_request_id_is_made_and_echoed(api):
    response = await post(api, {"query": "{ __typename }"})
    assert re.fullmatch("[0-9a-f]{16}", response.headers["x-request-id"])


async def test_sane_request_id_is_kept(api):
    response = await post(api, {"query": "{ __typename }"}, {"X-Request-Id": "abcDEF0123"})
    assert response.headers["x-request-id"] == "abcDEF0123"


async def test_insane_request_id_is_replaced(api):
    response = await post(api, {"query": "{ __typename }"}, {"X-Request-Id": "a\tb; rm -rf"})
    assert re.fullmatch("[0-9a-f]{16}", response.headers["x-request-id"])


async def test_healthz(api):
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_with_the_database_up(api):
    response = await api.http.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def requests_total(api, operation: str, outcome: str = "ok") -> float:
    """The shop's counter for one operation label (the registry outlives each test's app)."""
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    labels = f'endpoint="shop",operation="{operation}",outcome="{outcome}"'
    prefix = f"siyu_graphql_requests_total{{{labels}}} "
    for line in response.text.splitlines():
        if line.startswith(prefix):
            return float(line.removeprefix(prefix))
    return 0.0


async def test_metrics_are_prometheus_text(api):
    response = await api.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE siyu_graphql_requests_total counter" in response.text.splitlines()


async def test_metrics_count_operations_by_name(api):
    before = await requests_total(api, "query:ProductsPage")
    await post(api, {"query": "query ProductsPage { products { totalCount } }"})
    assert await requests_total(api, "query:ProductsPage") == before + 1


async def test_metrics_count_operations_with_errors_apart(api):
    before = await requests_total(api, "query:MeForMetrics", "error")
    await post(api, {"query": "query MeForMetrics { me { id } }"})
    assert await requests_total(api, "query:MeForMetrics", "error") == before + 1
    assert await requests_total(api, "query:MeForMetrics") == 0


async def test_operation_names_beyond_the_label_limit_share_one_label(api, monkeypatch):
    monkeypatch.setattr(metrics, "MAX_OPERATION_LABELS", 2)
    before = await requests_total(api, "query:other")
    for name in ("LabelOne", "LabelTwo", "LabelThree", "LabelFour"):
        await post(api, {"query": f"query {name} {{ __typename }}"})
    assert await requests_total(api, "query:LabelOne") >= 1
    assert await requests_total(api, "query:LabelTwo") >= 1
    assert await requests_total(api, "query:other") == before + 2
    metrics_text = (await api.http.get("/metrics")).text
    assert "LabelThree" not in metrics_text
    assert "LabelFour" not in metrics_text


async def test_document_cache_is_bounded_by_query_text(api, monkeypatch):
    monkeypatch.setattr(graphql_http, "CACHE_CHARS", 16 * 1024)
    [endpoint] = [route.endpoint for route in api.app.routes if route.path == "/graphql"]
    # 404 characters each: the last 40 fit in 16 KiB.
    queries = [f"query Q{i} {{ __typename }}" + " " * 380 for i in range(10, 100)]
    for query in queries:
        assert (await post(api, {"query": query})).json() == TYPENAME
    assert list(endpoint._cache) == queries[-40:]
    assert endpoint._cached_chars == 40 * 404
    # A document over a 16th of the budget is not cached at all.
    big = "{ __typename }" + " " * 1100
    assert (await post(api, {"query": big})).json() == TYPENAME
    assert big not in endpoint._cache
