"""Admin-only GraphQL types for org and members (never part of the shop schema)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from api.admin.audience_nodes import MemberAudienceNode, audience_loader
from api.admin.loyalty_nodes import MemberLoyaltyNode, member_loyalty_loader
from api.graphql.enums import (
    AcquisitionChannelEnum,
    GenderEnum,
    StaffRoleEnum,
    StaffStatusEnum,
    StoreKindEnum,
    StoreStatusEnum,
)
from api.graphql.ids import to_global_id
from api.graphql.loaders import store_loader
from domain.members.models import Member
from domain.members.phones import mask_phone
from domain.org.models import Staff, Store


@strawberry.type(name="Store", description="A store (门店).")
class StoreNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Store).")
    code: str = strawberry.field(description="Unique store code.")
    name: str
    kind: StoreKindEnum
    status: StoreStatusEnum
    region: str
    address: str
    latitude: float | None
    longitude: float | None
    created_at: datetime


def store_node(store: Store) -> StoreNode:
    return StoreNode(
        id=strawberry.ID(to_global_id("Store", store.id)),
        code=store.code,
        name=store.name,
        kind=store.kind,
        status=store.status,
        region=store.region,
        address=store.address,
        latitude=store.latitude,
        longitude=store.longitude,
        created_at=store.created_at,
    )


@strawberry.type(name="Staff", description="A staff account (员工).")
class StaffNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Staff).")
    username: str
    display_name: str
    role: StaffRoleEnum
    status: StaffStatusEnum
    store_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the Store of a store role; null for HQ roles."
    )
    created_at: datetime


def staff_node(staff: Staff) -> StaffNode:
    return StaffNode(
        id=strawberry.ID(to_global_id("Staff", staff.id)),
        username=staff.username,
        display_name=staff.display_name,
        role=staff.role,
        status=staff.status,
        store_id=strawberry.ID(to_global_id("Store", staff.store_id)) if staff.store_id else None,
        created_at=staff.created_at,
    )


@strawberry.type(name="Member", description="A member (会员) as staff see them.")
class MemberNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Member).")
    nickname: str
    avatar_url: str
    gender: GenderEnum
    birthday: date | None
    region: str
    phone: str | None = strawberry.field(description="Masked (138****1234) for all but HQ_ADMIN.")
    source_channel: AcquisitionChannelEnum = strawberry.field(
        description="First-touch channel (首次来源), fixed at creation."
    )
    source_campaign: str | None = strawberry.field(
        description="First-touch campaign, for CAMPAIGN."
    )
    created_at: datetime
    source_store_pk: strawberry.Private[int | None]
    pk: strawberry.Private[int]

    @strawberry.field(description="Lifecycle, value, KOC candidacy and manual tags.")
    async def audience(self, info: Info) -> MemberAudienceNode:
        return await audience_loader(info).load(self.pk)

    @strawberry.field(description="Tier, growth and points balance.")
    async def loyalty(self, info: Info) -> MemberLoyaltyNode:
        return await member_loyalty_loader(info).load(self.pk)

    @strawberry.field(description="The store of first touch.")
    async def source_store(self, info: Info) -> StoreNode | None:
        if self.source_store_pk is None:
            return None
        store = await store_loader(info).load(self.source_store_pk)
        return store_node(store) if store else None


def member_node(member: Member, full_phone: bool) -> MemberNode:
    return MemberNode(
        id=strawberry.ID(to_global_id("Member", member.id)),
        nickname=member.nickname,
        avatar_url=member.avatar_url,
        gender=member.gender,
        birthday=member.birthday,
        region=member.region,
        phone=member.phone if full_phone else mask_phone(member.phone),
        source_channel=member.source_channel,
        source_store_pk=member.source_store_id,
        source_campaign=member.source_campaign,
        created_at=member.created_at,
        pk=member.id,
    )
