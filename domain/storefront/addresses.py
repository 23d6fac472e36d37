"""The member's address book (SPEC 21): at most `MAX_ADDRESSES`, exactly one default once there
is any. The first address is the default; deleting the default makes the newest remaining one
the default. Changes run under the member's row lock, so the count and the single default hold
under concurrent requests. Checkout copies an address into the order (`for_order`): editing or
deleting it later never changes an order.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import clock, sql
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.phones import normalise_phone
from domain.sql import Sql
from domain.storefront.members import lock_member
from domain.storefront.models import Address
from domain.validation import clean_text

MAX_ADDRESSES = 20


@dataclass(frozen=True)
class AddressFields:
    name: str
    phone: str
    region: str
    detail: str


def cleaned(address: AddressFields, prefix: str = "") -> dict[str, str]:
    """The address as stored (an order's copy or a book entry): trimmed, bounded, the phone
    normalised as members' phones are. `prefix` leads each error's field (`address.`)."""
    return {
        "name": clean_text(address.name, f"{prefix}name", 32),
        "phone": normalise_phone(address.phone, f"{prefix}phone"),
        "region": clean_text(address.region, f"{prefix}region", 64),
        "detail": clean_text(address.detail, f"{prefix}detail", 200),
    }


async def book(member_id: int) -> list[Address]:
    """The default first, then the newest."""
    return list(await Address.filter(member_id=member_id).order_by("-is_default", "-id"))


async def _own(member_id: int, address_id: int) -> Address:
    found = await Address.get_or_none(id=address_id, member_id=member_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return found


async def create(member_id: int, fields: AddressFields, make_default: bool = False) -> Address:
    values = cleaned(fields)
    moment = clock.now()
    async with transaction():
        await lock_member(member_id)
        held = await Address.filter(member_id=member_id).count()
        if held >= MAX_ADDRESSES:
            raise DomainError(ErrorCode.ADDRESS_BOOK_FULL, None, f"max {MAX_ADDRESSES}")
        is_default = make_default or held == 0
        if is_default and held:
            await Address.filter(member_id=member_id, is_default=True).update(is_default=False)
        address = Address(
            member_id=member_id, is_default=is_default, created_at=moment, updated_at=moment
        )
        address.update_from_dict(values)
        await address.save()
        return address


async def update(member_id: int, address_id: int, fields: AddressFields) -> Address:
    values = cleaned(fields)
    address = await _own(member_id, address_id)
    address.update_from_dict({**values, "updated_at": clock.now()})
    await address.save(update_fields=[*values, "updated_at"])
    return address


async def delete(member_id: int, address_id: int) -> None:
    async with transaction():
        await lock_member(member_id)
        address = await _own(member_id, address_id)
        await Address.filter(id=address.id).delete()
        if address.is_default:
            newest = await Address.filter(member_id=member_id).order_by("-id").first()
            if newest is not None:
                await Address.filter(id=newest.id).update(is_default=True)


async def set_default(member_id: int, address_id: int) -> Address:
    async with transaction():
        await lock_member(member_id)
        address = await _own(member_id, address_id)
        await (
            Address.filter(member_id=member_id, is_default=True)
            .exclude(id=address.id)
            .update(is_default=False)
        )
        await Address.filter(id=address.id).update(is_default=True)
    address.is_default = True
    return address


_FOR_ORDER = Sql(
    "addresses.for_order",
    """SELECT a.name, a.phone, a.region, a.detail FROM member_address a
    WHERE a.id = :id AND a.member_id = :member_id""",
)


async def for_order(member_id: int, address_id: int) -> dict[str, str]:
    """The copy an order keeps of one of the member's addresses (checkout: one statement).
    Another member's address is NOT_FOUND, as a missing one."""
    row = await sql.fetch_one(_FOR_ORDER, id=address_id, member_id=member_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "addressId")
    return {key: row[key] for key in ("name", "phone", "region", "detail")}
