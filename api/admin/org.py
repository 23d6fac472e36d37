"""Stores and staff administration. Store roles see only their own store."""

from __future__ import annotations

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
    code: str
    name: str
    kind: StoreKindEnum
    region: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


@strawberry.type
class StorePayload:
    store: StoreNode | None = None
    errors: list[UserError]


@strawberry.input
class CreateStaffInput:
    username: str
    password: str
    role: StaffRoleEnum
    store_id: strawberry.ID | None = None
    display_name: str = ""


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


async def create_store(info: Info, input: CreateStoreInput) -> StorePayload:
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


async def create_staff(info: Info, input: CreateStaffInput) -> StaffPayload:
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


async def mark_staff_left(info: Info, id: strawberry.ID) -> StaffPayload:
    """HQ_ADMIN for anyone, a store manager for their own store's guides only: a fellow
    manager (or anyone outside the store) is NOT_FOUND, as out of scope always is."""
    grant = await granted(info)
    staff_id = from_global_id(id, "Staff")
    if staff_id == grant.staff.id:
        raise DomainError(ErrorCode.INVALID_STATE, "id", "not yourself")
    staff = await org.mark_left(staff_id, grant.store_id, grant.role_in_reach)
    return StaffPayload(staff=staff_node(staff), errors=[])
