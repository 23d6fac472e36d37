"""Refresh-token rotation with reuse detection, logout revocation and login throttling.

Token formats (JWT) are the API's business; this module keeps the server-side state.

Staff login throttling keeps one row per attempt that has not (yet) succeeded, for a (username,
client address) pair. Two limits, both sliding windows: 5 failures of one pair within 15
minutes lock that pair, and 20 failures of one username within an hour lock the username from
every address, so spreading guesses over many addresses buys at most 20 an hour. Unknown
usernames are throttled exactly like real ones.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Subquery

from domain import clock, sql
from domain.access.models import LoginFailure, RefreshToken, RevokedAccessToken
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import MemberStatus
from domain.org.models import Staff, StaffStatus
from domain.sql import Sql

REFRESH_TTL = timedelta(days=30)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_MAX_FAILURES = 5
USERNAME_THROTTLE_WINDOW = timedelta(hours=1)
USERNAME_THROTTLE_MAX_FAILURES = 20


def _digest(token: str) -> str:
    # surrogatepass: a client's token with a lone surrogate hashes (to no stored token).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class IssuedRefresh:
    token: str
    subject_id: int
    audience: str


async def issue_refresh(audience: str, subject_id: int, family: str | None = None) -> IssuedRefresh:
    token = secrets.token_urlsafe(32)
    moment = clock.now()
    await RefreshToken.create(
        token_hash=_digest(token),
        family=family or secrets.token_hex(16),
        audience=audience,
        subject_id=subject_id,
        expires_at=moment + REFRESH_TTL,
        created_at=moment,
    )
    return IssuedRefresh(token, subject_id, audience)


async def rotate_refresh(token: str, audience: str) -> IssuedRefresh:
    """Spend a refresh token for a new one of the same family.

    A token that was already rotated is a stolen copy or a replay: the whole family is revoked.
    The compare-and-set on `rotated_at` makes two concurrent uses count as one use and one reuse.
    """
    moment = clock.now()
    row = await RefreshToken.get_or_none(token_hash=_digest(token), audience=audience)
    if row is None or row.revoked_at is not None or row.expires_at <= moment:
        raise DomainError(ErrorCode.INVALID_REFRESH_TOKEN, "refreshToken")
    async with transaction():
        claimed = await RefreshToken.filter(id=row.id, rotated_at__isnull=True).update(
            rotated_at=moment
        )
        if not claimed:
            await revoke_family(row.family)
        else:
            return await issue_refresh(audience, row.subject_id, row.family)
    raise DomainError(ErrorCode.INVALID_REFRESH_TOKEN, "refreshToken")


async def revoke_family(family: str) -> None:
    await RefreshToken.filter(family=family, revoked_at__isnull=True).update(revoked_at=clock.now())


async def logout(refresh_token: str | None, access_jti: str, access_expires_at, audience: str):
    """End this session: its refresh family and the access token in hand."""
    async with transaction():
        if refresh_token:
            row = await RefreshToken.get_or_none(
                token_hash=_digest(refresh_token), audience=audience
            )
            if row is not None:
                await revoke_family(row.family)
        await RevokedAccessToken.get_or_create(
            jti=access_jti, defaults={"expires_at": access_expires_at}
        )


_MEMBER_TOKEN_STATE = Sql(
    "access.member_token_state",
    """SELECT m.token_version,
    EXISTS (SELECT 1 FROM revoked_access_token r WHERE r.jti = :jti) AS revoked
    FROM member m WHERE m.id = :member_id AND m.status = :active""",
)


async def member_token_state(member_id: int, jti: str) -> tuple[int, bool] | None:
    """An active member's token version and whether token `jti` was revoked, in one
    hand-written statement (it runs on every authenticated shop request); None when the member
    is missing or not active."""
    row = await sql.fetch_one(
        _MEMBER_TOKEN_STATE, member_id=member_id, jti=jti, active=MemberStatus.ACTIVE
    )
    return None if row is None else (row["token_version"], bool(row["revoked"]))


def revocation_of(jti: str) -> Subquery:
    """The revoked token's jti or NULL, as a subquery to annotate the token subject's row with,
    so the version check and the revocation check cost one statement."""
    return Subquery(RevokedAccessToken.filter(jti=jti).limit(1).values("jti"))


async def revoke_all_refresh(audience: str, subject_id: int) -> None:
    await RefreshToken.filter(
        audience=audience, subject_id=subject_id, revoked_at__isnull=True
    ).update(revoked_at=clock.now())


@dataclass(frozen=True)
class LoginAttempt:
    """The active staff member of a username (None when there is none) and whether this attempt
    may be judged at all; a locked attempt must be answered like a wrong password."""

    staff: Staff | None
    allowed: bool


async def claim_login_attempt(username: str, ip: str) -> LoginAttempt:
    """Decide whether (username, ip) is locked and, when it is not, record this attempt as a
    failure before the password is checked: `clear_failures` takes it back on success.

    One transaction that locks the staff row first, so concurrent guesses on one account are
    counted one after another and no more than the limit are ever checked, however many
    arrive at once. (Unknown usernames have no row to lock; guessing them gains nothing.)
    The password check itself (argon2, slow on purpose) runs outside the transaction.
    """
    moment = clock.now()
    async with transaction():
        staff = (
            await Staff.filter(username=username, status=StaffStatus.ACTIVE)
            .select_for_update()
            .first()
        )
        recent = await LoginFailure.filter(
            username=username, failed_at__gt=moment - USERNAME_THROTTLE_WINDOW
        ).values_list("ip", "failed_at")
        pair_since = moment - THROTTLE_WINDOW
        pair_failures = sum(1 for address, at in recent if address == ip and at > pair_since)
        if pair_failures >= THROTTLE_MAX_FAILURES or len(recent) >= USERNAME_THROTTLE_MAX_FAILURES:
            return LoginAttempt(staff, allowed=False)
        await LoginFailure.create(username=username, ip=ip, failed_at=moment)
    return LoginAttempt(staff, allowed=True)


async def clear_failures(username: str, ip: str) -> None:
    """A successful login forgets its pair's failures (not the username's from elsewhere)."""
    await LoginFailure.filter(username=username, ip=ip).delete()
