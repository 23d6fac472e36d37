"""Stores and staff administration. Store roles see only their own store."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.admin.nodes import StaffNode, StoreNode, staff_node, store_node
from api.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from api.auth.permissions import granted
from api.graphql.enums import StaffRoleEnum, StoreKindEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, optional_global_id
from api.graphql.relay import BY_ID, After, Connection, First, paginate
from domain.errors import DomainError, ErrorCode
from domain.org import service as org
from domain.org.models import Staff, Store


@strawberry.input
class CreateStoreInput:
    code: str = strawberry.field(description="Unique store code (门店编码), at most 32 characters.")
    name: str = strawberry.field(description="At most 64 characters.")
    kind: StoreKindEnum = strawberry.field(description="DIRECT (直营) or FRANCHISE (加盟).")
    region: str = strawberry.field(
        default="", description="Province and city, at most 64 characters."
    )
    address: str = strawberry.field(default="", description="At most 255 characters.")
    latitude: float | None = strawberry.field(
        default=None,
        description=(
            "Degrees, -90..90; with longitude or not at all (the shop's "
            "nearest-store list needs both)."
        ),
    )
    longitude: float | None = strawberry.field(
        default=None, description="Degrees, -180..180; with latitude or not at all."
    )


@strawberry.type
class StorePayload:
    store: StoreNode | None = None
    errors: list[UserError]


@strawberry.input
class CreateStaffInput:
    username: str = strawberry.field(
        description="Unique login name, at most 64 characters, stored lower-case."
    )
    password: str = strawberry.field(description="10 to 256 characters.")
    role: StaffRoleEnum = strawberry.field(
        description="The role; STORE_MANAGER and GUIDE need storeId."
    )
    store_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Store global ID; required for store roles."
    )
    display_name: str = strawberry.field(
        default="", description="Name shown to colleagues and customers, at most 64 characters."
    )


@strawberry.type
class StaffPayload:
    staff: StaffNode | None = None
    errors: list[UserError]


async def stores(info: Info, first: First = 20, after: After = None) -> Connection[StoreNode]:
    grant = await granted(info)
    queryset = Store.all()
    scope = grant.store_id
    if scope is not None:
        queryset = queryset.filter(id=scope)
    return await paginate(queryset, BY_ID, first, after, store_node)


async def staff_members(
    info: Info, first: First = 20, after: After = None
) -> Connection[StaffNode]:
    grant = await granted(info)
    queryset = Staff.all()
    scope = grant.store_id
    if scope is not None:
        queryset = queryset.filter(store_id=scope)
    return await paginate(queryset, BY_ID, first, after, staff_node)


async def create_store(
    info: Info,
    input: Annotated[CreateStoreInput, strawberry.argument(description="The new store.")],
) -> StorePayload:
    store = await org.create_store(
        code=input.code,
        name=input.name,
        kind=input.kind,
        region=input.region,
        address=input.address,
        latitude=input.latitude,
        longitude=input.longitude,
    )
    return StorePayload(store=store_node(store), errors=[])


async def create_staff(
    info: Info,
    input: Annotated[CreateStaffInput, strawberry.argument(description="The new staff account.")],
) -> StaffPayload:
    if not MIN_PASSWORD_LENGTH <= len(input.password) <= 256:
        raise DomainError(ErrorCode.WEAK_PASSWORD, "password")
    staff = await org.create_staff(
        username=input.username,
        password_hash=hash_password(input.password),
        role=input.role,
        store_id=optional_global_id(input.store_id, "Store", "storeId"),
        display_name=input.display_name,
    )
    return StaffPayload(staff=staff_node(staff), errors=[])


async def mark_staff_left(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="A Staff global ID (not one's own).")
    ],
) -> StaffPayload:
    """HQ_ADMIN for anyone, a store manager for their own store's guides only: a fellow
    manager (or anyone outside the store) is NOT_FOUND, as out of scope always is."""
    grant = await granted(info)
    staff_id = from_global_id(id, "Staff")
    if staff_id == grant.staff.id:
        raise DomainError(ErrorCode.INVALID_STATE, "id", "not yourself")
    staff = await org.mark_left(staff_id, grant.store_id, grant.role_in_reach)
    return StaffPayload(staff=staff_node(staff), errors=[])
