"""Taking turns per member: the limits of a member's belongings (100 cart lines, 20
addresses, one default address) are checked and written under the member's row lock, so two
requests at once cannot both pass a count."""

from __future__ import annotations

from domain.errors import DomainError, ErrorCode
from domain.members.models import Member


async def lock_member(member_id: int) -> None:
    """Lock the member's row until the caller's transaction ends (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite has one writer at a time anyway)."""
    found = await Member.filter(id=member_id).only("id").select_for_update().first()
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "memberId")
