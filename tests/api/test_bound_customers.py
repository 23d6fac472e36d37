"""The distribution centre's bound customers (issue 16 item 6): who is bound to me now, masked,
with what they paid on orders attributed to me; a page costs the same statements at any size."""

from datetime import timedelta

from distribution.customers import mask_nickname
from distribution.models import ReferralBinding
from domain import clock
from domain.clock import to_shanghai
from domain.members.models import Member
from domain.orders.models import Order
from tests.api.test_commission_estimate import distributor_session
from tests.support.commission import attributed_order, paid_order, sku
from tests.support.sql import count_statements

CUSTOMERS = """
query($first: Int, $after: String) {
  distributionCenter {
    boundCustomers(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { nickname boundAt expiresAt lastOrderAt paidTotalFen } }
    }
  }
}
"""


async def bind(member_id: int, referrer, start, **extra) -> ReferralBinding:
    return await ReferralBinding.create(
        member_id=member_id,
        referrer_id=referrer.id,
        reason="VISIT",
        actor=f"member:{member_id}",
        valid_from=start,
        **extra,
    )


async def customers(session, first: int = 20, after: str | None = None) -> dict:
    data = await session.client.data(CUSTOMERS, {"first": first, "after": after})
    return data["distributionCenter"]["boundCustomers"]


def iso(moment) -> str | None:
    return to_shanghai(moment).isoformat() if moment else None


async def test_bound_customers_are_masked_with_their_attributed_paid_orders(api):
    # given D, and A (小红薯, permanent) and B (no nickname, until +30 days) bound to D
    d_session, d = await distributor_session(api)
    _, other = await distributor_session(api)
    now = clock.now()
    a, b, c, ended, expired = [await api.member() for _ in range(5)]
    await Member.filter(id=a.member_id).update(nickname="小红薯")
    await Member.filter(id=b.member_id).update(nickname="")
    await bind(a.member_id, d, now - timedelta(days=2))
    await bind(b.member_id, d, now - timedelta(days=1), expires_at=now + timedelta(days=30))
    # and C bound elsewhere, one ended and one expired binding to D: none of them are D's now
    await bind(c.member_id, other, now - timedelta(days=1))
    await bind(ended.member_id, d, now - timedelta(days=3), ended_at=now - timedelta(hours=1))
    await bind(expired.member_id, d, now - timedelta(days=9), expires_at=now - timedelta(days=1))
    # and A paid 19900 through D, 333 attributed to another and left one of D's orders unpaid
    item = await sku(19900)
    cheap = await sku(333)
    attributed = await paid_order(api, a, [(item, 1)], level1_distributor_id=d.id)
    await paid_order(api, a, [(cheap, 1)], level1_distributor_id=other.id)
    await attributed_order(api, a, [(cheap, 2)], level1_distributor_id=d.id)

    seen = await customers(d_session)

    bound_b = await ReferralBinding.get(member_id=b.member_id)
    bound_a = await ReferralBinding.get(member_id=a.member_id)
    paid_at = (await Order.get(number=attributed["number"])).paid_at
    assert seen["totalCount"] == 2
    assert [e["node"] for e in seen["edges"]] == [
        {
            "nickname": "**",
            "boundAt": iso(bound_b.valid_from),
            "expiresAt": iso(bound_b.expires_at),
            "lastOrderAt": None,
            "paidTotalFen": 0,
        },
        {
            "nickname": "小**",
            "boundAt": iso(bound_a.valid_from),
            "expiresAt": None,
            "lastOrderAt": iso(paid_at),
            "paidTotalFen": attributed["payable"]["fen"],
        },
    ]
    assert attributed["payable"]["fen"] == 19900
    # a member who is no distributor has no customers
    assert (await customers(a))["totalCount"] == 0


async def test_a_page_costs_the_same_statements_at_any_size(api):
    d_session, d = await distributor_session(api)
    now = clock.now()
    item = await sku(19900)
    for n in range(6):
        member = await api.member()
        await bind(member.member_id, d, now - timedelta(hours=n + 1))
        if n % 2 == 0:
            await paid_order(api, member, [(item, 1)], level1_distributor_id=d.id)

    with count_statements(cold_settings=False) as small:
        first_page = await customers(d_session, first=1)
    with count_statements(cold_settings=False) as large:
        whole = await customers(d_session, first=6)
    rest = await customers(d_session, first=5, after=first_page["pageInfo"]["endCursor"])

    assert small.count == large.count
    assert [e["node"]["paidTotalFen"] for e in whole["edges"]] == [19900, 0] * 3
    assert rest["edges"] == whole["edges"][1:]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_nicknames_show_one_character_never_the_length():
    assert [mask_nickname(n) for n in ("小红薯", "A", "", "Alexander")] == [
        "小**",
        "A**",
        "**",
        "A**",
    ]
