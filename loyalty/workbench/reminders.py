"""The daily reminders (SPEC 22): tasks the job makes for the guide serving each customer, each
at most once (`reminder_key` is unique; inserts ignore a key already there), so the job is safe
to run twice at once and on any number of days in a row:

- BIRTHDAY: the customer's birthday is in 3 days (a 29 February birthday is remembered on
  28 February in other years); key per member and year.
- COUPON_EXPIRING: an AVAILABLE coupon ends within `guide.coupon_expiring_days`; key per coupon.
- AFTER_SALE: a refund was REFUNDED within the last LOOKBACK_DAYS; key per refund.
- AT_RISK: the customer's last paid order is more than 90 and at most 90 + LOOKBACK_DAYS days
  old: they became AT_RISK lately (SPEC 9.4; read from the last order itself, so the job does
  not wait for refresh-tags); key per member and last order, so a customer who buys again and
  drifts away again is reminded again.

Customers without a guide get no reminder. The lookback lets a day the job missed catch up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tortoise.queryset import QuerySet

from domain import clock
from domain.members.audience_sources import audience_sources
from domain.members.models import Member, MemberStatus
from domain.orders.models import Refund, RefundStatus
from domain.settings.service import get_setting
from loyalty.audience.models import MemberAudience
from loyalty.audience.rules import ACTIVE_DAYS
from loyalty.models import Coupon, CouponStatus
from loyalty.workbench.models import GuideTask, TaskKind

BIRTHDAY_AHEAD_DAYS = 3
LOOKBACK_DAYS = 7
AFTER_SALE_DUE_DAYS = 1
AT_RISK_DUE_DAYS = 3
OLDEST_BIRTH_YEAR = 1900
PAGE = 1000

INSTRUCTIONS = {
    TaskKind.BIRTHDAY: "客户 3 天后生日，送上祝福 (birthday in 3 days: send wishes)",
    TaskKind.COUPON_EXPIRING: "客户有优惠券即将过期，提醒使用 (a coupon is about to expire)",
    TaskKind.AFTER_SALE: "售后已完成，回访客户满意度 (after-sale finished: follow up)",
    TaskKind.AT_RISK: "客户 90 天未购买，主动关怀 (no order for 90 days: reach out)",
}


@dataclass(frozen=True)
class Reminder:
    member_id: int
    key: str
    due_on: date


async def generate_reminders(now: datetime) -> int:
    """The job: every kind of reminder due as of `now`; returns how many tasks it made."""
    made = 0
    for kind, reminders in (
        (TaskKind.BIRTHDAY, _birthdays(now)),
        (TaskKind.COUPON_EXPIRING, _expiring_coupons(now)),
        (TaskKind.AFTER_SALE, _finished_after_sales(now)),
        (TaskKind.AT_RISK, _became_at_risk(now)),
    ):
        async for page in reminders:
            made += await _insert(kind, page, now)
    return made


async def _insert(kind: TaskKind, page: list[Reminder], now: datetime) -> int:
    """Tasks for the customers with a guide; keys already used are skipped by the database."""
    serving = await audience_sources().serving(list({r.member_id for r in page}))
    keys = [r.key for r in page]
    before = await GuideTask.filter(reminder_key__in=keys).count()
    await GuideTask.bulk_create(
        [
            GuideTask(
                kind=kind,
                reminder_key=r.key,
                member_id=r.member_id,
                store_id=serving[r.member_id].store_id,
                guide_id=serving[r.member_id].guide_id,
                due_on=r.due_on,
                instructions=INSTRUCTIONS[kind],
                created_at=now,
            )
            for r in page
            if r.member_id in serving and serving[r.member_id].guide_id is not None
        ],
        ignore_conflicts=True,
    )
    return await GuideTask.filter(reminder_key__in=keys).count() - before


async def _pages(query: QuerySet[Any], *columns: str) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The query's rows in id order, PAGE at a time (keyset on id)."""
    last = 0
    while (
        rows := await query.filter(id__gt=last)
        .order_by("id")
        .limit(PAGE)
        .values_list("id", *columns)
    ):
        yield list(rows)
        last = rows[-1][0]


def _local_day(now: datetime) -> date:
    return clock.to_shanghai(now).date()


def _birth_dates(day: date) -> list[date]:
    """Every birth date whose birthday falls on `day` (29 February on 28 February of years
    without one)."""
    days = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not _leap(day.year):
        days.append((2, 29))
    return [
        date(year, month, dom)
        for year in range(OLDEST_BIRTH_YEAR, day.year + 1)
        for month, dom in days
        if dom != 29 or month != 2 or _leap(year)
    ]


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


async def _birthdays(now: datetime) -> AsyncIterator[list[Reminder]]:
    day = _local_day(now) + timedelta(days=BIRTHDAY_AHEAD_DAYS)
    members = Member.filter(status=MemberStatus.ACTIVE, birthday__in=_birth_dates(day))
    async for rows in _pages(members):
        yield [
            Reminder(member_id, f"BIRTHDAY:{member_id}:{day.year}", day) for (member_id,) in rows
        ]


async def _expiring_coupons(now: datetime) -> AsyncIterator[list[Reminder]]:
    days = await get_setting("guide.coupon_expiring_days")
    coupons = Coupon.filter(
        status=CouponStatus.AVAILABLE,
        valid_until__gt=now,
        valid_until__lte=now + timedelta(days=days),
    )
    async for rows in _pages(coupons, "member_id", "valid_until"):
        yield [
            Reminder(member_id, f"COUPON_EXPIRING:{coupon_id}", _local_day(until))
            for coupon_id, member_id, until in rows
        ]


async def _finished_after_sales(now: datetime) -> AsyncIterator[list[Reminder]]:
    refunds = Refund.filter(
        status=RefundStatus.REFUNDED,
        finished_at__gt=now - timedelta(days=LOOKBACK_DAYS),
        finished_at__lte=now,
    )
    due = _local_day(now) + timedelta(days=AFTER_SALE_DUE_DAYS)
    async for rows in _pages(refunds, "order__member_id"):
        yield [Reminder(member_id, f"AFTER_SALE:{refund_id}", due) for refund_id, member_id in rows]


async def _became_at_risk(now: datetime) -> AsyncIterator[list[Reminder]]:
    since = now - timedelta(days=ACTIVE_DAYS)
    audiences = MemberAudience.filter(
        last_paid_at__lt=since,
        last_paid_at__gte=since - timedelta(days=LOOKBACK_DAYS),
    )
    due = _local_day(now) + timedelta(days=AT_RISK_DUE_DAYS)
    last = 0
    while (
        rows := await audiences.filter(member_id__gt=last)
        .order_by("member_id")
        .limit(PAGE)
        .values_list("member_id", "last_paid_at")
    ):
        yield [
            Reminder(member_id, f"AT_RISK:{member_id}:{_local_day(paid_at).isoformat()}", due)
            for member_id, paid_at in rows
        ]
        last = rows[-1][0]
