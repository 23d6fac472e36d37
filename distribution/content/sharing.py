"""A guide sharing a content item, and each item's funnel.

The first share of an item by a guide makes a share link of the guide's distributor (every
active guide is one, SPEC 6) for the item's target; later shares reuse it, so one link carries
everything that came of that guide's shares of that item: its funnel counters (visits, unique
visitors, bindings, orders, paid fen: SPEC 7) are the item's funnel for the guide, and their sum
over guides the item's total. A link per (item, guide) rather than per (target, guide) keeps two
items about one product apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count

from distribution import links
from distribution.content.library import item_in_scope
from distribution.content.models import ContentItem, ContentLink, ContentShare, ContentTarget
from distribution.distributors import for_guide
from distribution.models import ShareChannel, ShareLink, ShareTarget
from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.org.models import Staff

_SHARE_TARGET = {
    ContentTarget.PRODUCT: ShareTarget.PRODUCT,
    ContentTarget.CAMPAIGN: ShareTarget.CAMPAIGN,
}


async def share_item(guide: Staff, item_id: int, channel: ShareChannel) -> ShareLink:
    """Record a share of an item valid now for the guide's store and return the guide's link
    for it (made on the first share, with this channel). Another store's item, or one out of
    its window, is NOT_FOUND."""
    item = await item_in_scope(item_id, guide.store_id)
    distributor = await for_guide(guide)
    if distributor is None:
        raise DomainError(ErrorCode.NOT_A_DISTRIBUTOR)
    existing = await ContentLink.get_or_none(item_id=item.id, distributor_id=distributor.id)
    if existing is None:
        try:
            async with transaction():
                link = await links.create_link(distributor, _request(item, channel))
                existing = await ContentLink.create(
                    item_id=item.id,
                    distributor_id=distributor.id,
                    guide_id=guide.id,
                    store_id=guide.store_id,
                    link_id=link.id,
                    created_at=clock.now(),
                )
        except IntegrityError:  # a share racing this one made the link first
            existing = await ContentLink.get(item_id=item.id, distributor_id=distributor.id)
    async with transaction():
        await ContentShare.create(
            item_id=item.id,
            guide_id=guide.id,
            store_id=guide.store_id,
            link_id=existing.link_id,
            shared_at=clock.now(),
        )
    return await ShareLink.get(id=existing.link_id)


def _request(item: ContentItem, channel: ShareChannel) -> links.LinkRequest:
    return links.LinkRequest(
        target=_SHARE_TARGET[item.target],
        channel=channel,
        target_id=item.target_id,
        campaign=item.campaign,
    )


@dataclass(frozen=True)
class Funnel:
    shares: int = 0
    visits: int = 0
    unique_visitors: int = 0
    bindings: int = 0
    orders: int = 0
    paid_fen: int = 0

    def __add__(self, other: Funnel) -> Funnel:
        return Funnel(
            *(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__)
        )


@dataclass(frozen=True)
class ItemFunnel:
    by_guide: dict[int, Funnel]

    @property
    def total(self) -> Funnel:
        return sum(self.by_guide.values(), Funnel())


async def item_funnel(item_id: int, store_id: int | None) -> ItemFunnel:
    """The item's funnel per guide (a store manager: their store's guides), two statements."""
    item_links = ContentLink.filter(item_id=item_id)
    shares = ContentShare.filter(item_id=item_id)
    if store_id is not None:
        item_links = item_links.filter(store_id=store_id)
        shares = shares.filter(store_id=store_id)
    counts = dict(
        await shares.annotate(count=Count("id"))
        .group_by("guide_id")
        .values_list("guide_id", "count")
    )
    rows = await item_links.values_list(
        "guide_id",
        "link__visits",
        "link__unique_visitors",
        "link__bindings",
        "link__orders",
        "link__paid_fen",
    )
    return ItemFunnel({guide: Funnel(counts.get(guide, 0), *figures) for guide, *figures in rows})


async def content_share_figures_by_guide(
    start: datetime, end: datetime, store_id: int | None = None, guide_id: int | None = None
) -> dict[int, int]:
    """Content shares per guide in [start, end): the store manager's view's column."""
    shares = ContentShare.filter(shared_at__gte=start, shared_at__lt=end)
    if store_id is not None:
        shares = shares.filter(store_id=store_id)
    if guide_id is not None:
        shares = shares.filter(guide_id=guide_id)
    return dict(
        await shares.annotate(count=Count("id"))
        .group_by("guide_id")
        .values_list("guide_id", "count")
    )
