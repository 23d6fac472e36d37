"""Granting coupons: claims by members, issuing by HQ, the welcome and new-customer coupons.

Two guards hold under any concurrency, neither a check-then-insert: the template's stock is
taken by a guarded decrement (`stock_left >= 1`), and a member's n-th coupon of a template has
`seq = n`, unique per (template, member, seq) with seq ≤ the per-member limit — two claims
racing for the same seq cannot both be inserted.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q

from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.settings.service import get_setting
from loyalty.models import Coupon, CouponSource, CouponTemplate

ISSUE_CHUNK = 100
MAX_SEQ_ATTEMPTS = 3


def claimable(now: datetime) -> Q:
    """Public, active templates with stock whose fixed window has not ended."""
    return Q(public=True, active=True, stock_left__gt=0) & (
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )


def validity(template: CouponTemplate, moment: datetime) -> tuple[datetime, datetime]:
    if template.valid_days is not None:
        return moment, moment + timedelta(days=template.valid_days)
    assert template.valid_from is not None and template.valid_until is not None
    return template.valid_from, template.valid_until


async def grant(template: CouponTemplate, member_id: int, source: CouponSource) -> Coupon:
    """One coupon of `template` for the member, in its own savepoint: a refusal (stock, limit)
    rolls back only this grant."""
    moment = clock.now()
    if not template.active or (template.valid_until and template.valid_until <= moment):
        raise DomainError(ErrorCode.COUPON_UNAVAILABLE, "templateId")
    for _ in range(MAX_SEQ_ATTEMPTS):
        held = await Coupon.filter(template_id=template.id, member_id=member_id).count()
        if held >= template.per_member_limit:
            raise DomainError(ErrorCode.COUPON_LIMIT_REACHED, "templateId")
        valid_from, valid_until = validity(template, moment)
        try:
            async with transaction():
                coupon = await Coupon.create(
                    template_id=template.id,
                    member_id=member_id,
                    seq=held + 1,
                    source=source,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    created_at=moment,
                )
                taken = await CouponTemplate.filter(id=template.id, stock_left__gte=1).update(
                    stock_left=F("stock_left") - 1
                )
                if not taken:
                    raise DomainError(ErrorCode.COUPON_OUT_OF_STOCK, "templateId")
                return coupon
        except IntegrityError:
            continue  # a concurrent grant took this seq: count again
    raise DomainError(ErrorCode.COUPON_LIMIT_REACHED, "templateId")


async def claim(member_id: int, template_id: int) -> Coupon:
    template = await CouponTemplate.get_or_none(id=template_id, public=True)
    if template is None:
        raise DomainError(ErrorCode.NOT_FOUND, "templateId")
    async with transaction():
        return await grant(template, member_id, CouponSource.CLAIM)


def _chunks(values: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(values)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class IssueResult:
    issued: int
    skipped: int


async def issue_coupons(template_id: int, member_ids: Iterable[int]) -> IssueResult:
    """HQ hands one coupon to each of the given members (see `issue_in_batches`)."""
    return await issue_in_batches(template_id, _batches(member_ids))


async def _batches(member_ids: Iterable[int]) -> AsyncIterator[list[int]]:
    for chunk in _chunks(dict.fromkeys(member_ids), ISSUE_CHUNK):
        yield chunk


async def issue_in_batches(template_id: int, batches: AsyncIterable[list[int]]) -> IssueResult:
    """HQ hands one coupon to each member of each batch (a list's chunks, or a segment walked
    ISSUE_CHUNK members at a time), one transaction per batch. Members who reached the
    per-member limit or are not active are skipped; issuing stops when the stock runs out."""
    template = await CouponTemplate.get_or_none(id=template_id)
    if template is None:
        raise DomainError(ErrorCode.NOT_FOUND, "templateId")
    issued = skipped = 0
    async for chunk in batches:
        active = set(
            await Member.filter(id__in=chunk, status=MemberStatus.ACTIVE).values_list(
                "id", flat=True
            )
        )
        async with transaction():
            for member_id in chunk:
                if member_id not in active:
                    skipped += 1
                    continue
                try:
                    await grant(template, member_id, CouponSource.ISSUE)
                    issued += 1
                except DomainError as error:
                    if error.code == ErrorCode.COUPON_OUT_OF_STOCK:
                        return IssueResult(issued, skipped + 1)
                    skipped += 1
    return IssueResult(issued, skipped)


async def _grant_from_setting(key: str, member_id: int, source: CouponSource) -> None:
    template_id = await get_setting(key)
    if not template_id:
        return
    template = await CouponTemplate.get_or_none(id=template_id)
    if template is None:
        return
    try:
        await grant(template, member_id, source)
    except DomainError:
        return  # out of stock, limit reached or ended: the member simply gets none


async def on_member_joined(event: events.MemberJoined) -> None:
    """The welcome coupon (关注获赠), in the login's transaction."""
    await _grant_from_setting("coupon.welcome_template_id", event.member_id, CouponSource.WELCOME)


async def on_referral_bound(event: events.ReferralBound) -> None:
    """The new-customer coupon for a member a distributor brought in (each binding tries; the
    template's per-member limit keeps it to one)."""
    await _grant_from_setting(
        "coupon.new_customer_template_id", event.member_id, CouponSource.NEW_CUSTOMER
    )
