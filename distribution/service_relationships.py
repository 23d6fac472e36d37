"""The service relationship (SPEC 5.1): whose customer a member is (store, optionally guide).

Touches come from a guide's share link, a store QR scan, a guide or store manager signing the
member up in store (OFFLINE_SIGNUP) and transfers by a store manager or HQ. Every touch is kept
as a `ServiceTouch`; the relationship rows keep the history (valid_from, valid_to, reason, actor)
and the row in force has `valid_to` null.

Protection (`service.protection_days`): a touch replaces the relationship in force only if the
member has had neither a paid order served by the current holder nor a touch from them within
the last protection_days days. "The current holder" is the guide when the relationship has one,
else the store (any touch carrying that store counts, a touch by one of its guides included).
A touch from the current holder itself refreshes the protection and changes nothing else.
TRANSFER always replaces.

Changes to one member are serialised by a row lock on the member (`locked_member`), taken first
in each transaction: concurrent touches then cannot leave two relationships in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet, QuerySetSingle

from distribution.models import ServiceReason, ServiceRelationship, ServiceTouch
from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import AcquisitionChannel, Member, MemberStatus
from domain.members.phones import normalise_phone
from domain.orders.models import Order
from domain.org.models import Staff, StaffRole, StaffStatus, Store, StoreStatus
from domain.settings.service import get_setting

MAX_TRANSFER_IDS = 100
# Members moved per statement: keeps each IN list far below PostgreSQL's parameter limit.
TRANSFER_BATCH = 1000


@dataclass(frozen=True)
class Touch:
    store_id: int
    guide_id: int | None
    reason: ServiceReason
    actor: str


@dataclass(frozen=True)
class TouchResult:
    """The relationship in force after the touch; `replaced` when the touch made it."""

    relationship: ServiceRelationship
    replaced: bool


def relationships_in_force(member_id: int) -> QuerySet[ServiceRelationship]:
    """The member's relationships in force (at most one: a query to chain)."""
    return ServiceRelationship.filter(member_id=member_id, valid_to__isnull=True)


def relationship_in_force(member_id: int) -> QuerySetSingle[ServiceRelationship | None]:
    """The member's relationship in force (one query: await it)."""
    return relationships_in_force(member_id).first()


def members_served(store_id: int | None = None, guide_id: int | None = None) -> Subquery:
    """Ids of members whose relationship in force is to this store and/or guide, as a subquery
    for `id__in=` filters: a scoped page stays one SQL statement."""
    query = ServiceRelationship.filter(valid_to__isnull=True)
    if store_id is not None:
        query = query.filter(store_id=store_id)
    if guide_id is not None:
        query = query.filter(guide_id=guide_id)
    return Subquery(query.values("member_id"))


def relationship_history(member_id: int) -> QuerySet[ServiceRelationship]:
    return ServiceRelationship.filter(member_id=member_id)


async def locked_member(member_id: int) -> Member:
    """The active member, row-locked until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway). Must run inside the caller's transaction."""
    member = (
        await Member.filter(id=member_id, status=MemberStatus.ACTIVE).select_for_update().first()
    )
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "member")
    return member


async def _protected(member_id: int, current: ServiceRelationship, days: int) -> bool:
    if days <= 0:
        return False
    since = clock.now() - timedelta(days=days)
    if current.guide_id is not None:
        touches = Q(guide_id=current.guide_id)
        orders = Q(service_guide_id=current.guide_id)
    else:
        touches = Q(store_id=current.store_id)
        orders = Q(service_store_id=current.store_id)
    if await ServiceTouch.filter(touches, member_id=member_id, touched_at__gte=since).exists():
        return True
    return await Order.filter(orders, member_id=member_id, paid_at__gte=since).exists()


async def touch(member_id: int, incoming: Touch, protection_days: int) -> TouchResult:
    """Record the touch and apply the protection rule. The caller holds the member's lock
    (`locked_member`) in its transaction."""
    moment = clock.now()
    current = await relationship_in_force(member_id)
    same = (
        current is not None
        and current.store_id == incoming.store_id
        and current.guide_id == incoming.guide_id
    )
    replace = current is None or (
        not same
        and (
            incoming.reason == ServiceReason.TRANSFER
            or not await _protected(member_id, current, protection_days)
        )
    )
    await ServiceTouch.create(
        member_id=member_id,
        store_id=incoming.store_id,
        guide_id=incoming.guide_id,
        reason=incoming.reason,
        replaced=replace,
        touched_at=moment,
    )
    if not replace:
        assert current is not None
        return TouchResult(current, replaced=False)
    if current is not None:
        await ServiceRelationship.filter(id=current.id).update(valid_to=moment)
    made = await ServiceRelationship.create(
        member_id=member_id,
        store_id=incoming.store_id,
        guide_id=incoming.guide_id,
        reason=incoming.reason,
        actor=incoming.actor,
        valid_from=moment,
    )
    if current is not None:
        await events.publish(
            events.CustomersReassigned((member_id,), incoming.store_id, incoming.guide_id)
        )
    return TouchResult(made, replaced=True)


@dataclass(frozen=True)
class StoreVisit:
    store: Store
    touch: TouchResult


async def record_store_visit(
    member_id: int, store_id: int | None = None, code: str | None = None
) -> StoreVisit:
    """A store QR scan: the member → that store, no guide. The store is named by its id or by
    its code (the scene of the store's 小程序码, what the mini-program has after a scan):
    exactly one of the two; a closed store or an unknown code is NOT_FOUND."""
    if (store_id is None) == (code is None):
        raise DomainError(ErrorCode.INVALID, "code", "storeId or code, one of them")
    if code is not None:
        code = code.strip()
        store = (
            await Store.get_or_none(code=code, status=StoreStatus.ACTIVE)
            if 0 < len(code) <= 32
            else None
        )
        field = "code"
    else:
        store = await Store.get_or_none(id=store_id, status=StoreStatus.ACTIVE)
        field = "storeId"
    if store is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    async with transaction():
        await locked_member(member_id)
        result = await touch(
            member_id,
            Touch(store.id, None, ServiceReason.STORE_QR, f"member:{member_id}"),
            await get_setting("service.protection_days"),
        )
    return StoreVisit(store, result)


class SignUpOutcome(StrEnum):
    """What an in-store sign-up did, as the signing staff may learn it."""

    CREATED = "CREATED"  # no member had the phone: a new one, the caller's customer
    JOINED_THIS_STORE = "JOINED_THIS_STORE"  # the relationship moved to the caller
    ALREADY_OURS = "ALREADY_OURS"  # already served by the caller (a manager: by their store)
    KEPT_IN_THIS_STORE = "KEPT_IN_THIS_STORE"  # protected: a colleague or the store itself
    KEPT_BY_ANOTHER_STORE = "KEPT_BY_ANOTHER_STORE"  # protected: another store serves them


@dataclass(frozen=True)
class SignUp:
    """The outcome, and the member and relationship in force only when the member is now in
    the caller's scope (a guide: their own customers, a manager: their store's), the scope of
    admin `member(id:)`: a sign-up must not show more of another's customer than a lookup."""

    outcome: SignUpOutcome
    member: Member | None
    relationship: ServiceRelationship | None

    @property
    def created(self) -> bool:
        return self.outcome == SignUpOutcome.CREATED


def _in_scope(staff: Staff, relationship: ServiceRelationship) -> bool:
    if staff.role == StaffRole.GUIDE:
        return relationship.guide_id == staff.id
    return relationship.store_id == staff.store_id


def _sign_up_outcome(staff: Staff, created: bool, result: TouchResult) -> SignUpOutcome:
    if created:
        return SignUpOutcome.CREATED
    if _in_scope(staff, result.relationship):
        return SignUpOutcome.JOINED_THIS_STORE if result.replaced else SignUpOutcome.ALREADY_OURS
    if result.relationship.store_id == staff.store_id:
        return SignUpOutcome.KEPT_IN_THIS_STORE
    return SignUpOutcome.KEPT_BY_ANOTHER_STORE


async def sign_up_customer(staff: Staff, raw_phone: str) -> SignUp:
    """开卡 in store: the member with this phone, or a new one holding it, touched by the guide
    (a store manager: by the store only). The member later logs in with WeChat; binding the same
    phone then merges the two accounts (One-ID) and the relationship goes with the survivor.

    A phone that is someone else's customer is touched like any other touch (SPEC 5.1): the
    relationship moves only when it is not protected. The answer then says what happened and
    shows the member only if they are now the caller's to see: whoever types a phone number
    must not read another store's customer (their nickname, points, guide) through it."""
    if staff.role not in (StaffRole.GUIDE, StaffRole.STORE_MANAGER) or staff.store_id is None:
        raise DomainError(ErrorCode.STORE_REQUIRED, "staff")
    phone = normalise_phone(raw_phone)
    guide_id = staff.id if staff.role == StaffRole.GUIDE else None
    try:
        member, created, result = await _sign_up(
            staff.store_id, guide_id, phone, f"staff:{staff.id}"
        )
    except IntegrityError:
        # Someone created a member with this phone meanwhile: sign that one up.
        member, created, result = await _sign_up(
            staff.store_id, guide_id, phone, f"staff:{staff.id}"
        )
    outcome = _sign_up_outcome(staff, created, result)
    if not _in_scope(staff, result.relationship):
        return SignUp(outcome, None, None)
    return SignUp(outcome, member, result.relationship)


async def _sign_up(
    store_id: int, guide_id: int | None, phone: str, actor: str
) -> tuple[Member, bool, TouchResult]:
    async with transaction():
        member = await Member.get_or_none(phone=phone, status=MemberStatus.ACTIVE)
        created = member is None
        if member is None:
            moment = clock.now()
            member = await Member.create(
                phone=phone,
                source_channel=AcquisitionChannel.OFFLINE_SIGNUP,
                source_store_id=store_id,
                source_guide_id=guide_id,
                created_at=moment,
                updated_at=moment,
            )
        await locked_member(member.id)
        result = await touch(
            member.id,
            Touch(store_id, guide_id, ServiceReason.OFFLINE_SIGNUP, actor),
            await get_setting("service.protection_days"),
        )
        return member, created, result


@dataclass(frozen=True)
class Transfer:
    from_guide_id: int
    to_guide_id: int | None
    member_ids: tuple[int, ...] | None = None


async def transfer_customers(request: Transfer, store_scope: int | None, actor: str) -> int:
    """离职继承: the guide's customers (all, or the given subset) move to another guide of the
    same store or to the store itself. `store_scope` confines a store manager to their store;
    out of scope looks like not found. Returns how many relationships moved."""
    source = await Staff.get_or_none(id=request.from_guide_id, role=StaffRole.GUIDE)
    if source is None or source.store_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "fromGuideId")
    if store_scope is not None and source.store_id != store_scope:
        raise DomainError(ErrorCode.NOT_FOUND, "fromGuideId")
    if request.to_guide_id is not None:
        if request.to_guide_id == source.id:
            raise DomainError(ErrorCode.INVALID, "toGuideId")
        if not await Staff.exists(
            id=request.to_guide_id,
            role=StaffRole.GUIDE,
            store_id=source.store_id,
            status=StaffStatus.ACTIVE,
        ):
            raise DomainError(ErrorCode.NOT_FOUND, "toGuideId")
    subset = None
    if request.member_ids is not None:
        subset = sorted(set(request.member_ids))
        if not 1 <= len(subset) <= MAX_TRANSFER_IDS:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "memberIds", f"1..{MAX_TRANSFER_IDS}")
    target = Touch(source.store_id, request.to_guide_id, ServiceReason.TRANSFER, actor)
    async with transaction():
        return await _transfer(source.id, subset, target)


async def _transfer(from_guide_id: int, subset: list[int] | None, target: Touch) -> int:
    served = ServiceRelationship.filter(guide_id=from_guide_id, valid_to__isnull=True)
    if subset is not None:
        served = served.filter(member_id__in=subset)
    member_ids = sorted(await served.values_list("member_id", flat=True))
    if subset is not None and member_ids != subset:
        raise DomainError(ErrorCode.NOT_FOUND, "memberIds")
    moment = clock.now()
    moved = 0
    for start in range(0, len(member_ids), TRANSFER_BATCH):
        moved += await _transfer_batch(
            from_guide_id, member_ids[start : start + TRANSFER_BATCH], target, moment
        )
    if subset is not None and moved != len(subset):
        raise DomainError(ErrorCode.NOT_FOUND, "memberIds")
    return moved


async def _transfer_batch(
    from_guide_id: int, member_ids: list[int], target: Touch, moment: datetime
) -> int:
    # Lock in id order (two transfers cannot deadlock), then read what is in force now.
    await Member.filter(id__in=member_ids).order_by("id").only("id").select_for_update()
    rows = await ServiceRelationship.filter(
        guide_id=from_guide_id, valid_to__isnull=True, member_id__in=member_ids
    )
    if not rows:
        return 0
    await ServiceRelationship.filter(id__in=[r.id for r in rows]).update(valid_to=moment)
    await ServiceRelationship.bulk_create(
        [
            ServiceRelationship(
                member_id=r.member_id,
                store_id=target.store_id,
                guide_id=target.guide_id,
                reason=target.reason,
                actor=target.actor,
                valid_from=moment,
            )
            for r in rows
        ]
    )
    await ServiceTouch.bulk_create(
        [
            ServiceTouch(
                member_id=r.member_id,
                store_id=target.store_id,
                guide_id=target.guide_id,
                reason=target.reason,
                replaced=True,
                touched_at=moment,
            )
            for r in rows
        ]
    )
    await events.publish(
        events.CustomersReassigned(
            tuple(r.member_id for r in rows), target.store_id, target.guide_id
        )
    )
    return len(rows)
