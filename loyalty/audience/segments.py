"""Segments (SPEC 9.4): named, saved audience filters with a live count and member list, and
the audience that `issueCoupons(segmentId)` reaches."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.validation import clean_text
from loyalty.audience.filters import AudienceFilter, member_condition, validated
from loyalty.audience.models import Segment

ISSUE_BATCH = 1000


async def create_segment(name: str, audience: AudienceFilter, actor: str) -> Segment:
    name = clean_text(name, "name", 64)
    await validated(audience, "filter")
    now = clock.now()
    try:
        async with transaction():
            return await Segment.create(
                name=name,
                rules=audience.to_json(),
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "name") from None


async def update_segment(
    segment_id: int, name: str | None, audience: AudienceFilter | None
) -> Segment:
    """Changes the name and/or the filter; an unknown segment is NOT_FOUND."""
    segment = await Segment.get_or_none(id=segment_id)
    if segment is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    changes: dict[str, object] = {"updated_at": clock.now()}
    if name is not None:
        changes["name"] = clean_text(name, "name", 64)
    if audience is not None:
        changes["rules"] = (await validated(audience, "filter")).to_json()
    try:
        async with transaction():
            await Segment.filter(id=segment_id).update(**changes)
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "name") from None
    await segment.refresh_from_db()
    return segment


def filter_of(segment: Segment) -> AudienceFilter:
    return AudienceFilter.from_json(segment.rules)


async def segment_members(segment: Segment) -> QuerySet[Member]:
    """The segment's active members as of now, one query (count it or page it)."""
    return Member.filter(status=MemberStatus.ACTIVE).filter(
        await member_condition(filter_of(segment))
    )


async def segment_member_ids(segment_id: int, batch: int = ISSUE_BATCH) -> AsyncIterator[list[int]]:
    """The segment's member ids in ascending batches (keyset on id), evaluated batch by batch:
    what coupon issuing walks. An unknown segment is NOT_FOUND (field `segmentId`)."""
    segment = await Segment.get_or_none(id=segment_id)
    if segment is None:
        raise DomainError(ErrorCode.NOT_FOUND, "segmentId")
    members = await segment_members(segment)
    last_id = 0
    while True:
        ids = await (
            members.filter(id__gt=last_id).order_by("id").limit(batch).values_list("id", flat=True)
        )
        if not ids:
            return
        yield list(ids)
        last_id = ids[-1]


async def search_condition(audience: AudienceFilter, segment_id: int | None, prefix: str) -> Q:
    """The admin member search's audience part: the given conditions and, with `segment_id`,
    the segment's too. Bad input is a DomainError at `prefix.field`."""
    condition = await member_condition(await validated(audience, prefix))
    if segment_id is None:
        return condition
    segment = await Segment.get_or_none(id=segment_id)
    if segment is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"{prefix}.segmentId")
    return Q(condition, await member_condition(filter_of(segment)))
