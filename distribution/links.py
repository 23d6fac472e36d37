"""Share links (SPEC 7): made by an active distributor for a product, a store, the home page or a
campaign; their funnel counters move by guarded increments, never by COUNT at read time."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from distribution.models import (
    Distributor,
    DistributorStatus,
    ShareChannel,
    ShareLink,
    ShareTarget,
)
from domain import clock, events
from domain.catalog.models import Product, ProductStatus
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.org.models import Store
from domain.validation import clean_text

# 9 random bytes are 12 URL-safe characters (72 bits): unguessable, and short enough for a QR.
CODE_BYTES = 9
CODE_ATTEMPTS = 5
CODE_MAX_LENGTH = 16  # the column's width: anything longer is no code of ours
# token_urlsafe's alphabet: anything else (a NUL, a quote) is no code of ours either.
_CODE = re.compile(f"[A-Za-z0-9_-]{{1,{CODE_MAX_LENGTH}}}")


@dataclass(frozen=True)
class LinkRequest:
    target: ShareTarget
    channel: ShareChannel
    target_id: int | None = None
    campaign: str | None = None


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


async def _checked_target(request: LinkRequest) -> tuple[int | None, str | None]:
    """The (target_id, campaign) to store: what the target needs, nothing else."""
    if request.target == ShareTarget.PRODUCT:
        if request.target_id is None:
            raise DomainError(ErrorCode.REQUIRED, "targetId")
        status = await Product.filter(id=request.target_id).first().values_list("status", flat=True)
        if status is None:
            raise DomainError(ErrorCode.NOT_FOUND, "targetId")
        if status != ProductStatus.ON_SALE:
            raise DomainError(ErrorCode.NOT_ON_SALE, "targetId")
        return request.target_id, None
    if request.target == ShareTarget.STORE:
        if request.target_id is None:
            raise DomainError(ErrorCode.REQUIRED, "targetId")
        if not await Store.exists(id=request.target_id):
            raise DomainError(ErrorCode.NOT_FOUND, "targetId")
        return request.target_id, None
    if request.target == ShareTarget.CAMPAIGN:
        return None, clean_text(request.campaign or "", "campaign", 64)
    return None, None


async def create_link(distributor: Distributor | None, request: LinkRequest) -> ShareLink:
    """A new link of an ACTIVE distributor. A code collision (72 random bits: practically never)
    is retried with a fresh code."""
    if distributor is None:
        raise DomainError(ErrorCode.NOT_A_DISTRIBUTOR)
    if distributor.status != DistributorStatus.ACTIVE:
        raise DomainError(ErrorCode.DISTRIBUTOR_INACTIVE)
    target_id, campaign = await _checked_target(request)
    for _ in range(CODE_ATTEMPTS):
        try:
            async with transaction():
                return await ShareLink.create(
                    code=new_code(),
                    distributor=distributor,
                    target=request.target,
                    target_id=target_id,
                    campaign=campaign,
                    channel=request.channel,
                    created_at=clock.now(),
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free share code after several attempts")


def well_formed(code: str) -> str | None:
    """The code as a link stores it (surrounding blanks dropped), or None when it cannot be one
    of ours: such a code is answered without asking the database."""
    code = code.strip()
    return code if _CODE.fullmatch(code) else None


async def by_code(code: str) -> ShareLink | None:
    """The link with its distributor (one query), or None for an unknown code."""
    known = well_formed(code)
    if known is None:
        return None
    return await ShareLink.get_or_none(code=known).select_related("distributor")


async def on_order_paid(event: events.OrderPaid) -> None:
    """A paid order that came through a link adds 1 to the link's orders and its goods after
    discounts (shipping excluded) to its paid fen. OrderPaid fires once per order."""
    link_id = event.order.share_link_id
    if link_id is None:
        return
    paid = sum(item.paid_fen for item in event.items)
    await ShareLink.filter(id=link_id).update(orders=F("orders") + 1, paid_fen=F("paid_fen") + paid)
