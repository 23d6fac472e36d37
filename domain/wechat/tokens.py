"""The shared access-token row of each app: read it, lease its refresh, store the next token.

WeChat's `stable_token` hands every caller the same token while it is valid, and in its last
five minutes a new one while the old one keeps working until it expires, so the lease is not
needed for correctness in the normal mode: it keeps a fleet of processes from all asking at
once. A forced refresh (after WeChat refused the token) does revoke the old token at once, and
WeChat allows 20 of them a day: there the lease, taken only while the row still holds the
refused token, makes sure one process forces one refresh for everyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from domain.db import transaction
from domain.wechat.models import WechatAccessToken


async def current(app_id: str) -> WechatAccessToken | None:
    return await WechatAccessToken.get_or_none(app_id=app_id)


async def claim_refresh(
    app_id: str,
    holder: str,
    now: datetime,
    lease: timedelta,
    refused_token: str | None = None,
) -> bool:
    """Take the refresh lease of `app_id` unless another process holds it unexpired. With
    `refused_token`, only while the row still holds that token (nobody refreshed it yet)."""
    if not await WechatAccessToken.exists(app_id=app_id):
        try:
            async with transaction():
                await WechatAccessToken.create(app_id=app_id)
        except IntegrityError:
            pass  # another process made the row first: compete for its lease below
    query = WechatAccessToken.filter(
        Q(app_id=app_id) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    )
    if refused_token is not None:
        query = query.filter(token=refused_token)
    return await query.update(lease_until=now + lease, lease_holder=holder) == 1


async def store(app_id: str, token: str, expires_at: datetime, now: datetime) -> None:
    """The token WeChat just gave: the newest is the one to use, whoever held the lease."""
    await WechatAccessToken.filter(app_id=app_id).update(
        token=token, expires_at=expires_at, refreshed_at=now, lease_until=None, lease_holder=""
    )


async def release(app_id: str, holder: str) -> None:
    """Give the lease back after a failed fetch so another process may try at once."""
    await WechatAccessToken.filter(app_id=app_id, lease_holder=holder).update(
        lease_until=None, lease_holder=""
    )
