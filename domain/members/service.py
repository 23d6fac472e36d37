"""Members: finding or creating them on login, profiles, and the One-ID merge on phone binding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import (
    AcquisitionChannel,
    Gender,
    Member,
    MemberIdentity,
    MemberMerge,
    MemberStatus,
)
from domain.members.phones import normalise_phone
from domain.orders.models import Order
from domain.org.models import Store, StoreStatus
from domain.storefront import merging as storefront_merging
from domain.validation import clean_text, https_url


@dataclass(frozen=True)
class Identity:
    """What a login provider vouches for."""

    provider: str
    app_id: str
    openid: str
    unionid: str | None = None


@dataclass(frozen=True)
class FirstTouch:
    """Where a new member came from, recorded once at creation (channel cohort reports)."""

    channel: AcquisitionChannel = AcquisitionChannel.MINI_PROGRAM
    store_id: int | None = None
    guide_id: int | None = None
    distributor_id: int | None = None
    share_code: str | None = None
    campaign: str | None = None


# What a member may say about how they arrived. OFFLINE_SIGNUP is an in-store sign-up (开卡,
# a store KPI) that only staff record (signUpCustomer): a member claiming it is refused.
MEMBER_CHANNELS = frozenset(
    {
        AcquisitionChannel.MINI_PROGRAM,
        AcquisitionChannel.SHARE_LINK,
        AcquisitionChannel.STORE_QR,
        AcquisitionChannel.CAMPAIGN,
    }
)
CAMPAIGN_MAX_LENGTH = 64


async def claimed_first_touch(
    channel: AcquisitionChannel, store_id: int | None, campaign: str | None
) -> FirstTouch:
    """The first touch a member's own login claims (the mini-program reads it from the scene it
    was opened with), checked before anything is created: a channel only staff record, a store
    that is unknown or closed, a store or campaign that the channel does not carry, or a
    campaign name too long is a clear error, never silently dropped or cut. A store comes only
    with STORE_QR (a first-touch store counts as that store's new member), a campaign only with
    CAMPAIGN; guides and distributors are never claimed (they come from a share link's visit)."""
    if channel not in MEMBER_CHANNELS:
        raise DomainError(ErrorCode.CHANNEL_NOT_ALLOWED, "firstTouch.channel")
    if channel == AcquisitionChannel.STORE_QR:
        if store_id is None:
            raise DomainError(ErrorCode.REQUIRED, "firstTouch.storeId")
        if not await Store.exists(id=store_id, status=StoreStatus.ACTIVE):
            raise DomainError(ErrorCode.NOT_FOUND, "firstTouch.storeId")
    elif store_id is not None:
        raise DomainError(ErrorCode.INVALID, "firstTouch.storeId", "only with STORE_QR")
    name = None
    if channel == AcquisitionChannel.CAMPAIGN:
        name = clean_text(campaign or "", "firstTouch.campaign", CAMPAIGN_MAX_LENGTH)
    elif campaign is not None:
        raise DomainError(ErrorCode.INVALID, "firstTouch.campaign", "only with CAMPAIGN")
    return FirstTouch(channel=channel, store_id=store_id, campaign=name)


@dataclass(frozen=True)
class LoginResult:
    member: Member
    created: bool


async def login_with_identity(identity: Identity, touch: FirstTouch | None = None) -> LoginResult:
    """Known identity → its member; same unionid → attach to that member; else a new member."""
    known = await MemberIdentity.get_or_none(
        provider=identity.provider, app_id=identity.app_id, openid=identity.openid
    ).select_related("member")
    if known is not None:
        return LoginResult(known.member, created=False)
    try:
        async with transaction():
            return await _attach_or_create(identity, touch or FirstTouch())
    except IntegrityError:
        # A concurrent login created the same identity first: use theirs.
        known = await MemberIdentity.get(
            provider=identity.provider, app_id=identity.app_id, openid=identity.openid
        ).select_related("member")
        return LoginResult(known.member, created=False)


async def _attach_or_create(identity: Identity, touch: FirstTouch) -> LoginResult:
    moment = clock.now()
    member = None
    if identity.unionid:
        sibling = await MemberIdentity.filter(unionid=identity.unionid).order_by("id").first()
        if sibling is not None:
            member = await Member.get(id=sibling.member_id)
    created = member is None
    if member is None:
        member = await Member.create(
            source_channel=touch.channel,
            source_store_id=touch.store_id,
            source_guide_id=touch.guide_id,
            source_distributor_id=touch.distributor_id,
            source_share_code=touch.share_code,
            source_campaign=touch.campaign,
            created_at=moment,
            updated_at=moment,
        )
        await events.publish(events.MemberJoined(member.id))
    await MemberIdentity.create(
        member=member,
        provider=identity.provider,
        app_id=identity.app_id,
        openid=identity.openid,
        unionid=identity.unionid,
        created_at=moment,
    )
    return LoginResult(member, created=created)


async def active_member(member_id: int) -> Member:
    member = await Member.get_or_none(id=member_id, status=MemberStatus.ACTIVE)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "member")
    return member


@dataclass(frozen=True)
class PhoneBinding:
    member: Member
    merged: bool


async def bind_phone(member_id: int, raw_phone: str, actor: str) -> PhoneBinding:
    """Give the member a verified phone; if another member has it, merge the two (One-ID).

    The older member survives; the result's member may therefore not be the caller.
    """
    phone = normalise_phone(raw_phone)
    async with transaction():
        member = await active_member(member_id)
        holder = await Member.get_or_none(phone=phone)
        if holder is None or holder.id == member.id:
            member.phone = phone
            member.updated_at = clock.now()
            await member.save(update_fields=["phone", "updated_at"])
            return PhoneBinding(member, merged=False)
        survivor, absorbed = sorted((member, holder), key=lambda m: (m.created_at, m.id))
        return PhoneBinding(await merge_members(survivor, absorbed, actor, phone), merged=True)


async def merge_members(survivor: Member, absorbed: Member, actor: str, phone: str) -> Member:
    """Move everything of `absorbed` to `survivor`; other areas move theirs via `MemberMerged`.

    Must run inside the caller's transaction.
    """
    moment = clock.now()
    counts = {
        "identities": await MemberIdentity.filter(member_id=absorbed.id).update(
            member_id=survivor.id
        ),
        "orders": await _move_orders(absorbed.id, survivor.id),
    }
    # The record names what moved; handlers of other areas add their own non-zero counts.
    moved = {name: count for name, count in counts.items() if count}
    moved.update(await storefront_merging.move_belongings(survivor.id, absorbed.id))
    event = events.MemberMerged(survivor_id=survivor.id, absorbed_id=absorbed.id, moved=moved)
    await events.publish(event)
    await Member.filter(id=absorbed.id).update(
        phone=None,
        status=MemberStatus.MERGED,
        merged_into_id=survivor.id,
        token_version=F("token_version") + 1,
        updated_at=moment,
    )
    survivor.phone = phone
    survivor.updated_at = moment
    await survivor.save(update_fields=["phone", "updated_at"])
    await MemberMerge.create(
        survivor=survivor, absorbed=absorbed, actor=actor, moved=moved, created_at=moment
    )
    return survivor


async def _move_orders(absorbed_id: int, survivor_id: int) -> int:
    """Orders follow the person. Idempotency keys are per member, so a key both used is kept
    unique by prefixing the absorbed member's copy."""
    survivor_keys = await Order.filter(member_id=survivor_id).values_list(
        "idempotency_key", flat=True
    )
    for order in await Order.filter(member_id=absorbed_id, idempotency_key__in=survivor_keys):
        order.idempotency_key = f"m{absorbed_id}:{order.idempotency_key}"[:64]
        await order.save(update_fields=["idempotency_key"])
    return await Order.filter(member_id=absorbed_id).update(member_id=survivor_id)


@dataclass(frozen=True)
class ProfileChange:
    """Fields left as None are not changed."""

    nickname: str | None = None
    avatar_url: str | None = None
    gender: Gender | None = None
    birthday: date | None = None
    region: str | None = None


async def update_profile(member_id: int, change: ProfileChange) -> Member:
    updates: dict[str, object] = {}
    if change.nickname is not None:
        updates["nickname"] = clean_text(change.nickname, "nickname", 64)
    if change.avatar_url is not None:
        updates["avatar_url"] = https_url(change.avatar_url, "avatarUrl", required=False)
    if change.gender is not None:
        updates["gender"] = change.gender
    if change.birthday is not None:
        if change.birthday > clock.to_shanghai(clock.now()).date():
            raise DomainError(ErrorCode.OUT_OF_RANGE, "birthday")
        updates["birthday"] = change.birthday
    if change.region is not None:
        updates["region"] = clean_text(change.region, "region", 64, required=False)
    async with transaction():
        member = await active_member(member_id)
        if updates:
            updates["updated_at"] = clock.now()
            await Member.filter(id=member.id).update(**updates)
            await member.refresh_from_db()
        return member
