"""The stored 小程序码 of each link and store, and the lease that lets exactly one process make
a missing one: the first to insert the row (or to take an expired lease) makes it, everyone
else waits for the image to appear. A rate-limited attempt leaves `retry_at` on the row, so no
process asks WeChat again for that code before then."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from domain.wechat.models import CodeKind, WechatCode


async def stored(kind: CodeKind, scene: str) -> WechatCode | None:
    return await WechatCode.get_or_none(kind=kind, scene=scene)


async def claim(
    kind: CodeKind, scene: str, page: str, holder: str, now: datetime, lease: timedelta
) -> bool:
    """Become the maker of this code: insert its row, or take a lease that expired (a maker
    that died) once any rate-limit pause is over. False: someone else holds it, or it exists."""
    try:
        await WechatCode.create(
            kind=kind,
            scene=scene,
            page=page,
            lease_until=now + lease,
            lease_holder=holder,
            created_at=now,
        )
        return True
    except IntegrityError:
        pass
    taken = await WechatCode.filter(
        Q(kind=kind, scene=scene, png__isnull=True)
        & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        & (Q(retry_at__isnull=True) | Q(retry_at__lte=now))
    ).update(lease_until=now + lease, lease_holder=holder, page=page)
    return taken == 1


def etag_of(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()[:32]


async def save(kind: CodeKind, scene: str, png: bytes, now: datetime) -> str:
    """Store the image made; returns its ETag."""
    etag = etag_of(png)
    await WechatCode.filter(kind=kind, scene=scene).update(
        png=png, etag=etag, made_at=now, lease_until=None, lease_holder="", retry_at=None
    )
    return etag


async def pause(kind: CodeKind, scene: str, holder: str, retry_at: datetime) -> None:
    """WeChat said not now: free the lease and keep everyone away until `retry_at`."""
    await WechatCode.filter(kind=kind, scene=scene, lease_holder=holder).update(
        lease_until=None, lease_holder="", retry_at=retry_at
    )


async def release(kind: CodeKind, scene: str, holder: str) -> None:
    """The attempt failed otherwise: the next request may try again at once."""
    await WechatCode.filter(kind=kind, scene=scene, lease_holder=holder).update(
        lease_until=None, lease_holder=""
    )
