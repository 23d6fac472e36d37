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
from domain.money import BP_SCALE
from domain.org.models import Staff, StaffStatus
from loyalty.tiers import member_session_pricing, price_keep_bp_and_catalog_version


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


def _claims(token: str | None, audience: str, tokens: TokenService) -> AccessClaims | None:
    if token is None:
        return None
    try:
        return tokens.verify(token, audience)
    except InvalidToken:
        return None


async def resolve_shop_viewer_with_pricing(
    token: str | None, tokens: TokenService
) -> tuple[Viewer, int, int]:
    """The shop viewer (checked as `resolve_viewer` does), their price share and the catalog
    version: a member's in one statement, what a member's cached catalog read costs."""
    claims = _claims(token, SHOP, tokens)
    pricing = (
        None if claims is None else await member_session_pricing(claims.subject_id, claims.jti)
    )
    if pricing is None:
        keep_bp, version = await price_keep_bp_and_catalog_version(None)
        return ANONYMOUS, keep_bp, version
    assert claims is not None  # pricing is read for a token only
    if (pricing.token_version, pricing.revoked) != (claims.version, False):
        return ANONYMOUS, BP_SCALE, pricing.catalog_version
    viewer = Viewer(claims=claims, member_id=claims.subject_id)
    return viewer, pricing.keep_bp, pricing.catalog_version


async def resolve_viewer(token: str | None, audience: str, tokens: TokenService) -> Viewer:
    claims = _claims(token, audience, tokens)
    if claims is None:
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
