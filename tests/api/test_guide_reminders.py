"""The daily reminders (SPEC 22): birthday in 3 days, a coupon about to expire, an after-sale
just finished, a customer who became AT_RISK; each once, only for customers with a guide."""

from datetime import date, datetime, timedelta

from api.jobs import run_job
from domain import clock
from domain.members.models import Member
from domain.orders.models import Refund, RefundStatus
from domain.org.models import StaffRole
from loyalty.models import Coupon, CouponKind, CouponSource, CouponStatus, CouponTemplate
from loyalty.workbench.models import GuideTask, TaskKind
from loyalty.workbench.reminders import _birth_dates
from loyalty.workbench.tasks import today
from tests.support.api import make_store
from tests.support.audience import paid_order
from tests.support.workbench import customer


async def reminders() -> list[tuple[str, int, int, date]]:
    return sorted(
        await GuideTask.all().values_list("kind", "member_id", "guide_id", "due_on"),
    )


async def born(member_id: int, birthday: date) -> None:
    await Member.filter(id=member_id).update(birthday=birthday)


async def coupon(member_id: int, until: datetime, status=CouponStatus.AVAILABLE) -> Coupon:
    moment = clock.now()
    template = await CouponTemplate.create(
        name="满100减10",
        kind=CouponKind.AMOUNT_OFF,
        amount_fen=1000,
        total_stock=10,
        stock_left=9,
        valid_days=30,
        created_at=moment,
        updated_at=moment,
    )
    return await Coupon.create(
        template=template,
        member_id=member_id,
        seq=1,
        source=CouponSource.ISSUE,
        status=status,
        valid_from=moment - timedelta(days=20),
        valid_until=until,
        created_at=moment,
    )


async def refunded(member_id: int, finished_at: datetime, n: int) -> Refund:
    order = await paid_order(member_id, finished_at - timedelta(days=3))
    item = await order.items.all().first()
    return await Refund.create(
        order=order,
        item=item,
        amount_fen=1000,
        reason="不合适",
        status=RefundStatus.REFUNDED,
        out_refund_no=f"R{n}",
        created_at=finished_at - timedelta(days=1),
        finished_at=finished_at,
    )


async def test_each_kind_of_reminder_is_made_once_for_the_guide_serving_the_customer(api):
    store = await make_store()
    guide = (await api.staff(StaffRole.GUIDE, store)).staff.id
    now = clock.now()
    in_three_days = today() + timedelta(days=3)
    birthday, birthday_later, birthday_storeonly = (
        await customer(store, guide),
        await customer(store, guide),
        await customer(store),
    )
    await born(birthday, in_three_days.replace(year=1990))
    await born(birthday_later, (in_three_days + timedelta(days=1)).replace(year=1990))
    await born(birthday_storeonly, in_three_days.replace(year=1991))
    expiring, expiring_later, used = [await customer(store, guide) for _ in range(3)]
    expiring_coupon = await coupon(expiring, now + timedelta(days=2))
    await coupon(expiring_later, now + timedelta(days=5))
    await coupon(used, now + timedelta(days=1), CouponStatus.USED)
    after_sale = await customer(store, guide)
    refund = await refunded(after_sale, now - timedelta(days=1), 1)
    old_after_sale = await customer(store, guide)
    await refunded(old_after_sale, now - timedelta(days=10), 2)
    at_risk, long_gone, active = [await customer(store, guide) for _ in range(3)]
    await paid_order(at_risk, now - timedelta(days=92))
    await paid_order(long_gone, now - timedelta(days=120))
    await paid_order(active, now - timedelta(days=30))

    made = await run_job("guide-reminders", now)
    again = await run_job("guide-reminders", now)

    assert (made, again) == (4, 0)
    expiring_member = expiring_coupon.member_id
    assert await reminders() == sorted(
        [
            (TaskKind.BIRTHDAY, birthday, guide, in_three_days),
            (TaskKind.COUPON_EXPIRING, expiring_member, guide, today() + timedelta(days=2)),
            (TaskKind.AFTER_SALE, after_sale, guide, today() + timedelta(days=1)),
            (TaskKind.AT_RISK, at_risk, guide, today() + timedelta(days=3)),
        ]
    )
    keys = set(await GuideTask.all().values_list("reminder_key", flat=True))
    assert f"COUPON_EXPIRING:{expiring_coupon.id}" in keys
    assert f"AFTER_SALE:{refund.id}" in keys


async def test_reminders_of_the_next_day_add_only_what_is_new(api):
    store = await make_store()
    guide = (await api.staff(StaffRole.GUIDE, store)).staff.id
    now = clock.now()
    member = await customer(store, guide)
    await born(member, (today() + timedelta(days=4)).replace(year=1985))
    await coupon(member, now + timedelta(days=2))

    first = await run_job("guide-reminders", now)
    second = await run_job("guide-reminders", now + timedelta(days=1))

    assert (first, second) == (1, 1)
    assert [kind for kind, *_ in await reminders()] == [TaskKind.BIRTHDAY, TaskKind.COUPON_EXPIRING]


def test_a_29_february_birthday_is_remembered_on_28_february_of_other_years():
    dates = _birth_dates(date(2027, 2, 28))

    assert date(2000, 2, 29) in dates
    assert date(1999, 2, 28) in dates
    assert date(2000, 2, 28) in dates
    assert all(d.day != 29 or d.year % 4 == 0 for d in dates)
    assert date(2024, 2, 29) not in _birth_dates(date(2028, 2, 28))
