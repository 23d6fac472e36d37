"""The role matrix of SPEC 13 as helpers used at root fields. Out of scope looks like not found."""

from __future__ import annotations

from strawberry.types import Info

from api.graphql.errors import Forbidden, Unauthenticated
from domain.org.models import Staff, StaffRole

HQ_ROLES = frozenset({StaffRole.HQ_ADMIN, StaffRole.HQ_FINANCE, StaffRole.HQ_OPERATOR})
ALL_STAFF = frozenset(StaffRole)
CATALOG = frozenset({StaffRole.HQ_ADMIN, StaffRole.HQ_OPERATOR})
SETTINGS = CATALOG
STAFF_ADMIN = frozenset({StaffRole.HQ_ADMIN})
MEMBER_VIEWERS = frozenset(
    {StaffRole.HQ_ADMIN, StaffRole.HQ_OPERATOR, StaffRole.STORE_MANAGER, StaffRole.GUIDE}
)


async def require_member(info: Info) -> int:
    viewer = await info.context.viewer()
    if viewer.member_id is None:
        raise Unauthenticated()
    return viewer.member_id


async def optional_member(info: Info) -> int | None:
    return (await info.context.viewer()).member_id


async def require_staff(info: Info, roles: frozenset[StaffRole] = ALL_STAFF) -> Staff:
    viewer = await info.context.viewer()
    if viewer.staff is None:
        raise Unauthenticated()
    if viewer.staff.role not in roles:
        raise Forbidden()
    return viewer.staff


def sees_full_phone(staff: Staff) -> bool:
    """Phones are personal data: only HQ_ADMIN sees them unmasked."""
    return staff.role == StaffRole.HQ_ADMIN


def store_scope(staff: Staff) -> int | None:
    """The one store a store role is confined to; None for HQ roles (every store)."""
    return None if staff.role in HQ_ROLES else staff.store_id


REPORT_VIEWERS = frozenset({StaffRole.HQ_ADMIN, StaffRole.HQ_OPERATOR, StaffRole.STORE_MANAGER})
COMMISSION_REPORT_VIEWERS = REPORT_VIEWERS | {StaffRole.HQ_FINANCE}
TARGET_SETTERS = CATALOG


class OutOfScope(Exception):
    """A store role asked about another store: the answer is empty, as if it did not exist."""


def report_store(staff: Staff, requested: int | None) -> int | None:
    """The store a report is confined to: HQ's optional choice, or a store role's own store."""
    own = store_scope(staff)
    if own is None:
        return requested
    if requested is not None and requested != own:
        raise OutOfScope()
    return own
