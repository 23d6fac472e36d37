"""One-ID merge (SPEC 3) moves loyalty too: the absorbed member's points lots, coupons and
growth go to the survivor, who is re-tiered."""

from datetime import timedelta

from domain import clock
from domain.db import transaction
from loyalty import points
from loyalty.coupons import grants
from loyalty.coupons.templates import TemplateInput, create_template
from loyalty.models import Coupon, CouponKind, CouponSource, MemberLoyalty, PointsLot
from tests.api.test_one_id import BIND
from tests.support.loyalty import set_growth


async def test_merging_moves_points_coupons_and_growth_to_the_survivor(api):
    start = clock.now()
    template = await create_template(
        TemplateInput(
            name="满减", kind=CouponKind.AMOUNT_OFF, amount_fen=500, total_stock=10, valid_days=9
        )
    )
    with clock.frozen_at(start):
        older = await api.member("openid-loyal-old")
        await older.client.data(BIND, {"code": "dev-phone:+8613900003333"})
        await points.adjust(points.Adjustment(older.member_id, 100, "gift", "test"))
        await set_growth(older.member_id, 300)
        async with transaction():
            await grants.grant(template, older.member_id, CouponSource.ISSUE)
    with clock.frozen_at(start + timedelta(days=1)):
        newer = await api.member("openid-loyal-new")
        await points.adjust(points.Adjustment(newer.member_id, 50, "gift", "test"))
        await set_growth(newer.member_id, 800)
        async with transaction():
            await grants.grant(template, newer.member_id, CouponSource.ISSUE)

        body = await newer.client.data(BIND, {"code": "dev-phone:13900003333"})
        balance = await points.balance(older.member_id)

    assert body["bindPhone"]["merged"] is True
    assert balance == 150
    assert await PointsLot.filter(member_id=newer.member_id).count() == 0
    seqs = (
        await Coupon.filter(member_id=older.member_id).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == [1, 2]
    survivor = await MemberLoyalty.get(member_id=older.member_id).select_related("tier")
    assert (survivor.growth, survivor.tier.code) == (1100, "V1")
    assert not await MemberLoyalty.exists(member_id=newer.member_id)
