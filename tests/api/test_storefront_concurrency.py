"""The cart's 100 lines and the address book's 20 entries with exactly one default hold when a
member's requests race (PostgreSQL: SQLite serialises writers)."""

from datetime import timedelta

from api.graphql.ids import to_global_id
from domain import clock
from domain.catalog import service as catalog
from domain.catalog.models import ProductStatus
from domain.storefront.models import Address, CartLine
from tests.support.catalog import make_category
from tests.support.racing import race, require_postgres
from tests.support.storefront import ADD, CREATE_ADDRESS, HOME, SET_DEFAULT, sku_id


def _request(member, query: str, variables: dict) -> dict:
    return {
        "path": "/graphql",
        "token": member.client.token,
        "json": {"query": query, "variables": variables},
    }


async def test_racing_adds_never_pass_100_lines(api, backend, postgres_database_url):
    require_postgres(backend)
    member = await api.member()
    category = await make_category()
    product = await catalog.create_product(
        catalog.ProductInput(title="百色", category_id=category.id, status=ProductStatus.ON_SALE),
        [catalog.SkuInput(code=f"R-{i}", price_fen=100, stock=10) for i in range(108)],
    )
    skus = list(await product.skus.all().order_by("id"))
    now = clock.now()
    await CartLine.bulk_create(
        CartLine(
            member_id=member.member_id,
            sku_id=sku.id,
            quantity=1,
            added_price_fen=100,
            created_at=now,
            updated_at=now,
        )
        for sku in skus[:98]
    )
    adds = [_request(member, ADD, {"sku": sku_id(sku), "quantity": 1}) for sku in skus[98:]]

    results = await race(postgres_database_url, [adds[:5], adds[5:]])

    codes = sorted(
        (r["body"]["data"]["addToCart"]["errors"] or [{"code": "OK"}])[0]["code"] for r in results
    )
    assert codes == ["CART_FULL"] * 8 + ["OK"] * 2
    assert await CartLine.filter(member_id=member.member_id).count() == 100


async def test_racing_address_changes_keep_20_and_one_default(api, backend, postgres_database_url):
    require_postgres(backend)
    member = await api.member()
    now = clock.now()
    await Address.bulk_create(
        Address(
            member_id=member.member_id,
            name="李四",
            phone="+8613900002222",
            region="上海市",
            detail=f"{number} 号",
            is_default=number == 0,
            created_at=now + timedelta(seconds=number),
            updated_at=now,
        )
        for number in range(17)
    )
    ids = [a.id for a in await Address.filter(member_id=member.member_id).order_by("id")]
    creates = [
        _request(
            member, CREATE_ADDRESS, {"input": {**HOME, "detail": f"新 {n}"}, "isDefault": True}
        )
        for n in range(6)
    ]
    defaults = [
        _request(member, SET_DEFAULT, {"id": to_global_id("Address", pk)}) for pk in ids[1:7]
    ]

    results = await race(
        postgres_database_url, [creates[:3] + defaults[:3], creates[3:] + defaults[3:]]
    )

    full = [
        r
        for r in results
        if "createAddress" in r["body"]["data"] and r["body"]["data"]["createAddress"]["errors"]
    ]
    assert [r["body"]["data"]["createAddress"]["errors"][0]["code"] for r in full] == [
        "ADDRESS_BOOK_FULL"
    ] * 3
    assert await Address.filter(member_id=member.member_id).count() == 20
    assert await Address.filter(member_id=member.member_id, is_default=True).count() == 1
