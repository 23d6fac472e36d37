"""The full attributor (SPEC 8.4), plugged into checkout at start-up.

Level 1: with `attribution.mode = LAST_SHARE`, the sharer of the member's last share touch when
it is within `attribution.window_hours` and the sharer is ACTIVE (a share code sent with the
order counts as a touch now); otherwise the member's valid referrer. With RELATIONSHIP, always
the valid referrer. Level 2: level 1's upline snapshot, when ACTIVE and `distribution.levels`
is 2. A buyer who is the level-1 distributor earns nothing (and level 2 stays empty) unless
`distribution.self_purchase` is on. Service store and guide: the assisting guide, else the
service relationship in force, else the pickup store. The rule that decided each slot is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from distribution.models import (
    Distributor,
    DistributorStatus,
    ShareLink,
    ShareTarget,
    ShareTouch,
)
from distribution.referrals import valid_referrer_id
from distribution.service_relationships import relationship_in_force
from domain import clock
from domain.orders.attribution import Attribution, AttributionRequest
from domain.orders.models import Fulfilment, OrderChannel


@dataclass(frozen=True)
class _Touch:
    link: ShareLink
    at: datetime


class DistributionAttributor:
    async def attribute(self, request: AttributionRequest) -> Attribution:
        settings = request.settings
        now = clock.now()
        touch = await self._touch(request, now, settings["attribution.window_hours"])
        level1, level1_rule = await self._level1(request.member_id, touch, now, settings)
        level2, level2_rule = None, None
        buyer_is_level1 = level1 is not None and level1.member_id == request.member_id
        if buyer_is_level1 and not settings["distribution.self_purchase"]:
            level1, level1_rule = None, "self_purchase_excluded"
        elif level1 is not None and settings["distribution.levels"] == 2 and level1.upline_id:
            upline = await Distributor.get_or_none(
                id=level1.upline_id, status=DistributorStatus.ACTIVE
            )
            if upline is not None:
                level2, level2_rule = upline, "level1_upline"
        store_id, guide_id, service_rule = await self._service(request)
        used_touch = level1_rule == "last_share_within_window"
        channel = self._channel(request, touch if used_touch else None)
        snapshot: dict[str, Any] = {
            "channel": channel.value,
            "level1": {"distributor_id": level1.id if level1 else None, "rule": level1_rule},
            "level2": {"distributor_id": level2.id if level2 else None, "rule": level2_rule},
            "service": {"store_id": store_id, "guide_id": guide_id, "rule": service_rule},
            "share_link_id": touch.link.id if used_touch and touch else None,
            "self_purchase": buyer_is_level1,
        }
        return Attribution(
            channel=channel,
            service_store_id=store_id,
            service_guide_id=guide_id,
            snapshot=snapshot,
            level1_distributor_id=level1.id if level1 else None,
            level2_distributor_id=level2.id if level2 else None,
            share_link_id=snapshot["share_link_id"],
        )

    @staticmethod
    async def _touch(
        request: AttributionRequest, now: datetime, window_hours: int
    ) -> _Touch | None:
        if request.share_code:
            link = await ShareLink.get_or_none(code=request.share_code)
            if link is not None:
                return _Touch(link, now)
        last = await ShareTouch.get_or_none(member_id=request.member_id).select_related("link")
        if last is None or last.touched_at < now - timedelta(hours=window_hours):
            return None
        return _Touch(last.link, last.touched_at)

    @staticmethod
    async def _level1(
        member_id: int, touch: _Touch | None, now: datetime, settings
    ) -> tuple[Distributor | None, str | None]:
        if settings["attribution.mode"] == "LAST_SHARE" and touch is not None:
            sharer = await Distributor.get_or_none(
                id=touch.link.distributor_id, status=DistributorStatus.ACTIVE
            )
            if sharer is not None:
                return sharer, "last_share_within_window"
        referrer_id = await valid_referrer_id(member_id, now)
        if referrer_id is not None:
            referrer = await Distributor.get_or_none(
                id=referrer_id, status=DistributorStatus.ACTIVE
            )
            if referrer is not None:
                return referrer, "bound_referrer"
        return None, None

    @staticmethod
    async def _service(request: AttributionRequest) -> tuple[int | None, int | None, str]:
        if request.assisting_staff_id is not None:
            return request.assisting_store_id, request.assisting_staff_id, "assisting_guide"
        relationship = await relationship_in_force(request.member_id)
        if relationship is not None:
            return relationship.store_id, relationship.guide_id, "service_relationship"
        if request.fulfilment == Fulfilment.PICKUP:
            return request.pickup_store_id, None, "pickup_store"
        return None, None, "none"

    @staticmethod
    def _channel(request: AttributionRequest, touch: _Touch | None) -> OrderChannel:
        if request.assisting_staff_id is not None:
            return OrderChannel.GUIDE_ASSISTED
        if touch is None:
            return OrderChannel.MINI_PROGRAM
        if touch.link.target == ShareTarget.CAMPAIGN:
            return OrderChannel.CAMPAIGN
        return OrderChannel.SHARE_LINK
