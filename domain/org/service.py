"""Creating stores and staff. Passwords arrive already hashed: hashing is the API's job.

A new staff member (`StaffJoined`) and one leaving (`StaffLeft`) are published in the same
transaction: distribution makes every guide a distributor at once (SPEC 6) and stops a leaving
guide's earning."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.org.models import STORE_ROLES, Staff, StaffRole, StaffStatus, Store, StoreKind
from domain.validation import clean_text


async def create_store(
    *,
    code: str,
    name: str,
    kind: StoreKind,
    region: str = "",
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Store:
    code = clean_text(code, "code", 32)
    name = clean_text(name, "name", 64)
    region = clean_text(region, "region", 64, required=False)
    address = clean_text(address, "address", 255, required=False)
    if (latitude is None) != (longitude is None):
        raise DomainError(ErrorCode.REQUIRED, "latitude" if latitude is None else "longitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "longitude")
    try:
        async with transaction():
            return await Store.create(
                code=code,
                name=name,
                kind=kind,
                region=region,
                address=address,
                latitude=latitude,
                longitude=longitude,
                created_at=clock.now(),
            )
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "code") from None


async def create_staff(
    *,
    username: str,
    password_hash: str,
    role: StaffRole,
    store_id: int | None,
    display_name: str = "",
) -> Staff:
    username = clean_text(username, "username", 64).lower()
    display_name = clean_text(display_name, "displayName", 64, required=False)
    if role in STORE_ROLES and store_id is None:
        raise DomainError(ErrorCode.STORE_REQUIRED, "storeId")
    if role not in STORE_ROLES:
        store_id = None
    if store_id is not None and not await Store.exists(id=store_id):
        raise DomainError(ErrorCode.NOT_FOUND, "storeId")
    try:
        async with transaction():
            staff = await Staff.create(
                username=username,
                display_name=display_name,
                password_hash=password_hash,
                role=role,
                store_id=store_id,
                created_at=clock.now(),
            )
            await events.publish(events.StaffJoined(staff))
            return staff
    except IntegrityError:
        raise DomainError(ErrorCode.DUPLICATE, "username") from None


async def change_password_hash(staff_id: int, password_hash: str) -> None:
    """A new password ends every session: the token version moves on."""
    await Staff.filter(id=staff_id).update(
        password_hash=password_hash, token_version=F("token_version") + 1
    )


async def mark_left(staff_id: int, store_id: int | None, role: StaffRole | None = None) -> Staff:
    """A staff member leaves: status LEFT and every token dead. Their customers are transferred
    separately (离职继承); commission already earned stays theirs. `store_id` and `role` confine
    the caller's reach (a store manager: their store's guides); anyone beyond it is NOT_FOUND."""
    async with transaction():
        query = Staff.filter(id=staff_id, status=StaffStatus.ACTIVE)
        if store_id is not None:
            query = query.filter(store_id=store_id)
        if role is not None:
            query = query.filter(role=role)
        changed = await query.update(status=StaffStatus.LEFT, token_version=F("token_version") + 1)
        if not changed:
            raise DomainError(ErrorCode.NOT_FOUND, "id")
        await events.publish(events.StaffLeft(staff_id))
        return await Staff.get(id=staff_id)
