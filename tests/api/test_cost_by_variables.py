"""A query's cost counts the page its variables ask for (issue 12): `first: $first` sent as 20
costs what `first: 20` costs, a request whose variables take it over the budget is refused,
and the document is still parsed and validated once for every request that reuses it."""

from __future__ import annotations

from api.graphql import http as graphql_http
from tests.support.catalog import make_category, make_product

GRAPHQL_RESPONSE = "application/graphql-response+json"

PRODUCT_FIELDS = """
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id title images price { fen } memberPrice { fen }
      skus { id code stock price { fen } specs { name value } } } }
"""


def page(first: str) -> str:
    """The storefront's product list page, with `first` a literal or the variable $first."""
    declaration = "($first: Int)" if first == "$first" else ""
    return f"query ProductList{declaration} {{ products(first: {first}) {{ {PRODUCT_FIELDS} }} }}"


async def cost_of(api, query: str, variables: dict | None = None) -> int:
    body = await api.shop().gql(query, variables)
    assert "errors" not in body, body["errors"]
    return body["extensions"]["cost"]


async def test_a_product_page_with_first_as_a_variable_costs_what_the_literal_costs(api):
    await make_product(await make_category(), (9900, 12900))

    literal = await cost_of(api, page("20"))
    sent = await cost_of(api, page("$first"), {"first": 20})
    omitted = await cost_of(api, page("$first"))

    # products 1 + 20 x (totalCount 1 + pageInfo 3 + edges (1 + node (1 + id, title, images 3
    # + price 2 + memberPrice 2 + skus (1 + 5 x (id, code, stock 3 + price 2 + specs 11)))))
    assert literal == 1 + 20 * (1 + 3 + 1 + 1 + 3 + 2 + 2 + 1 + 5 * (3 + 2 + 11))
    assert sent == literal
    assert omitted == literal  # the connection's default page is 20 too
    assert await cost_of(api, page("$first"), {"first": 5}) == await cost_of(api, page("5"))


async def test_variables_that_take_a_document_over_the_budget_are_refused_per_request(api):
    aliases = " ".join(
        f"{alias}: products(first: $first) {{ {PRODUCT_FIELDS} }}" for alias in "abc"
    )
    three = f"query ThreePages($first: Int) {{ {aliases} }}"

    assert await cost_of(api, three, {"first": 20}) == 3 * 1881
    refused = await api.http.post(
        "/graphql",
        json={"query": three, "variables": {"first": 100}},
        headers={"Accept": GRAPHQL_RESPONSE},
    )

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
    # 3 x (1 + 100 x 94)
    assert refused.json()["errors"][0]["message"] == "Query cost 28203 exceeds the budget of 20000."
    assert "data" not in refused.json()


async def test_the_document_is_validated_once_whatever_the_variables(api, monkeypatch):
    validations = []
    real_validate = graphql_http.validate

    def counting_validate(*args, **kwargs):
        validations.append(1)
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(graphql_http, "validate", counting_validate)
    costs = [await cost_of(api, page("$first"), {"first": first}) for first in (1, 2, 3)]

    assert len(validations) == 1
    assert costs[1] - costs[0] == costs[2] - costs[1] > 0
