"""Distribution's answers to the audience's questions (`domain.members.audience_sources`):
whom a store or guide serves, and how actively a member shares."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from tortoise.expressions import Subquery
from tortoise.functions import Count

from distribution.models import (
    BindingOutcome,
    Distributor,
    DistributorKind,
    ServiceRelationship,
    ShareVisit,
)
from distribution.service_relationships import members_served
from domain.members.audience_sources import Serving, SharingActivity
from domain.orders.lifecycle import PAID_STATES
from domain.orders.models import Order

# Already recruited: a KOC or a partner shop is no longer a KOC candidate.
RECRUITED = (DistributorKind.KOC, DistributorKind.SHOP)


class DistributionAudienceSources:
    def members_served(self, store_id: int | None, guide_id: int | None) -> Subquery:
        return members_served(store_id=store_id, guide_id=guide_id)

    async def sharing_activity(
        self, member_ids: Sequence[int], since: datetime
    ) -> dict[int, SharingActivity]:
        """Three statements for any number of members. Visitors are distinct members per
        distributor across all their links, the distributor's own visits (SELF_REFERRAL) left
        out: a KOC candidate reaches people."""
        rows = (
            await Distributor.filter(member_id__in=list(member_ids))
            .exclude(kind__in=list(RECRUITED))
            .values_list("id", "member_id")
        )
        member_of = {distributor_id: member_id for distributor_id, member_id in rows}
        if not member_of:
            return {}
        visitors = Counter(
            {
                member_of[distributor_id]: count
                for distributor_id, count in await ShareVisit.filter(
                    link__distributor_id__in=list(member_of), visited_at__gte=since
                )
                .exclude(outcome=BindingOutcome.SELF_REFERRAL)
                .annotate(count=Count("member_id", distinct=True))
                .group_by("link__distributor_id")
                .values_list("link__distributor_id", "count")
            }
        )
        orders = Counter(
            {
                member_of[distributor_id]: count
                for distributor_id, count in await Order.filter(
                    level1_distributor_id__in=list(member_of),
                    status__in=list(PAID_STATES),
                    paid_at__gte=since,
                )
                .annotate(count=Count("id"))
                .group_by("level1_distributor_id")
                .values_list("level1_distributor_id", "count")
            }
        )
        return {
            member_id: SharingActivity(visitors[member_id], orders[member_id])
            for member_id in member_of.values()
        }

    async def serving(self, member_ids: Sequence[int]) -> dict[int, Serving]:
        rows = await ServiceRelationship.filter(
            member_id__in=list(member_ids), valid_to__isnull=True
        ).values_list("member_id", "store_id", "guide_id")
        return {member_id: Serving(store_id, guide_id) for member_id, store_id, guide_id in rows}
