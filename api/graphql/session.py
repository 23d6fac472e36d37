"""Token types shared by the shop and admin login mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.auth.sessions import TokenPair


@strawberry.type
class Tokens:
    access_token: str
    access_token_expires_at: datetime
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
