"""Manual tags (SPEC 9.4): HQ defines them; staff put them on the members they may see (HQ any
member, a store manager their store's customers, a guide their own). A member out of the
caller's reach is NOT_FOUND, exactly like a member who does not exist."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.members.queries import MemberScope
from domain.validation import clean_text
from loyalty.audience.models import MemberTag, Tag


async def create_tag(name: str, actor: str) -> Tag:
    name = clean_text(name, "name", 32)
    try:
        async with transaction():
            return await Tag.create(name=name, created_by=actor, created_at=clock.now())
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "name") from None


async def _reachable(reach: MemberScope, member_id: int) -> None:
    """Staff tag the members they may see (`MemberScope`); anyone else is NOT_FOUND."""
    members = reach.narrow(Member.filter(id=member_id, status=MemberStatus.ACTIVE))
    if not await members.exists():
        raise DomainError(ErrorCode.NOT_FOUND, "memberId")


async def _tag(tag_id: int) -> Tag:
    tag = await Tag.get_or_none(id=tag_id)
    if tag is None:
        raise DomainError(ErrorCode.UNKNOWN_TAG, "tagId")
    return tag


async def add_member_tag(reach: MemberScope, member_id: int, tag_id: int, actor: str) -> Tag:
    """Idempotent: tagging twice (or twice at once) leaves one tag."""
    await _reachable(reach, member_id)
    tag = await _tag(tag_id)
    try:
        async with transaction():
            await MemberTag.create(
                member_id=member_id, tag_id=tag.id, added_by=actor, added_at=clock.now()
            )
    except IntegrityError:
        pass  # already tagged
    return tag


async def remove_member_tag(reach: MemberScope, member_id: int, tag_id: int) -> Tag:
    """Idempotent: removing a tag the member does not have changes nothing."""
    await _reachable(reach, member_id)
    tag = await _tag(tag_id)
    await MemberTag.filter(member_id=member_id, tag_id=tag.id).delete()
    return tag
