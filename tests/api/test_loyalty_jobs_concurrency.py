"""The loyalty expiry jobs run twice at once from two OS processes on PostgreSQL (SPEC 15):
every lot's points and every coupon expire exactly once."""

from datetime import timedelta

from domain import clock
from domain.members.models import Member
from loyalty import points
from loyalty.coupons import grants
from loyalty.coupons.templates import TemplateInput, create_template
from loyalty.models import (
    Coupon,
    CouponKind,
    CouponSource,
    CouponStatus,
    PointsKind,
    PointsLot,
    PointsTransaction,
)
from tests.api.test_commission_concurrency import run_jobs_at_once
from tests.support.racing import require_postgres


async def test_two_expire_points_jobs_at_once_expire_each_lot_once(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    moment = clock.now()
    members = [await Member.create(created_at=moment, updated_at=moment) for _ in range(20)]
    for member in members:
        for amount in (100, 200, 300):
            await points.adjust(points.Adjustment(member.id, amount, "gift", "test"))
    later = (moment + timedelta(days=366)).isoformat()

    results = await run_jobs_at_once(postgres_database_url, "expire-points", later, 2)

    assert sum(results) == 20 * 600
    assert await PointsTransaction.filter(kind=PointsKind.EXPIRE).count() == 60
    assert await PointsLot.filter(remaining__gt=0).count() == 0
    assert sum(await PointsLot.all().values_list("expired", flat=True)) == 20 * 600


async def test_two_expire_coupons_jobs_at_once_expire_each_coupon_once(
    api, backend, postgres_database_url
):
    require_postgres(backend)
    moment = clock.now()
    template = await create_template(
        TemplateInput(
            name="满减", kind=CouponKind.AMOUNT_OFF, amount_fen=500, total_stock=50, valid_days=1
        )
    )
    for _ in range(30):
        member = await Member.create(created_at=moment, updated_at=moment)
        await grants.grant(template, member.id, CouponSource.ISSUE)
    later = (moment + timedelta(days=2)).isoformat()

    results = await run_jobs_at_once(postgres_database_url, "expire-coupons", later, 2)

    assert sum(results) == 30
    assert await Coupon.filter(status=CouponStatus.EXPIRED).count() == 30
