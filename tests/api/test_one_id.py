"""Phone binding and the One-ID merge (SPEC 3)."""

from datetime import timedelta

from domain import clock, events
from domain.catalog.models import Sku
from domain.members.models import Member, MemberIdentity, MemberMerge, MemberStatus
from domain.orders.models import Order
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, place

BIND = """
mutation($code: String!) {
  bindPhone(code: $code) {
    member { id phone }
    merged
    tokens { accessToken }
    errors { code field }
  }
}
"""


async def test_binding_a_free_phone_normalises_it(api):
    session = await api.member()

    body = await session.client.data(BIND, {"code": "dev-phone:138 0000 1111"})

    assert body["bindPhone"] == {
        "member": {"id": session.global_id, "phone": "+8613800001111"},
        "merged": False,
        "tokens": None,
        "errors": [],
    }


async def test_invalid_phone_is_refused_and_nothing_changes(api):
    session = await api.member()

    body = await session.client.data(BIND, {"code": "dev-phone:12345"})

    assert body["bindPhone"]["errors"] == [{"code": "INVALID_PHONE", "field": "phone"}]
    assert (await Member.get(id=session.member_id)).phone is None


async def test_binding_another_members_phone_merges_into_the_older_member(api):
    start = clock.now()
    with clock.frozen_at(start):
        older = await api.member("openid-old")
        await older.client.data(BIND, {"code": "dev-phone:+8613900002222"})
    with clock.frozen_at(start + timedelta(days=1)):
        newer = await api.member("openid-new", unionid="u-new")
        body = await newer.client.data(BIND, {"code": "dev-phone:13900002222"})

        result = body["bindPhone"]
        assert result["merged"] is True
        assert result["member"] == {"id": older.global_id, "phone": "+8613900002222"}
        assert result["errors"] == []
        # The caller now holds tokens of the survivor; their old token is dead.
        survivor_client = newer.client.__class__(
            newer.client.http, "/graphql", token=result["tokens"]["accessToken"]
        )
        assert (await survivor_client.data("{ me { id } }"))["me"]["id"] == older.global_id
        stale = await newer.client.gql("{ me { id } }")
        assert stale["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    identities = await MemberIdentity.filter(member_id=older.member_id).order_by("id")
    assert [i.openid for i in identities] == ["openid-old", "openid-new"]
    absorbed = await Member.get(id=newer.member_id)
    assert (absorbed.status, absorbed.merged_into_id, absorbed.phone) == (
        MemberStatus.MERGED,
        older.member_id,
        None,
    )
    record = await MemberMerge.get(absorbed_id=newer.member_id)
    assert (record.survivor_id, record.actor, record.moved) == (
        older.member_id,
        f"member:{newer.member_id}",
        {"identities": 1},
    )


async def test_merge_when_the_older_member_binds_the_newer_ones_phone(api):
    start = clock.now()
    with clock.frozen_at(start):
        older = await api.member()
    with clock.frozen_at(start + timedelta(minutes=10)):
        newer = await api.member()
        await newer.client.data(BIND, {"code": "dev-phone:13700003333"})
        body = await older.client.data(BIND, {"code": "dev-phone:13700003333"})

    assert body["bindPhone"]["member"]["id"] == older.global_id
    assert body["bindPhone"]["merged"] is True
    assert body["bindPhone"]["tokens"] is None
    assert (await Member.get(id=newer.member_id)).status == MemberStatus.MERGED
    assert await Member.filter(status=MemberStatus.ACTIVE).count() == 1


async def test_login_after_merge_reaches_the_survivor(api):
    start = clock.now()
    with clock.frozen_at(start):
        older = await api.member("o1")
        await older.client.data(BIND, {"code": "dev-phone:13600004444"})
    with clock.frozen_at(start + timedelta(minutes=5)):
        newer = await api.member("o2")
        await newer.client.data(BIND, {"code": "dev-phone:13600004444"})
        again = await api.member("o2")

    assert again.member_id == older.member_id


async def test_merge_publishes_member_merged_for_other_areas(api):
    seen = []

    async def handler(event):
        seen.append(event)
        event.moved["coupons"] = 0

    events.subscribe(events.MemberMerged, handler)
    try:
        start = clock.now()
        with clock.frozen_at(start):
            older = await api.member()
            await older.client.data(BIND, {"code": "dev-phone:13500005555"})
        with clock.frozen_at(start + timedelta(minutes=1)):
            newer = await api.member()
            await newer.client.data(BIND, {"code": "dev-phone:13500005555"})
    finally:
        events.unsubscribe(events.MemberMerged, handler)

    assert [(e.survivor_id, e.absorbed_id) for e in seen] == [(older.member_id, newer.member_id)]
    record = await MemberMerge.get(absorbed_id=newer.member_id)
    assert record.moved == {"identities": 1, "coupons": 0}


async def test_a_failing_merge_handler_rolls_the_whole_merge_back(api):
    async def broken(event):
        raise RuntimeError("boom")

    events.subscribe(events.MemberMerged, broken)
    try:
        start = clock.now()
        with clock.frozen_at(start):
            older = await api.member()
            await older.client.data(BIND, {"code": "dev-phone:13400006666"})
        with clock.frozen_at(start + timedelta(minutes=1)):
            newer = await api.member()
            body = await newer.client.gql(BIND, {"code": "dev-phone:13400006666"})
    finally:
        events.unsubscribe(events.MemberMerged, broken)

    assert body["errors"][0]["message"] == "Unexpected error."
    assert (await Member.get(id=newer.member_id)).status == MemberStatus.ACTIVE
    assert await MemberIdentity.filter(member_id=newer.member_id).count() == 1
    assert await MemberMerge.all().count() == 0


async def test_orders_follow_the_person_and_clashing_keys_stay_unique(api):
    product = await make_product(await make_category(), (1000,), stock=10)
    sku = await Sku.get(product_id=product.id)
    start = clock.now()
    with clock.frozen_at(start):
        older = await api.member()
        await older.client.data(BIND, {"code": "dev-phone:13300007777"})
        await place(older.client, delivery((sku, 1)), "same-key")
    with clock.frozen_at(start + timedelta(minutes=1)):
        newer = await api.member()
        await place(newer.client, delivery((sku, 2)), "same-key")
        await place(newer.client, delivery((sku, 3)), "other-key")
        await newer.client.data(BIND, {"code": "dev-phone:13300007777"})

    keys = (
        await Order.filter(member_id=older.member_id)
        .order_by("id")
        .values_list("idempotency_key", flat=True)
    )
    assert keys == ["same-key", f"m{newer.member_id}:same-key", "other-key"]
    record = await MemberMerge.get(absorbed_id=newer.member_id)
    assert record.moved == {"identities": 1, "orders": 2}
