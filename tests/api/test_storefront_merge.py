"""One-ID merge moves the storefront belongings (cart, addresses, favourites, history) to the
survivor, keeping the cart's 100 lines, 99 units a line, one default address and a history of
100."""

from datetime import timedelta

from domain import clock
from domain.catalog.models import Sku
from domain.members.models import MemberMerge
from domain.storefront.models import Address, BrowsingRecord, CartLine, Favourite
from tests.support.catalog import make_category, make_product
from tests.support.storefront import HOME, added, create_address

BIND = """
mutation($code: String!) { bindPhone(code: $code) { merged errors { code } } }
"""
OFFICE = {**HOME, "name": "王五", "detail": "建国路 8 号"}


async def _merge(api):
    """An older member (the survivor) and a newer one who binds the same phone."""
    older = await api.member()
    await older.client.data(BIND, {"code": "dev-phone:+8613900002222"})
    newer = await api.member()
    return older, newer


async def _bind(newer) -> None:
    result = (await newer.client.data(BIND, {"code": "dev-phone:13900002222"}))["bindPhone"]
    assert result == {"merged": True, "errors": []}


async def test_a_merge_moves_cart_addresses_favourites_and_history(api):
    older, newer = await _merge(api)
    category = await make_category()
    p1, p2, p3 = [await make_product(category, stock=200) for _ in range(3)]
    a, b = await Sku.get(product_id=p1.id), await Sku.get(product_id=p2.id)
    await added(older.client, a, 60)
    await added(newer.client, a, 50)
    await added(newer.client, b, 1)
    await create_address(older.client, HOME)
    await create_address(newer.client, OFFICE)
    now = clock.now()
    for member, product, minutes in ((older, p1, 1), (newer, p1, 5), (newer, p3, 2)):
        await Favourite.create(member_id=member.member_id, product_id=product.id, created_at=now)
        await BrowsingRecord.create(
            member_id=member.member_id,
            product_id=product.id,
            viewed_at=now + timedelta(minutes=minutes),
        )

    await _bind(newer)

    survivor, absorbed = older.member_id, newer.member_id
    assert sorted(
        (line.sku_id, line.quantity) for line in await CartLine.filter(member_id=survivor)
    ) == [(a.id, 99), (b.id, 1)]
    assert [
        (address.name, address.is_default)
        for address in await Address.filter(member_id=survivor).order_by("id")
    ] == [("李四", True), ("王五", False)]
    assert sorted(
        await Favourite.filter(member_id=survivor).values_list("product_id", flat=True)
    ) == [p1.id, p3.id]
    history = {
        row.product_id: row.viewed_at for row in await BrowsingRecord.filter(member_id=survivor)
    }
    assert history == {p1.id: now + timedelta(minutes=5), p3.id: now + timedelta(minutes=2)}
    for model in (CartLine, Address, Favourite, BrowsingRecord):
        assert await model.filter(member_id=absorbed).count() == 0
    merge = await MemberMerge.get(absorbed_id=absorbed)
    assert {key: merge.moved[key] for key in merge.moved if key != "identities"} == {
        "cart_lines": 1,
        "addresses": 1,
        "favourites": 1,
        "browsing_records": 1,
    }


async def test_a_merge_keeps_the_cart_at_100_lines_and_the_history_at_100(api):
    older, newer = await _merge(api)
    category = await make_category()
    products = [await make_product(category) for _ in range(103)]
    skus = [await Sku.get(product_id=p.id) for p in products]
    now = clock.now()
    await CartLine.bulk_create(
        [
            CartLine(
                member_id=member.member_id,
                sku_id=sku.id,
                quantity=1,
                added_price_fen=sku.price_fen,
                created_at=now,
                updated_at=now,
            )
            for member, chosen in ((older, skus[:99]), (newer, skus[99:]))
            for sku in chosen
        ]
    )
    await BrowsingRecord.bulk_create(
        [
            BrowsingRecord(
                member_id=(older if index % 2 else newer).member_id,
                product_id=product.id,
                viewed_at=now + timedelta(minutes=index),
            )
            for index, product in enumerate(products)
        ]
    )

    await _bind(newer)

    lines = await CartLine.filter(member_id=older.member_id).values_list("sku_id", flat=True)
    assert len(lines) == 100
    assert skus[102].id in lines  # the absorbed member's newest line took the room left
    kept = await BrowsingRecord.filter(member_id=older.member_id).values_list(
        "product_id", flat=True
    )
    assert sorted(kept) == sorted(p.id for p in products[3:])  # the newest 100 views
