"""The full attributor (SPEC 8.4), plugged into checkout at start-up.

Level 1: with `attribution.mode = LAST_SHARE`, the sharer of the member's last share touch when
it is within `attribution.window_hours` and the sharer is ACTIVE (a share code sent with the
order counts as a touch now); otherwise the member's valid referrer. With RELATIONSHIP, always
the valid referrer. Level 2: level 1's upline snapshot, when ACTIVE and `distribution.levels`
is 2. A buyer who is an ACTIVE distributor is the level-1 candidate for their own purchases,
whatever they touched or are bound to: their own upline never earns level 1 on them (level 2
at most) and no other sharer does either. Self-purchase: with `distribution.self_purchase` off
(default) such an order has no level 1 (`self_purchase_excluded`) and level 2 stays empty; on,
the buyer earns level 1 (`own_purchase`, 内购返利) and their upline level 2. Service store and
guide: the assisting guide, else the service relationship in force, else the pickup store. The
rule that decided each slot is kept.

The order carries a share link (and the SHARE_LINK or CAMPAIGN channel) only when that link's
sharer took level 1 through it: the last share touch under LAST_SHARE, or the buyer's own link
on an own purchase. A link whose sharer earned nothing did not make the sale, so its funnel
does not count the order. With the link, the snapshot keeps the poster template of that touch
(`poster_template_id`), when the member came through a poster: the per-template funnel
(distribution/reports/posters.py) reads it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from distribution import referrals
from distribution.models import (
    Distributor,
    DistributorStatus,
    ShareLink,
    ShareTarget,
)
from domain import clock, sql
from domain.orders.attribution import Attribution, AttributionRequest
from domain.orders.models import Fulfilment, OrderChannel
from domain.sql import Sql


@dataclass(frozen=True)
class _Buyer:
    """What attribution needs to know of the buyer, read in one statement on every order."""

    touched_link_id: int | None  # the last share touch, when within the window
    touched_template_id: int | None  # the poster template of that touch, if any
    bound_referrer_id: int | None
    own_distributor_id: int | None  # the buyer's own distributor, when ACTIVE
    served_store_id: int | None
    served_guide_id: int | None


_BUYER = Sql(
    "attribution.buyer",
    f"""SELECT
    (SELECT t.link_id FROM share_touch t
      WHERE t.member_id = m.id AND t.touched_at >= :since LIMIT 1) AS touched_link_id,
    (SELECT t.poster_template_id FROM share_touch t
      WHERE t.member_id = m.id AND t.touched_at >= :since LIMIT 1) AS touched_template_id,
    (SELECT b.referrer_id FROM referral_binding b
      WHERE b.member_id = m.id AND {referrals.in_force_sql("b")} LIMIT 1) AS bound_referrer_id,
    (SELECT d.id FROM distributor d
      WHERE d.member_id = m.id AND d.status = :active LIMIT 1) AS own_distributor_id,
    r.store_id AS served_store_id, r.guide_id AS served_guide_id
    FROM member m
    LEFT JOIN service_relationship r ON r.member_id = m.id AND r.valid_to IS NULL
    WHERE m.id = :member_id LIMIT 1""",  # noqa: S608 (a constant condition, no input)
)


async def _buyer(member_id: int, now: datetime, window_hours: int) -> _Buyer:
    """One hand-written statement (it runs on every order): the touch within the window, the
    binding in force (`referrals.in_force_sql`), the buyer's own ACTIVE distributor and the
    service relationship in force (`service_relationships.relationships_in_force`)."""
    row = await sql.fetch_one(
        _BUYER,
        member_id=member_id,
        now=now,
        since=now - timedelta(hours=window_hours),
        active=DistributorStatus.ACTIVE,
    )
    return _Buyer(**row) if row else _Buyer(None, None, None, None, None, None)


class DistributionAttributor:
    async def attribute(self, request: AttributionRequest) -> Attribution:
        settings = request.settings
        now = clock.now()
        buyer = await _buyer(request.member_id, now, settings["attribution.window_hours"])
        touch = await self._touch(request, buyer)
        own_purchase = buyer.own_distributor_id is not None
        if not own_purchase:
            level1, level1_rule = await self._level1(buyer, touch, settings)
        elif settings["distribution.self_purchase"]:
            level1 = await Distributor.get_or_none(id=buyer.own_distributor_id)
            level1_rule = "own_purchase"
        else:
            level1, level1_rule = None, "self_purchase_excluded"
        level2, level2_rule = None, None
        if level1 is not None and settings["distribution.levels"] == 2 and level1.upline_id:
            upline = await Distributor.get_or_none(
                id=level1.upline_id, status=DistributorStatus.ACTIVE
            )
            if upline is not None:
                level2, level2_rule = upline, "level1_upline"
        store_id, guide_id, service_rule = self._service(request, buyer)
        used_touch = level1_rule == "last_share_within_window" or (
            level1_rule == "own_purchase"
            and settings["attribution.mode"] == "LAST_SHARE"
            and touch is not None
            and touch.distributor_id == buyer.own_distributor_id
        )
        channel = self._channel(request, touch if used_touch else None)
        snapshot: dict[str, Any] = {
            "channel": channel.value,
            "level1": {"distributor_id": level1.id if level1 else None, "rule": level1_rule},
            "level2": {"distributor_id": level2.id if level2 else None, "rule": level2_rule},
            "service": {"store_id": store_id, "guide_id": guide_id, "rule": service_rule},
            "share_link_id": touch.id if used_touch and touch else None,
            "poster_template_id": self._poster_template(buyer, touch if used_touch else None),
            "self_purchase": own_purchase,
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
    def _poster_template(buyer: _Buyer, touch: ShareLink | None) -> int | None:
        """The poster template of the touch credited with the order: the last share touch's,
        when the order went through that same link."""
        if touch is None or touch.id != buyer.touched_link_id:
            return None
        return buyer.touched_template_id

    @staticmethod
    async def _touch(request: AttributionRequest, buyer: _Buyer) -> ShareLink | None:
        """The link of the touch that counts: a share code sent with the order, else the last
        touch within the window."""
        if request.share_code:
            link = await ShareLink.get_or_none(code=request.share_code)
            if link is not None:
                return link
        if buyer.touched_link_id is None:
            return None
        return await ShareLink.get_or_none(id=buyer.touched_link_id)

    @staticmethod
    async def _level1(
        buyer: _Buyer, touch: ShareLink | None, settings
    ) -> tuple[Distributor | None, str | None]:
        if settings["attribution.mode"] == "LAST_SHARE" and touch is not None:
            sharer = await Distributor.get_or_none(
                id=touch.distributor_id, status=DistributorStatus.ACTIVE
            )
            if sharer is not None:
                return sharer, "last_share_within_window"
        if buyer.bound_referrer_id is not None:
            referrer = await Distributor.get_or_none(
                id=buyer.bound_referrer_id, status=DistributorStatus.ACTIVE
            )
            if referrer is not None:
                return referrer, "bound_referrer"
        return None, None

    @staticmethod
    def _service(request: AttributionRequest, buyer: _Buyer) -> tuple[int | None, int | None, str]:
        if request.assisting_staff_id is not None:
            return request.assisting_store_id, request.assisting_staff_id, "assisting_guide"
        if buyer.served_store_id is not None:  # a relationship always has a store
            return buyer.served_store_id, buyer.served_guide_id, "service_relationship"
        if request.fulfilment == Fulfilment.PICKUP:
            return request.pickup_store_id, None, "pickup_store"
        return None, None, "none"

    @staticmethod
    def _channel(request: AttributionRequest, touch: ShareLink | None) -> OrderChannel:
        if request.assisting_staff_id is not None:
            return OrderChannel.GUIDE_ASSISTED
        if touch is None:
            return OrderChannel.MINI_PROGRAM
        if touch.target == ShareTarget.CAMPAIGN:
            return OrderChannel.CAMPAIGN
        return OrderChannel.SHARE_LINK
