"""Login, refresh and logout for both audiences: the token side of SPEC 13."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from api.auth.passwords import verify_password
from api.auth.providers import LoginProvider
from api.auth.tokens import ADMIN, SHOP, AccessClaims, TokenService
from domain.access import service as access
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.members.service import FirstTouch, LoginResult, login_with_identity
from domain.org.models import Staff, StaffStatus
from domain.validation import clean_text


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str


async def issue_pair(
    tokens: TokenService, audience: str, subject_id: int, version: int, family: str | None = None
) -> TokenPair:
    access_token = tokens.issue(audience, subject_id, version)
    refresh = await access.issue_refresh(audience, subject_id, family)
    return TokenPair(access_token.token, access_token.expires_at, refresh.token)


async def member_login(
    tokens: TokenService, provider: LoginProvider, code: str, touch: FirstTouch | None
) -> tuple[LoginResult, TokenPair]:
    identity = await provider.identity_for(code)
    result = await login_with_identity(identity, touch)
    member = result.member
    if member.status != MemberStatus.ACTIVE:
        # Identities move to the survivor on merge, so this is only a race with a merge.
        raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")
    return result, await issue_pair(tokens, SHOP, member.id, member.token_version)


async def staff_login(
    tokens: TokenService, username: str, password: str, ip: str
) -> tuple[Staff, TokenPair]:
    """Same answer, and one password verification, for a locked account, an unknown user and a
    wrong password: a locked account with the right password tells a guesser nothing either.
    Throttling (per pair and per username) is domain.access's `claim_login_attempt`; `ip` is
    the client as api/clients.py determines it."""
    key = clean_text(username, "username", 64).lower()
    attempt = await access.claim_login_attempt(key, ip)
    staff = attempt.staff
    matches = verify_password(staff.password_hash if staff else None, password)
    if not (attempt.allowed and matches) or staff is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS)
    await access.clear_failures(key, ip)
    return staff, await issue_pair(tokens, ADMIN, staff.id, staff.token_version)


async def refresh(tokens: TokenService, audience: str, refresh_token: str) -> TokenPair:
    """Rotate the refresh token and mint a new access token for its (still active) subject."""
    rotated = await access.rotate_refresh(refresh_token, audience)
    version = await _current_version(audience, rotated.subject_id)
    if version is None:
        raise DomainError(ErrorCode.INVALID_REFRESH_TOKEN, "refreshToken")
    access_token = tokens.issue(audience, rotated.subject_id, version)
    return TokenPair(access_token.token, access_token.expires_at, rotated.token)


async def _current_version(audience: str, subject_id: int) -> int | None:
    if audience == SHOP:
        query = Member.filter(id=subject_id, status=MemberStatus.ACTIVE)
    else:
        query = Staff.filter(id=subject_id, status=StaffStatus.ACTIVE)
    return await query.first().values_list("token_version", flat=True)


async def logout(claims: AccessClaims, refresh_token: str | None) -> None:
    await access.logout(refresh_token, claims.jti, claims.expires_at, claims.audience)
