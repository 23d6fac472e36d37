"""Share links and visits in the shop API (SPEC 7): member distributors create links, a member
landing with `?share=CODE` records the visit, a member scanning a store QR records that.

`ShareLinkNode`, `link_node` and the link input are shared with the admin API (guides' links).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias
from urllib.parse import quote, urlencode

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.scalars import Money
from api.rest.qr import link_qr_url
from api.shop.stores import StoreNode, store_node
from distribution import binding, links, service_relationships
from distribution.distributors import for_member
from distribution.models import BindingOutcome, ShareChannel, ShareLink, ShareTarget
from domain.errors import DomainError, ErrorCode
from domain.org.models import Store, StoreStatus

strawberry.enum(ShareTarget, name="ShareTarget")
ShareTargetEnum: TypeAlias = ShareTarget
strawberry.enum(ShareChannel, name="ShareChannel")
ShareChannelEnum: TypeAlias = ShareChannel
strawberry.enum(BindingOutcome, name="BindingOutcome")
BindingOutcomeEnum: TypeAlias = BindingOutcome

PAGES = {
    ShareTarget.PRODUCT: "pages/product/index",
    ShareTarget.STORE: "pages/store/index",
    ShareTarget.HOME: "pages/index/index",
    ShareTarget.CAMPAIGN: "pages/campaign/index",
}
TARGET_TYPES = {ShareTarget.PRODUCT: "Product", ShareTarget.STORE: "Store"}


def mini_program_path(link: ShareLink) -> str:
    """The page the link opens, e.g. `pages/product/index?id=<product id>&share=<code>`; values
    are percent-encoded (global ids end in '=')."""
    query: dict[str, str] = {}
    type_name = TARGET_TYPES.get(link.target)
    if type_name is not None and link.target_id is not None:
        query["id"] = to_global_id(type_name, link.target_id)
    if link.target == ShareTarget.CAMPAIGN and link.campaign:
        query["c"] = link.campaign
    query["share"] = link.code
    return f"{PAGES[link.target]}?{urlencode(query, quote_via=quote)}"


def _target_gid(link: ShareLink) -> strawberry.ID | None:
    type_name = TARGET_TYPES.get(link.target)
    if type_name is None or link.target_id is None:
        return None
    return strawberry.ID(to_global_id(type_name, link.target_id))


@strawberry.type
class ShareFunnel:
    visits: int
    unique_visitors: int
    bindings: int
    orders: int
    paid: Money = strawberry.field(description="Goods paid after discounts, shipping excluded.")


@strawberry.type(name="ShareLink")
class ShareLinkNode:
    id: strawberry.ID
    code: str
    target: ShareTargetEnum
    target_id: strawberry.ID | None
    campaign: str | None
    channel: ShareChannelEnum
    path: str = strawberry.field(description="The mini-program page with the share code.")
    funnel: ShareFunnel
    created_at: datetime

    @strawberry.field(
        description="Absolute URL of the link's 小程序码 PNG (scene = the code), for posters."
    )
    def qr_url(self, info: Info) -> str:
        return link_qr_url(info.context.services.config.public_base_url, self.code)


def link_node(link: ShareLink) -> ShareLinkNode:
    return ShareLinkNode(
        id=strawberry.ID(to_global_id("ShareLink", link.id)),
        code=link.code,
        target=link.target,
        target_id=_target_gid(link),
        campaign=link.campaign,
        channel=link.channel,
        path=mini_program_path(link),
        funnel=ShareFunnel(
            visits=link.visits,
            unique_visitors=link.unique_visitors,
            bindings=link.bindings,
            orders=link.orders,
            paid=Money.of(link.paid_fen),
        ),
        created_at=link.created_at,
    )


@strawberry.type(description="Where a visited link leads; its owner's funnel is not shown.")
class SharedTarget:
    code: str
    target: ShareTargetEnum
    target_id: strawberry.ID | None
    campaign: str | None
    path: str


@strawberry.input
class CreateShareLinkInput:
    target: ShareTargetEnum
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Product for PRODUCT, a Store for STORE."
    )
    campaign: str | None = strawberry.field(default=None, description="Required for CAMPAIGN.")
    channel: ShareChannelEnum = ShareChannel.CHAT

    def to_domain(self) -> links.LinkRequest:
        target = ShareTarget(self.target)
        target_id = None
        if self.target_id is not None:
            type_name = TARGET_TYPES.get(target)
            if type_name is None:
                raise DomainError(ErrorCode.INVALID, "targetId", "only for PRODUCT and STORE")
            target_id = from_global_id(self.target_id, type_name, "targetId")
        return links.LinkRequest(
            target=target,
            channel=ShareChannel(self.channel),
            target_id=target_id,
            campaign=self.campaign,
        )


@strawberry.type
class ShareLinkPayload:
    link: ShareLinkNode | None = None
    errors: list[UserError]


@strawberry.type
class ShareVisitPayload:
    outcome: BindingOutcomeEnum | None = None
    link: SharedTarget | None = None
    errors: list[UserError]


@strawberry.type
class StoreVisitPayload:
    store: StoreNode | None = None
    errors: list[UserError]


async def create_share_link(info: Info, input: CreateShareLinkInput) -> ShareLinkPayload:
    """For member distributors (KOC, MEMBER, SHOP); guides use the admin API."""
    member_id = await require_member(info)
    link = await links.create_link(await for_member(member_id), input.to_domain())
    return ShareLinkPayload(link=link_node(link), errors=[])


async def record_share_visit(info: Info, code: str) -> ShareVisitPayload:
    member_id = await require_member(info)
    visit = await binding.record_share_visit(member_id, code)
    link = visit.link
    return ShareVisitPayload(
        outcome=visit.outcome,
        link=SharedTarget(
            code=link.code,
            target=link.target,
            target_id=_target_gid(link),
            campaign=link.campaign,
            path=mini_program_path(link),
        ),
        errors=[],
    )


async def record_store_visit(
    info: Info,
    store_id: strawberry.ID | None = None,
    code: Annotated[
        str | None, strawberry.argument(description="The store's code: its 小程序码's scene.")
    ] = None,
) -> StoreVisitPayload:
    """A store's QR scanned: by its id, or by its code (the scene of the store's 小程序码, which
    is what the mini-program has after a scan). Exactly one of the two."""
    member_id = await require_member(info)
    if (store_id is None) == (code is None):
        raise DomainError(ErrorCode.INVALID, "code", "storeId or code, one of them")
    if code is not None:
        store = await Store.get_or_none(code=code.strip()[:32], status=StoreStatus.ACTIVE)
        if store is None:
            raise DomainError(ErrorCode.NOT_FOUND, "code")
        visit = await service_relationships.record_store_visit(member_id, store.id)
    else:
        assert store_id is not None
        visit = await service_relationships.record_store_visit(
            member_id, from_global_id(store_id, "Store", "storeId")
        )
    return StoreVisitPayload(store=store_node(visit.store), errors=[])
