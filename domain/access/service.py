"""Refresh-token rotation with reuse detection, logout revocation and login throttling.

Token formats (JWT) are the API's business; this module keeps the server-side state.
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
from domain.sql import Sql

REFRESH_TTL = timedelta(days=30)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_MAX_FAILURES = 5


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
    """SELECT m.token_version,
    EXISTS (SELECT 1 FROM revoked_access_token r WHERE r.jti = :jti) AS revoked
    FROM member m WHERE m.id = :member_id AND m.status = :active"""
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


async def is_locked(username: str, ip: str) -> bool:
    since = clock.now() - THROTTLE_WINDOW
    failures = await LoginFailure.filter(username=username, ip=ip, failed_at__gt=since).count()
    return failures >= THROTTLE_MAX_FAILURES


async def record_failure(username: str, ip: str) -> None:
    await LoginFailure.create(username=username, ip=ip, failed_at=clock.now())


async def clear_failures(username: str, ip: str) -> None:
    await LoginFailure.filter(username=username, ip=ip).delete()
