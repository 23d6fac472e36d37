"""The compiled completion of plain subtrees (api/graphql/lean.py) answers every shape of
document as graphql-core does: aliases, named and inline fragments, `__typename`, and
`@include`/`@skip` by variables (those subtrees fall back to graphql-core)."""

from __future__ import annotations

import pytest

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


EVERY_FIELD = """
{
  products(first: 5) {
    edges {
      node {
        id title description images salesCount
        price { fen formatted currency }
        memberPrice { fen formatted }
        category { id name parentId children { id } }
        skus {
          id code stock inStock
          specs { name value }
          price { fen formatted }
          listPrice { fen }
          memberPrice { fen formatted }
        }
      }
    }
  }
}
"""


async def test_fused_views_answer_what_their_properties_answer(api, monkeypatch):
    """Plans inline the views' `lean.Derived` expressions; without fusion they read the
    properties compiled from the same expressions: every field, both ways, the same."""
    top = await make_category("上衣")
    child = await make_category("衬衫", top)
    product = await make_product(child, (12_345, 20_000), title="格纹衬衫")
    sku = await product.skus.all().order_by("id").first()
    sku.specs = {"颜色": "蓝", "尺码": "L"}
    sku.list_price_fen = 25_000
    await sku.save()
    await make_product(top, (990,), stock=0)

    fused = (await api.shop().data(EVERY_FIELD))["products"]["edges"]
    plans = [plan for key, plan in lean._plans.items() if key[0] == "Product"]
    assert plans and all("if type(source) is" in plan.source for plan in plans)
    monkeypatch.setattr(lean, "_views", {})
    lean._plans.clear()
    read = (await api.shop().data(EVERY_FIELD))["products"]["edges"]
    assert not any("if type(source) is" in plan.source for plan in lean._plans.values())
    assert fused == read

    newest, oldest = (edge["node"] for edge in fused)
    assert newest["category"] == {
        "id": newest["category"]["id"],
        "name": "上衣",
        "parentId": None,
        "children": [],
    }
    assert [s["inStock"] for s in newest["skus"]] == [False]
    assert oldest["price"] == {"fen": 12_345, "formatted": "¥123.45", "currency": "CNY"}
    assert oldest["memberPrice"] == {"fen": 12_345, "formatted": "¥123.45"}
    assert oldest["category"]["name"] == "衬衫"
    assert oldest["category"]["parentId"] == newest["category"]["id"]
    # Spec order is the database's (PostgreSQL's jsonb orders keys), so compared as a set.
    by_name = lambda specs: sorted((spec["name"], spec["value"]) for spec in specs)  # noqa: E731
    assert [
        (s["price"]["fen"], s["listPrice"], by_name(s["specs"]), s["stock"]) for s in oldest["skus"]
    ] == [
        (12_345, {"fen": 25_000}, [("尺码", "L"), ("颜色", "蓝")], 100),
        (20_000, None, [], 100),
    ]


def test_a_derived_expression_names_its_helpers_privately():
    money = lean.Derived("_cents(self) // 100", {"_cents": int})
    assert money.fget(12_345) == 123
    assert money.on("v7") == "_cents(v7) // 100"
    with pytest.raises(ValueError, match="start with _"):
        lean.Derived("cents(self)", {"cents": int})
