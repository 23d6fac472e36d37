"""The response cache of public catalog reads (issue 18): hits cost one statement, anonymous GETs
carry ETag and Cache-Control and revalidate to 304, every catalog change shows on the next
request, stock is never older than the lag setting, and a member sees only their tier's price.
(Two processes on one database: tests/api/test_response_cache_workers.py.)"""

from __future__ import annotations

import asyncio
from typing import Any

from api.graphql.ids import to_global_id
from api.graphql.response_cache import ResponseCache
from domain import clock
from domain.catalog import service as catalog
from domain.catalog.models import ProductStatus, Sku
from domain.db import transaction
from domain.members.models import Member, MemberStatus
from domain.money import share
from domain.orders import stock
from domain.settings.service import update_settings
from domain.storefront.models import BrowsingRecord
from loyalty.models import MemberLoyalty, Tier
from loyalty.tiers import TierChange, update_tier
from tests.api.test_metrics_business import moves_during
from tests.support.catalog import make_category, make_product
from tests.support.sql import count_statements

PAGE = (
    "query Page { products(first: 10) { edges { node { title price { fen } "
    "memberPrice { fen } skus { stock } } } } }"
)
DETAIL = "query Detail($id: ID!) { product(id: $id) { title } }"
CACHE = "siyu_graphql_response_cache_total"


async def _get(api, query: str = PAGE, **headers: str):
    return await api.http.get("/graphql", params={"query": query}, headers=headers)


def _titles(response) -> list[str]:
    return [e["node"]["title"] for e in response.json()["data"]["products"]["edges"]]


async def _member_at(api, code: str) -> tuple[Any, int]:
    session = await api.member()
    tier = await Tier.get(code=code)
    if not await MemberLoyalty.filter(member_id=session.member_id).update(tier_id=tier.id):
        await MemberLoyalty.create(member_id=session.member_id, tier=tier, updated_at=clock.now())
    return session, tier.discount_bp


async def test_an_anonymous_get_is_stored_then_answered_with_one_statement_and_revalidated(api):
    # given a product and a first anonymous GET (a miss: stored)
    await make_product(await make_category(), (12_900,), title="大衣")
    first = await _get(api)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    assert first.headers["vary"] == "Authorization, Accept"

    # when the same read comes again, then it is the stored answer for one statement
    moves, (again, log) = await moves_during(api, lambda: _timed_get(api))
    assert again.content == first.content and again.headers["etag"] == etag
    assert len(log.statements) == 1 and "catalog_version" in log.statements[0]
    assert moves(CACHE, endpoint="shop", outcome="hit") == 1

    # when the client holds it (If-None-Match), then 304 without a body, one statement too
    moves, (held, log) = await moves_during(
        api, lambda: _timed_get(api, **{"If-None-Match": f'W/"x", {etag}'})
    )
    assert held.status_code == 304 and held.content == b""
    assert held.headers["etag"] == etag and len(log.statements) == 1
    assert moves(CACHE, endpoint="shop", outcome="not_modified") == 1
    assert moves(CACHE, endpoint="shop", outcome="hit") == 0  # each request counted once


async def _timed_get(api, **headers: str):
    with count_statements(cold_settings=False) as log:
        response = await _get(api, **headers)
    return response, log


async def test_a_member_read_is_cached_by_tier_price_and_never_public(api):
    # given two members at different tiers and a page each has read once
    await make_product(await make_category(), (10_000,), title="围巾")
    silver, silver_bp = await _member_at(api, "V1")
    gold, gold_bp = await _member_at(api, "V2")
    assert silver_bp != gold_bp

    # when they read it in turns, anonymous visitors between them
    seen = []
    for session in (silver, gold, silver, gold):
        response = await session.client.post(PAGE)
        assert "etag" not in response.headers and "cache-control" not in response.headers
        seen.append(response.json()["data"]["products"]["edges"][0]["node"]["memberPrice"]["fen"])
        anonymous = (await _get(api)).json()["data"]["products"]["edges"][0]["node"]
        assert anonymous["memberPrice"]["fen"] == 10_000

    # then each always sees their own tier's price
    assert seen == [share(10_000, silver_bp), share(10_000, gold_bp)] * 2
    # and a member's token on a GET makes the answer private
    response = await api.http.get(
        "/graphql", params={"query": PAGE}, headers={"Authorization": f"Bearer {gold.client.token}"}
    )
    assert "etag" not in response.headers


async def test_price_off_sale_category_tier_and_setting_changes_show_on_the_next_request(api):
    category = await make_category()
    product = await make_product(category, (10_000,), title="大衣")
    await make_product(category, (5_000,), title="手套")
    gold, _ = await _member_at(api, "V2")
    sku = await Sku.get(product_id=product.id)
    etag = (await _get(api)).headers["etag"]
    await gold.client.post(PAGE)

    # a price change
    await catalog.update_sku(sku.id, catalog.SkuInput(code=sku.code, price_fen=8_000, stock=100))
    changed = await _get(api, **{"If-None-Match": etag})
    assert changed.status_code == 200
    prices = {e["node"]["title"]: e["node"]["price"]["fen"] for e in _edges(changed)}
    assert prices == {"大衣": 8_000, "手套": 5_000}

    # a tier edit: the member's price follows at once
    await update_tier((await Tier.get(code="V2")).id, TierChange(discount_bp=9_000))
    member_page = _edges(await gold.client.post(PAGE))
    assert {e["node"]["title"]: e["node"]["memberPrice"]["fen"] for e in member_page} == {
        "大衣": 7_200,
        "手套": 4_500,
    }

    # a product taken off sale
    await catalog.update_product(product.id, catalog.ProductInput(status=ProductStatus.OFF_SALE))
    assert _titles(await _get(api)) == ["手套"]
    assert (await gold.client.post(PAGE)).json()["data"]["products"]["edges"][0]["node"][
        "title"
    ] == "手套"

    # a category renamed, and any settings change
    await catalog.update_category(category.id, "冬装", None)
    tree = (await _get(api, "{ categories { name } }")).json()["data"]["categories"]
    assert tree == [{"name": "冬装"}]
    before = (await _get(api)).headers["etag"]
    await update_settings([("catalog.stock_display_lag_seconds", "6")], "test")
    moves, _ = await moves_during(api, lambda: _get(api))
    assert moves(CACHE, endpoint="shop", outcome="miss") == 1
    assert (await _get(api)).headers["etag"] == before  # the same answer, stored again


def _edges(response) -> list[dict[str, Any]]:
    return response.json()["data"]["products"]["edges"]


async def test_stock_on_a_cached_page_is_never_older_than_the_lag_setting(api):
    # given a lag of one second and a cached page showing 100 in stock
    await update_settings([("catalog.stock_display_lag_seconds", "1")], "test")
    product = await make_product(await make_category(), (10_000,), stock=100)
    sku = await Sku.get(product_id=product.id)
    assert _stock(await _get(api)) == 100

    # when an order takes 3 (stock moves without a catalog change)
    await _order_takes(sku.id, 3)

    # then the page may still show 100 within the lag, and shows 97 once it has passed
    assert _stock(await _get(api)) in (100, 97)
    await asyncio.sleep(1.05)
    assert _stock(await _get(api)) == 97

    # and with a lag of 0 nothing is served from the cache
    await update_settings([("catalog.stock_display_lag_seconds", "0")], "test")
    await _order_takes(sku.id, 2)
    assert _stock(await _get(api)) == 95


async def _order_takes(sku_id: int, quantity: int) -> None:
    """What placing an order does to stock (domain/orders/stock.py), in its transaction."""
    async with transaction():
        await stock.take({sku_id: quantity}, {sku_id: "lines.0.quantity"})


def _stock(response) -> int:
    return _edges(response)[0]["node"]["skus"][0]["stock"]  # type: ignore[no-any-return]


async def test_a_members_product_view_is_never_cached_an_anonymous_one_is(api):
    product = await make_product(await make_category(), (10_000,))
    variables = {"id": to_global_id("Product", product.id)}
    member = await api.member()

    # when a member opens the product twice, then both views are recorded (nothing cached)
    for _ in range(2):
        moves, _ = await moves_during(api, lambda: member.client.data(DETAIL, variables))
        assert moves(CACHE, endpoint="shop", outcome="hit") == 0
        assert moves(CACHE, endpoint="shop", outcome="miss") == 0
    assert await BrowsingRecord.filter(member_id=member.member_id).count() == 1

    # when anonymous visitors open it twice, then the second is a hit
    await api.shop().data(DETAIL, variables)
    moves, _ = await moves_during(api, lambda: api.shop().data(DETAIL, variables))
    assert moves(CACHE, endpoint="shop", outcome="hit") == 1


async def test_mutations_and_other_reads_are_not_cached(api):
    member = await api.member()
    moves, _ = await moves_during(api, lambda: member.client.data("{ me { id } }"))
    assert moves(CACHE, endpoint="shop", outcome="miss") == 0
    moves, _ = await moves_during(
        api, lambda: member.client.data("{ me { id } products(first: 1) { edges { cursor } } }")
    )
    assert moves(CACHE, endpoint="shop", outcome="miss") == 0


def test_the_cache_keeps_its_byte_budget_dropping_the_least_recently_used():
    cache = ResponseCache("test", max_bytes=8 * 1024, cacheable={})
    body = b"x" * 500
    for number in range(40):
        cache.put(("doc", None, "{}", number), 1, 0.0, body)
        if number == 1:
            assert cache.get(("doc", None, "{}", 0), 1, float("inf")) is not None  # used again
    assert 0 < len(cache) < 40
    assert cache._bytes <= 8 * 1024
    assert cache.get(("doc", None, "{}", 39), 1, float("inf")) is not None
    assert cache.get(("doc", None, "{}", 1), 1, float("inf")) is None  # least recently used
    # a stale version is no answer, and a body over an eighth of the budget is not kept
    assert cache.get(("doc", None, "{}", 39), 2, float("inf")) is None
    cache.put(("big",), 1, 0.0, b"x" * 2048)
    assert cache.get(("big",), 1, float("inf")) is None


async def test_a_revoked_or_inactive_members_token_reads_the_list_price_for_one_statement(api):
    # given a V2 member who has read the page (stored at their tier's price)
    await make_product(await make_category(), (10_000,), title="披肩")
    gold, gold_bp = await _member_at(api, "V2")
    first = await gold.client.post(PAGE)
    assert first.json()["data"]["products"]["edges"][0]["node"]["memberPrice"]["fen"] == share(
        10_000, gold_bp
    )
    assert share(10_000, gold_bp) != 10_000

    # when the member logs out and reads again with the dead access token
    await gold.client.data("mutation { logout { ok } }")
    with count_statements(cold_settings=False) as log:
        revoked = await gold.client.post(PAGE)

    # then the answer is the anonymous one, private, for the one lookup statement
    node = revoked.json()["data"]["products"]["edges"][0]["node"]
    assert node["memberPrice"]["fen"] == 10_000
    assert "etag" not in revoked.headers
    assert log.count == 3, log.statements  # the lookup (token, tier, version), page, SKUs
    assert "token_version" in log.statements[0]

    # and the token of a member merged into another reads as anonymous too
    silver, _ = await _member_at(api, "V1")
    await Member.filter(id=silver.member_id).update(status=MemberStatus.MERGED)
    merged = await silver.client.post(PAGE)
    assert merged.json()["data"]["products"]["edges"][0]["node"]["memberPrice"]["fen"] == 10_000
