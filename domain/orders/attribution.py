"""Who an order is attributed to (SPEC 8.4): a snapshot written once when the order is placed.

The core knows only the store-and-guide part it can see by itself (assisted orders, the pickup
store); `distribution` plugs in the full attributor (share touches, referral bindings, service
relationships, two distributor levels) at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.orders.models import Fulfilment, OrderChannel
from domain.settings.service import Settings


@dataclass(frozen=True)
class AttributionRequest:
    member_id: int
    fulfilment: Fulfilment
    pickup_store_id: int | None
    share_code: str | None
    assisting_staff_id: int | None
    assisting_store_id: int | None
    settings: Settings


@dataclass(frozen=True)
class Attribution:
    channel: OrderChannel
    service_store_id: int | None
    service_guide_id: int | None
    snapshot: dict[str, Any] = field(default_factory=dict)
    level1_distributor_id: int | None = None
    level2_distributor_id: int | None = None
    share_link_id: int | None = None


class Attributor(Protocol):
    async def attribute(self, request: AttributionRequest) -> Attribution: ...


class StoreAttributor:
    """Assisted orders belong to the assisting guide and store; otherwise pickup orders to the
    pickup store; anything else is HQ's online sale."""

    async def attribute(self, request: AttributionRequest) -> Attribution:
        if request.assisting_staff_id is not None:
            return Attribution(
                OrderChannel.GUIDE_ASSISTED,
                request.assisting_store_id,
                request.assisting_staff_id,
                {"service": "assisting_guide"},
            )
        if request.fulfilment == Fulfilment.PICKUP:
            return Attribution(
                OrderChannel.MINI_PROGRAM,
                request.pickup_store_id,
                None,
                {"service": "pickup_store"},
            )
        return Attribution(OrderChannel.MINI_PROGRAM, None, None, {"service": "none"})


_attributor: Attributor = StoreAttributor()


def use_attributor(attributor: Attributor) -> None:
    global _attributor
    _attributor = attributor


async def attribute(request: AttributionRequest) -> Attribution:
    return await _attributor.attribute(request)
