"""The content library (素材, SPEC 22) for staff: HQ_OPERATOR writes items; guides and store
managers list the items valid now for their store; a guide shares one through their own share
link; the funnel shows what each guide's shares brought."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, build_connection, fetch_page
from api.graphql.scalars import Long
from api.shop.distribution_links import ShareChannelEnum, ShareLinkPayload, link_node
from distribution.content import library, sharing
from distribution.content.models import ContentItem, ContentTarget
from distribution.models import ShareChannel
from domain.errors import DomainError, ErrorCode

expose_enum(
    ContentTarget,
    "ContentTarget",
    "What a content item (素材) promotes.",
    {
        ContentTarget.PRODUCT: "A product (targetId: a Product ID).",
        ContentTarget.CAMPAIGN: "A campaign page (campaign: its code).",
    },
)
ContentTargetEnum: TypeAlias = ContentTarget


@strawberry.type(name="ContentItem", description="A content item (素材) for guides to share.")
class ContentItemNode:
    id: strawberry.ID
    title: str
    share_text: str = strawberry.field(description="The text a guide posts with it (话术).")
    images: list[str] = strawberry.field(description="https image URLs, at most 9.")
    target: ContentTargetEnum
    target_id: strawberry.ID | None = strawberry.field(description="The Product, for PRODUCT.")
    campaign: str | None = strawberry.field(description="The campaign, for CAMPAIGN.")
    valid_from: datetime
    valid_until: datetime
    store_ids: list[strawberry.ID] = strawberry.field(
        description="The stores it is meant for (Store IDs); empty: every store."
    )
    created_by: str
    created_at: datetime


def item_node(item: ContentItem, store_ids: list[int]) -> ContentItemNode:
    return ContentItemNode(
        id=strawberry.ID(to_global_id("ContentItem", item.id)),
        title=item.title,
        share_text=item.share_text,
        images=list(item.images),
        target=item.target,
        target_id=(
            strawberry.ID(to_global_id("Product", item.target_id)) if item.target_id else None
        ),
        campaign=item.campaign,
        valid_from=item.valid_from,
        valid_until=item.valid_until,
        store_ids=[strawberry.ID(to_global_id("Store", store)) for store in store_ids],
        created_by=item.created_by,
        created_at=item.created_at,
    )


async def content_items(
    info: Info, first: First = 20, after: After = None
) -> Connection[ContentItemNode]:
    """Two statements a page: the items, and their target stores."""
    grant = await granted(info)
    query = library.items_in_scope(grant.store_id)
    rows, has_next = await fetch_page(query, NEWEST_FIRST, first, after)
    stores = await library.store_ids_of([row.id for row in rows]) if rows else {}
    nodes = [item_node(row, stores[row.id]) for row in rows]
    return build_connection(rows, nodes, has_next, after, NEWEST_FIRST, query.count)


@strawberry.input
class ContentItemInput:
    title: str = strawberry.field(description="At most 64 characters.")
    share_text: str = strawberry.field(description="话术, at most 2000 characters.")
    images: list[str] = strawberry.field(description="https image URLs, at most 9.")
    target: ContentTargetEnum = strawberry.field(description="What it promotes.")
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="PRODUCT: the Product ID."
    )
    campaign: str | None = strawberry.field(
        default=None, description="CAMPAIGN: its code, at most 64 characters."
    )
    valid_from: datetime = strawberry.field(description="Shown to guides from.")
    valid_until: datetime = strawberry.field(description="Shown to guides until (after from).")
    store_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Store IDs it is meant for, at most 100; empty: every store.",
    )

    def to_domain(self) -> library.ContentInput:
        if len(self.store_ids) > library.MAX_STORES:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "input.storeIds", "max 100")
        if len(self.images) > library.MAX_IMAGES:
            raise DomainError(ErrorCode.OUT_OF_RANGE, "input.images", "max 9")
        return library.ContentInput(
            title=self.title,
            share_text=self.share_text,
            images=tuple(self.images),
            target=ContentTarget(self.target),
            target_id=optional_global_id(self.target_id, "Product", "input.targetId"),
            campaign=self.campaign,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            store_ids=tuple(
                from_global_id(store, "Store", f"input.storeIds.{i}")
                for i, store in enumerate(self.store_ids)
            ),
        )


@strawberry.type
class ContentItemPayload:
    item: ContentItemNode | None = None
    errors: list[UserError]


async def _payload(item: ContentItem) -> ContentItemPayload:
    stores = await library.store_ids_of([item.id])
    return ContentItemPayload(item=item_node(item, stores[item.id]), errors=[])


async def create_content_item(
    info: Info, input: Annotated[ContentItemInput, strawberry.argument(description="The item.")]
) -> ContentItemPayload:
    grant = await granted(info)
    return await _payload(await library.create_item(input.to_domain(), grant.staff.username))


async def update_content_item(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A ContentItem ID.")],
    input: Annotated[ContentItemInput, strawberry.argument(description="Every field, new.")],
) -> ContentItemPayload:
    item = await library.update_item(from_global_id(id, "ContentItem"), input.to_domain())
    return await _payload(item)


async def share_content_item(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A ContentItem ID.")],
    channel: Annotated[
        ShareChannelEnum,
        strawberry.argument(description="Where it is posted (the link's on the first share)."),
    ] = ShareChannel.CHAT,
) -> ShareLinkPayload:
    grant = await granted(info)
    link = await sharing.share_item(
        grant.staff, from_global_id(id, "ContentItem"), ShareChannel(channel)
    )
    return ShareLinkPayload(link=link_node(link), errors=[])


@strawberry.type(name="ContentFunnelRow")
class ContentFunnelRowNode:
    guide_id: strawberry.ID | None = strawberry.field(description="A Staff ID; null: the total.")
    shares: int
    visits: Long  # type: ignore[valid-type]
    unique_visitors: Long  # type: ignore[valid-type]
    bindings: Long  # type: ignore[valid-type]
    orders: Long  # type: ignore[valid-type]
    paid_fen: Long  # type: ignore[valid-type]


def _row(guide_id: int | None, funnel: sharing.Funnel) -> ContentFunnelRowNode:
    return ContentFunnelRowNode(
        guide_id=strawberry.ID(to_global_id("Staff", guide_id)) if guide_id else None,
        shares=funnel.shares,
        visits=funnel.visits,
        unique_visitors=funnel.unique_visitors,
        bindings=funnel.bindings,
        orders=funnel.orders,
        paid_fen=funnel.paid_fen,
    )


@strawberry.type(name="ContentFunnel")
class ContentFunnelNode:
    total: ContentFunnelRowNode = strawberry.field(description="Every guide in scope together.")
    guides: list[ContentFunnelRowNode] = strawberry.field(description="Per guide who shared it.")


async def content_funnel(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A ContentItem ID.")]
) -> ContentFunnelNode | None:
    grant = await granted(info)
    item_id = from_global_id(id, "ContentItem")
    await library.item_in_scope(item_id, grant.store_id, valid_now=False)
    funnel = await sharing.item_funnel(item_id, grant.store_id)
    return ContentFunnelNode(
        total=_row(None, funnel.total),
        guides=[_row(guide, row) for guide, row in sorted(funnel.by_guide.items())],
    )
