"""Storefront catalog: filters, sorts, keyset pages, member price, constant SQL per page."""

from datetime import timedelta

import pytest

from api.graphql.ids import to_global_id
from domain import clock
from domain.catalog.models import Product, ProductStatus
from loyalty.models import MemberLoyalty, Tier
from tests.support.catalog import make_category, make_product
from tests.support.sql import count_statements

PAGE = """
query($first: Int, $after: String, $sort: ProductSort!, $filter: ProductFilterInput) {
  products(first: $first, after: $after, sort: $sort, filter: $filter) {
    edges { cursor node { id title price { fen } memberPrice { fen formatted } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""
FULL_PAGE = """
query($first: Int) {
  products(first: $first) {
    edges { node { id title images price { fen } memberPrice { fen }
      category { id name } skus { id code specs { name value } price { fen } memberPrice { fen }
      stock inStock } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def titles(client, **variables):
    variables.setdefault("sort", "NEWEST")
    data = await client.data(PAGE, variables)
    return [e["node"]["title"] for e in data["products"]["edges"]]


async def catalog_of_five():
    start = clock.now()
    top = await make_category("护肤")
    child = await make_category("面霜", top)
    other = await make_category("彩妆")
    rows = [("水乳", 9900, child), ("面霜", 19900, child), ("口红", 15900, other)]
    for minutes, (title, price, category) in enumerate(rows):
        with clock.frozen_at(start + timedelta(minutes=minutes)):
            await make_product(category, (price,), title=title)
    await make_product(other, (100,), title="草稿", status=ProductStatus.DRAFT)
    await make_product(other, (100,), title="下架", status=ProductStatus.OFF_SALE)
    return top, child, other


async def test_only_on_sale_products_newest_first(api):
    await catalog_of_five()

    assert await titles(api.shop()) == ["口红", "面霜", "水乳"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("PRICE_ASC", ["水乳", "口红", "面霜"]), ("PRICE_DESC", ["面霜", "口红", "水乳"])],
)
async def test_price_sorts(api, sort, expected):
    await catalog_of_five()

    assert await titles(api.shop(), sort=sort) == expected


async def test_sales_sort_breaks_ties_by_newest_id(api):
    await catalog_of_five()
    await Product.filter(title="水乳").update(sales_count=7)

    assert await titles(api.shop(), sort="SALES") == ["水乳", "口红", "面霜"]


async def test_filters_category_with_children_keyword_and_price(api):
    top, _, other = await catalog_of_five()
    shop = api.shop()

    assert await titles(shop, filter={"categoryId": to_global_id("Category", top.id)}) == [
        "面霜",
        "水乳",
    ]
    assert await titles(shop, filter={"categoryId": to_global_id("Category", other.id)}) == ["口红"]
    assert await titles(shop, filter={"keyword": "霜"}) == ["面霜"]
    assert await titles(shop, filter={"minPriceFen": 10000, "maxPriceFen": 16000}) == ["口红"]


async def test_keyset_pages_walk_every_product_once(api):
    await catalog_of_five()
    shop = api.shop()
    seen, after, pages = [], None, 0
    while True:
        data = await shop.data(PAGE, {"first": 2, "after": after, "sort": "PRICE_ASC"})
        connection = data["products"]
        seen += [e["node"]["title"] for e in connection["edges"]]
        pages += 1
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]

    assert seen == ["水乳", "口红", "面霜"]
    assert pages == 2


async def test_garbage_cursor_and_oversized_page_are_refused(api):
    body = await api.shop().gql(PAGE, {"after": "not-a-cursor", "sort": "NEWEST"})
    too_big = await api.shop().gql(PAGE, {"first": 101, "sort": "NEWEST"})

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert too_big["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_member_price_follows_the_members_tier(api):
    category = await make_category()
    await make_product(category, (19900, 5900))
    session = await api.member()
    silver = await Tier.get(code="V1")
    await MemberLoyalty.create(member_id=session.member_id, tier=silver, updated_at=clock.now())

    anonymous = await api.shop().data(FULL_PAGE, {"first": 1})
    member = await session.client.data(FULL_PAGE, {"first": 1})

    node = anonymous["products"]["edges"][0]["node"]
    assert node["memberPrice"] == {"fen": 5900}
    assert [s["memberPrice"]["fen"] for s in node["skus"]] == [19900, 5900]
    member_node = member["products"]["edges"][0]["node"]
    assert member_node["memberPrice"] == {"fen": 5782}
    assert [s["memberPrice"]["fen"] for s in member_node["skus"]] == [19502, 5782]


async def test_product_detail_hides_products_not_on_sale(api):
    category = await make_category()
    visible = await make_product(category)
    draft = await make_product(category, status=ProductStatus.DRAFT)
    query = "query($id: ID!) { product(id: $id) { title } }"

    shown = await api.shop().data(query, {"id": to_global_id("Product", visible.id)})
    hidden = await api.shop().data(query, {"id": to_global_id("Product", draft.id)})
    wrong_type = await api.shop().data(query, {"id": to_global_id("Sku", visible.id)})

    assert shown == {"product": {"title": visible.title}}
    assert hidden == {"product": None}
    assert wrong_type == {"product": None}


async def test_a_page_costs_the_same_sql_for_5_20_and_100_products(api):
    category = await make_category()
    for _ in range(100):
        await make_product(category, (1000, 2000, 3000))
    session = await api.member()
    await session.client.data("{ me { id } }")

    counts, logs = [], []
    for size in (5, 20, 100):
        with count_statements(cold_settings=False) as log:
            data = await session.client.data(FULL_PAGE, {"first": size})
        assert len(data["products"]["edges"]) == size
        counts.append(log.count)
        logs.append(log.statements)

    # the token's version and revocation with the tier and the catalog version (the response
    # cache's lookup, a miss), the page with its categories, SKUs (the lean read path)
    assert counts == [3, 3, 3], logs[0]

    # and a page read again is the cache's: that one lookup statement
    with count_statements(cold_settings=False) as log:
        await session.client.data(FULL_PAGE, {"first": 20})
    assert log.count == 1, log.statements
    assert "token_version" in log.statements[0] and "catalog_version" in log.statements[0]


async def test_categories_tree(api):
    top = await make_category("护肤")
    await make_category("面霜", top)
    await make_category("精华", top)

    data = await api.shop().data("{ categories { name children { name } } }")

    assert data == {
        "categories": [{"name": "护肤", "children": [{"name": "面霜"}, {"name": "精华"}]}]
    }
