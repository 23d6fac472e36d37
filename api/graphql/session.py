"""Token types shared by the shop and admin login mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.auth.sessions import TokenPair


@strawberry.type(
    description=(
        "A token pair: send the access token as Authorization: Bearer; "
        "refresh it before it expires."
    )
)
class Tokens:
    access_token: str = strawberry.field(
        description="JWT for the Authorization header; valid 15 minutes."
    )
    access_token_expires_at: datetime = strawberry.field(
        description="When the access token expires."
    )
    refresh_token: str = strawberry.field(
        description="Opaque, 30 days, single use: every refresh returns a new one."
    )

    @classmethod
    def of(cls, pair: TokenPair) -> Tokens:
        return cls(
            access_token=pair.access_token,
            access_token_expires_at=pair.access_expires_at,
            refresh_token=pair.refresh_token,
        )
