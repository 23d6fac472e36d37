"""The storefront's lean read path answers exactly what the ORM path answered (issue 18).

The reference below is the storefront as it was before the lean path (Tortoise querysets, the
same filters, keyset pages and member prices); every answer of the shop API over HTTP on the
demo catalog (`siyu demo`) is compared with it, for an anonymous visitor and for a member whose
tier discounts, across every sort, every filter, every page, every product, the category
tree and the store list."""

from __future__ import annotations

from typing import Any

from api.demo import load_demo_data
from api.graphql.ids import to_global_id
from api.graphql.relay import BY_ID, Ordering
from api.shop.catalog import ORDERINGS, ProductSort
from api.shop.stores import haversine_meters
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.catalog.queries import ProductFilter, storefront_products
from domain.money import BP_SCALE, format_fen, share
from domain.org.models import Store, StoreStatus
from loyalty.models import MemberLoyalty, Tier
from loyalty.tiers import tier_of

PRODUCT_FIELDS = """
fragment P on Product {
  id title description images salesCount
  price { fen currency formatted } memberPrice { fen currency formatted }
  category { id name parentId children { id } }
  skus { id code specs { name value } price { fen currency formatted }
    listPrice { fen currency formatted } memberPrice { fen currency formatted } stock inStock }
}
"""
PAGE = (
    """
query($first: Int, $after: String, $sort: ProductSort!, $filter: ProductFilterInput) {
  products(first: $first, after: $after, sort: $sort, filter: $filter) {
    edges { cursor node { ...P } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
"""
    + PRODUCT_FIELDS
)
# The list as the mini-program asks for it: no description (the lean page does not read it).
LIST = """
query($after: String) {
  products(first: 9, after: $after) {
    edges { cursor node { id title images price { fen } memberPrice { fen formatted }
      category { id name } skus { id specs { name value } memberPrice { fen } stock } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
DETAIL = "query($id: ID!) { product(id: $id) { ...P } }" + PRODUCT_FIELDS
STORES = """
query($first: Int, $after: String, $near: GeoPointInput) {
  stores(first: $first, after: $after, near: $near) {
    edges { cursor node { id code name kind region address latitude longitude distanceMeters } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}
"""
CATEGORIES = "{ categories { id name parentId children { id name parentId children { id } } } }"


def _money(fen: int) -> dict[str, Any]:
    return {"fen": fen, "currency": "CNY", "formatted": format_fen(fen)}


def _category(category: Category, children: list[dict[str, Any]] | None = None) -> dict:
    return {
        "id": to_global_id("Category", category.id),
        "name": category.name,
        "parentId": to_global_id("Category", category.parent_id) if category.parent_id else None,
        "children": children or [],
    }


async def _product(product: Product, keep_bp: int) -> dict[str, Any]:
    skus = await Sku.filter(product_id=product.id).order_by("id")
    return {
        "id": to_global_id("Product", product.id),
        "title": product.title,
        "description": product.description,
        "images": list(product.images),
        "salesCount": product.sales_count,
        "price": _money(product.min_price_fen),
        "memberPrice": _money(share(product.min_price_fen, keep_bp)),
        "category": _category(await Category.get(id=product.category_id)),
        "skus": [
            {
                "id": to_global_id("Sku", s.id),
                "code": s.code,
                "specs": [{"name": k, "value": v} for k, v in s.specs.items()],
                "price": _money(s.price_fen),
                "listPrice": None if s.list_price_fen is None else _money(s.list_price_fen),
                "memberPrice": _money(share(s.price_fen, keep_bp)),
                "stock": s.stock,
                "inStock": s.stock > 0,
            }
            for s in skus
        ],
    }


async def _reference_page(
    criteria: ProductFilter, ordering: Ordering, first: int, after: str | None, keep_bp: int
) -> dict[str, Any]:
    queryset = storefront_products(criteria)
    query = queryset.order_by(*ordering.order_by())
    if after:
        query = query.filter(ordering.after(after))
    rows = list(await query.limit(first + 1))
    page, has_next = rows[:first], len(rows) > first
    cursors = [ordering.cursor_for(p) for p in page]
    return {
        "edges": [
            {"cursor": c, "node": await _product(p, keep_bp)}
            for c, p in zip(cursors, page, strict=True)
        ],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": after is not None,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
        "totalCount": await queryset.count(),
    }


async def _reference_tree() -> list[dict[str, Any]]:
    rows = await Category.all().order_by("sort_order", "id")
    children: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(_category(row))
    return [_category(row, children.get(row.id)) for row in rows if row.parent_id is None]


def _store(store: Store, distance: int | None = None) -> dict[str, Any]:
    return {
        "id": to_global_id("Store", store.id),
        "code": store.code,
        "name": store.name,
        "kind": store.kind.value,
        "region": store.region,
        "address": store.address,
        "latitude": store.latitude,
        "longitude": store.longitude,
        "distanceMeters": distance,
    }


async def _stores_by_id(client) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of the store list, 2 a page: the answers and the reference's."""
    got, expected, after = [], [], None
    active = Store.filter(status=StoreStatus.ACTIVE)
    while True:
        got.append((await client.data(STORES, {"first": 2, "after": after}))["stores"])
        query = active.order_by("id")
        if after:
            query = query.filter(BY_ID.after(after))
        rows = list(await query.limit(3))
        page = rows[:2]
        cursors = [BY_ID.cursor_for(s) for s in page]
        expected.append(
            {
                "edges": [
                    {"cursor": c, "node": _store(s)} for c, s in zip(cursors, page, strict=True)
                ],
                "pageInfo": {
                    "hasNextPage": len(rows) > 2,
                    "hasPreviousPage": after is not None,
                    "startCursor": cursors[0] if cursors else None,
                    "endCursor": cursors[-1] if cursors else None,
                },
                "totalCount": await active.count(),
            }
        )
        if len(rows) <= 2:
            return got, expected
        after = cursors[-1]


async def _discounted_member(api) -> tuple[Any, int]:
    """A demo member put at tier V2 (whose price differs from the list's), logged in."""
    session = await api.member("demo-1")
    tier = await Tier.get(code="V2")
    await MemberLoyalty.filter(member_id=session.member_id).update(tier_id=tier.id)
    assert (await tier_of(session.member_id)).id == tier.id
    return session.client, tier.discount_bp


def _filters(top: Category, child: Category) -> list[tuple[dict[str, Any], ProductFilter]]:
    return [
        ({}, ProductFilter()),
        ({"categoryId": to_global_id("Category", top.id)}, ProductFilter(category_id=top.id)),
        ({"categoryId": to_global_id("Category", child.id)}, ProductFilter(category_id=child.id)),
        ({"keyword": "T"}, ProductFilter(keyword="T")),
        ({"keyword": "%"}, ProductFilter(keyword="%")),
        (
            {"minPriceFen": 5_000, "maxPriceFen": 30_000},
            ProductFilter(min_price_fen=5_000, max_price_fen=30_000),
        ),
    ]


async def test_every_page_product_and_category_matches_the_orm_path_anonymous_and_member(api):
    # given the demo catalog, an anonymous visitor and a member whose tier discounts
    await load_demo_data(if_empty=True)
    member, member_keep_bp = await _discounted_member(api)
    viewers = [(api.shop(), BP_SCALE), (member, member_keep_bp)]
    top = await Category.filter(parent_id=None).order_by("sort_order", "id").first()
    child = await Category.filter(parent_id=top.id).first()
    assert top is not None and child is not None
    compared = 0

    for client, keep_bp in viewers:
        # when every page of every sort and filter is read, 4 products a page
        for variables, criteria in _filters(top, child):
            for sort in ProductSort:
                after = None
                while True:
                    data = await client.data(
                        PAGE,
                        {"first": 4, "after": after, "sort": sort.name, "filter": variables},
                    )
                    # then each page is the ORM path's, cursors and page info included
                    expected = await _reference_page(criteria, ORDERINGS[sort], 4, after, keep_bp)
                    assert data["products"] == expected, (variables, sort, after)
                    compared += len(expected["edges"])
                    if not expected["pageInfo"]["hasNextPage"]:
                        break
                    after = expected["pageInfo"]["endCursor"]

        # and every product's page (an off-sale one is null), and the category tree
        for product in await Product.all():
            data = await client.data(DETAIL, {"id": to_global_id("Product", product.id)})
            on_sale = product.status == ProductStatus.ON_SALE
            assert data["product"] == (await _product(product, keep_bp) if on_sale else None)
        assert (await client.data(CATEGORIES))["categories"] == await _reference_tree()

        # and the stores, by id and nearest first
        got, expected_stores = await _stores_by_id(client)
        assert got == expected_stores
        near = {"latitude": 31.2, "longitude": 121.45}
        located = await Store.filter(status=StoreStatus.ACTIVE, latitude__isnull=False)
        ranked = sorted(
            (haversine_meters(31.2, 121.45, s.latitude, s.longitude), s.id, s) for s in located
        )
        nearest = (await client.data(STORES, {"first": 10, "near": near}))["stores"]
        assert [e["node"] for e in nearest["edges"]] == [_store(s, d) for d, _, s in ranked]
        assert len(ranked) == 3

    assert compared > 300  # the comparison ran over real pages, not empty ones
    assert member_keep_bp < BP_SCALE


async def test_the_list_without_description_matches_too(api):
    # given the demo catalog, when the list is read the way the mini-program reads it
    await load_demo_data(if_empty=True)
    client = api.shop()
    newest = ORDERINGS[ProductSort.NEWEST]
    after = None
    pages = 0
    while True:
        page = (await client.data(LIST, {"after": after}))["products"]
        expected = await _reference_page(ProductFilter(), newest, 9, after, BP_SCALE)
        # then it is the full page's answer, cut to what was asked for
        assert [e["cursor"] for e in page["edges"]] == [e["cursor"] for e in expected["edges"]]
        for got, want in zip(page["edges"], expected["edges"], strict=True):
            node, full = got["node"], want["node"]
            assert node == {
                "id": full["id"],
                "title": full["title"],
                "images": full["images"],
                "price": {"fen": full["price"]["fen"]},
                "memberPrice": {
                    "fen": full["memberPrice"]["fen"],
                    "formatted": full["memberPrice"]["formatted"],
                },
                "category": {"id": full["category"]["id"], "name": full["category"]["name"]},
                "skus": [
                    {
                        "id": s["id"],
                        "specs": s["specs"],
                        "memberPrice": {"fen": s["memberPrice"]["fen"]},
                        "stock": s["stock"],
                    }
                    for s in full["skus"]
                ],
            }
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3  # 26 products on sale, 9 a page
