"""Who is calling: resolved lazily from the bearer token, once per request.

Anonymous requests cost no SQL. A token is checked for signature, audience, expiry, its
subject's current token version and logout revocation; any failure means "not authenticated".
The version and the revocation are read in one statement (a subquery): this runs on every
authenticated request, so the member's is hand-written SQL (`domain.sql`).
"""

from __future__ import annotations

from dataclasses import dataclass

from api.auth.tokens import ADMIN, SHOP, AccessClaims, InvalidToken, TokenService
from domain.access.service import member_token_state, revocation_of
from domain.org.models import Staff, StaffStatus


@dataclass(frozen=True)
class Viewer:
    claims: AccessClaims | None = None
    member_id: int | None = None
    staff: Staff | None = None

    @property
    def authenticated(self) -> bool:
        return self.claims is not None


ANONYMOUS = Viewer()


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def resolve_viewer(token: str | None, audience: str, tokens: TokenService) -> Viewer:
    if token is None:
        return ANONYMOUS
    try:
        claims = tokens.verify(token, audience)
    except InvalidToken:
        return ANONYMOUS
    if audience == SHOP:
        state = await member_token_state(claims.subject_id, claims.jti)
        if state is None or state != (claims.version, False):
            return ANONYMOUS
        return Viewer(claims=claims, member_id=claims.subject_id)
    assert audience == ADMIN
    staff = (
        await Staff.filter(id=claims.subject_id, status=StaffStatus.ACTIVE)
        .annotate(revoked=revocation_of(claims.jti))
        .first()
    )
    if staff is None or staff.token_version != claims.version or staff.revoked is not None:
        return ANONYMOUS
    return Viewer(claims=claims, staff=staff)
