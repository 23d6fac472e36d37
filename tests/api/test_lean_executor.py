"""The compiled completion of plain subtrees (api/graphql/lean.py) answers every shape of
document as graphql-core does: aliases, named and inline fragments, `__typename`, and
`@include`/`@skip` by variables (those subtrees fall back to graphql-core)."""

from __future__ import annotations

from api.graphql import lean
from tests.support.catalog import make_category, make_product

PLAIN = """
{ products(first: 5) { edges { node { id title price { fen formatted } skus { code stock } } } } }
"""
SHAPED = """
query Shaped($withSkus: Boolean!, $hidePrice: Boolean!) {
  list: products(first: 5) {
    edges {
      node {
        __typename
        ...Head
        ... on Product { cost: price @skip(if: $hidePrice) { fen } }
        skus @include(if: $withSkus) { code }
      }
    }
  }
}
fragment Head on Product { name: title id }
"""


async def test_aliases_fragments_typename_and_directives_answer_as_graphql_core(api):
    category = await make_category()
    for price in (1_000, 2_000):
        await make_product(category, (price, price + 500))
    plain = (await api.shop().data(PLAIN))["products"]["edges"]

    for with_skus, hide_price in ((True, False), (False, True)):
        shaped = await api.shop().data(SHAPED, {"withSkus": with_skus, "hidePrice": hide_price})

        expected = []
        for edge in plain:
            node = edge["node"]
            want = {"__typename": "Product", "name": node["title"], "id": node["id"]}
            if not hide_price:
                want["cost"] = {"fen": node["price"]["fen"]}
            if with_skus:
                want["skus"] = [{"code": s["code"]} for s in node["skus"]]
            expected.append({"node": want})
        assert shaped == {"list": {"edges": expected}}


async def test_the_plan_cache_stays_within_its_bound(api, monkeypatch):
    monkeypatch.setattr(lean, "PLAN_CACHE_SIZE", 8)
    await make_product(await make_category(), (1_000,))
    for number in range(40):  # distinct documents, each with its own plans
        query = f"{{ products(first: {number % 5 + 1}) {{ edges {{ node {{ title }} }} }} }}"
        data = await api.shop().data(query + " " * number)
        assert len(data["products"]["edges"]) == 1
    assert 0 < len(lean._plans) <= 8
