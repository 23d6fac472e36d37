"""Favourites and browsing history (SPEC 21, issue 16 item 3)."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from domain import clock
from domain.catalog.models import Product, ProductStatus
from domain.storefront.models import BrowsingRecord, Favourite
from tests.support.catalog import make_category, make_product
from tests.support.sql import count_statements

ADD = """
mutation($id: ID!) { addFavourite(productId: $id) { productId favourite errors { code field } } }
"""
REMOVE = """
mutation($id: ID!) {
  removeFavourite(productId: $id) { productId favourite errors { code field } } }
"""
FAVOURITES = """
query($first: Int, $after: String) {
  myFavourites(first: $first, after: $after) {
    edges { node { onSale product { id title memberPrice { fen } skus { id } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PRODUCT = "query($id: ID!) { product(id: $id) { id title } }"
HISTORY = """
query($first: Int, $after: String) {
  browsingHistory(first: $first, after: $after) {
    edges { node { onSale product { id title } } } pageInfo { hasNextPage endCursor }
  }
}
"""
CLEAR = "mutation { clearBrowsingHistory { cleared errors { code } } }"
WRITES = ("INSERT", "UPDATE", "DELETE")


def gid(product: Product) -> str:
    return to_global_id("Product", product.id)


async def test_favourites_are_idempotent_and_listed_newest_first_with_products(api):
    member = await api.member()
    category = await make_category()
    start = clock.now()
    products = []
    for minutes, price in enumerate((1_000, 2_000, 3_000)):
        products.append(await make_product(category, (price,), title=f"收藏{minutes}"))
    for minutes, product in enumerate([*products, products[0]]):
        with clock.frozen_at(start + timedelta(minutes=minutes)):
            added = (await member.client.data(ADD, {"id": gid(product)}))["addFavourite"]
        assert added == {"productId": gid(product), "favourite": True, "errors": []}
    await Product.filter(id=products[1].id).update(status=ProductStatus.OFF_SALE)

    first = (await member.client.data(FAVOURITES, {"first": 2}))["myFavourites"]
    rest = (
        await member.client.data(FAVOURITES, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    )["myFavourites"]

    listed = [e["node"] for e in first["edges"] + rest["edges"]]
    assert [(n["product"]["title"], n["onSale"]) for n in listed] == [
        ("收藏2", True),
        ("收藏1", False),
        ("收藏0", True),  # adding it again kept its place
    ]
    assert listed[0]["product"]["memberPrice"] == {"fen": 3_000}
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert await Favourite.filter(member_id=member.member_id).count() == 3

    for _ in range(2):
        removed = (await member.client.data(REMOVE, {"id": gid(products[0])}))["removeFavourite"]
        assert removed == {"productId": gid(products[0]), "favourite": False, "errors": []}
    assert await Favourite.filter(member_id=member.member_id).count() == 2


async def test_a_product_not_on_sale_cannot_be_added(api):
    member = await api.member()
    draft = await make_product(await make_category(), status=ProductStatus.DRAFT)
    off = await make_product(await make_category(), status=ProductStatus.OFF_SALE)

    for product in (draft, off):
        result = (await member.client.data(ADD, {"id": gid(product)}))["addFavourite"]
        assert result["errors"] == [{"code": "NOT_FOUND", "field": "productId"}]
    assert await Favourite.all().count() == 0


async def _view(client, product: Product) -> None:
    assert (await client.data(PRODUCT, {"id": gid(product)}))["product"]["id"] == gid(product)


async def _history(client) -> list[str]:
    titles, after = [], None
    while True:
        page = (await client.data(HISTORY, {"first": 100, "after": after}))["browsingHistory"]
        titles += [e["node"]["product"]["title"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return titles
        after = page["pageInfo"]["endCursor"]


async def test_history_keeps_the_last_100_products_newest_first_each_once(api):
    member = await api.member()
    category = await make_category()
    products = [await make_product(category, title=f"看{i}") for i in range(105)]
    with clock.frozen_at(clock.now()):
        for product in products[:100]:
            clock.advance(timedelta(seconds=1))
            await _view(member.client, product)
        clock.advance(timedelta(seconds=1))
        await _view(member.client, products[3])  # viewed again: to the top, not twice
        for product in products[100:]:
            clock.advance(timedelta(seconds=1))
            await _view(member.client, product)

    titles = await _history(member.client)

    expected = [f"看{i}" for i in range(104, 99, -1)] + ["看3"]
    expected += [f"看{i}" for i in range(99, 3, -1) if i != 3][:94]
    assert titles == expected
    assert len(titles) == 100
    assert "看0" not in titles and "看5" not in titles and "看6" in titles
    assert await BrowsingRecord.filter(member_id=member.member_id).count() == 100


async def test_a_member_view_is_one_read_and_one_write_an_anonymous_one_unchanged(api):
    member = await api.member()
    category = await make_category()
    products = [await make_product(category) for _ in range(101)]
    for product in products[:100]:
        await BrowsingRecord.create(
            member_id=member.member_id, product_id=product.id, viewed_at=clock.now()
        )

    with count_statements(cold_settings=False) as anonymous:
        await _view(api.shop(), products[100])
    assert await BrowsingRecord.filter(product_id=products[100].id).count() == 0
    counts = []
    for product in (products[100], products[100], products[0]):  # a new one at 100, twice, old
        with count_statements(cold_settings=False) as log:
            await _view(member.client, product)
        writes = [s for s in log.statements if s.lstrip().upper().startswith(WRITES)]
        assert len(writes) == 1, log.statements
        counts.append(log.count)

    # the catalog version (an anonymous view may be cached), product with its category, SKUs
    assert anonymous.count == 3, anonymous.statements
    assert counts == [6, 6, 6]  # + token, tier, the history's read and its write
    assert await BrowsingRecord.filter(member_id=member.member_id).count() == 100


async def test_clearing_the_history(api):
    member, other = await api.member(), await api.member()
    category = await make_category()
    for product in [await make_product(category) for _ in range(3)]:
        await _view(member.client, product)
        await _view(other.client, product)

    cleared = (await member.client.data(CLEAR))["clearBrowsingHistory"]

    assert cleared == {"cleared": 3, "errors": []}
    assert await _history(member.client) == []
    assert await BrowsingRecord.filter(member_id=other.member_id).count() == 3
