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
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.scalars import Money
from api.rest.qr import link_qr_url
from api.shop.stores import StoreNode, store_node
from distribution import binding, links, service_relationships
from distribution.distributors import for_member
from distribution.models import BindingOutcome, ShareChannel, ShareLink, ShareTarget
from domain.errors import DomainError, ErrorCode

expose_enum(
    ShareTarget,
    "ShareTarget",
    "What a share link (推广链接) opens.",
    {
        ShareTarget.PRODUCT: "A product page (targetId: a Product ID).",
        ShareTarget.STORE: "A store page (targetId: a Store ID).",
        ShareTarget.HOME: "The mini-program's home page.",
        ShareTarget.CAMPAIGN: "A campaign page (campaign: its code).",
    },
)
ShareTargetEnum: TypeAlias = ShareTarget
expose_enum(
    ShareChannel,
    "ShareChannel",
    "Where a share link is meant to be posted; a tag for the funnel, it changes nothing else.",
    {
        ShareChannel.CHAT: "A WeChat chat (微信好友/群).",
        ShareChannel.MOMENTS: "WeChat Moments (朋友圈).",
        ShareChannel.POSTER: "A poster (海报) with the link's QR code.",
        ShareChannel.QR: "A QR code (小程序码) on its own.",
    },
)
ShareChannelEnum: TypeAlias = ShareChannel
expose_enum(
    BindingOutcome,
    "BindingOutcome",
    "What a share visit did to the member's referral binding (推广关系, SPEC 5.2); outcomes, not"
    " errors. Checked in this order.",
    {
        BindingOutcome.SELF_REFERRAL: "The member opened their own link: not bound, not a touch.",
        BindingOutcome.REFERRER_INACTIVE: "The link's distributor is frozen or disabled: not"
        " bound, not a touch.",
        BindingOutcome.CYCLE: "The member is in the referrer's upline: binding would close a loop.",
        BindingOutcome.ALREADY_BOUND: "A valid binding stays (FIRST_TOUCH, or LAST_TOUCH to the"
        " same referrer).",
        BindingOutcome.NOT_NEW_MEMBER: "referral.new_members_only is on and the member has a paid"
        " order or is older than 24 hours.",
        BindingOutcome.BOUND: "Bound to the link's distributor (no valid binding was in force).",
        BindingOutcome.REBOUND: "LAST_TOUCH: the binding in force was replaced by this one.",
    },
)
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


@strawberry.type(
    description=("A link's funnel counters (推广漏斗), kept current as visits and orders happen.")
)
class ShareFunnel:
    visits: int = strawberry.field(
        description="Visits recorded (a reload within a short window counts once)."
    )
    unique_visitors: int = strawberry.field(description="Distinct members who visited.")
    bindings: int = strawberry.field(
        description=("Visits that bound or rebound the member to the link's distributor.")
    )
    orders: int = strawberry.field(description="Paid orders placed through the link.")
    paid: Money = strawberry.field(description="Goods paid after discounts, shipping excluded.")


@strawberry.type(name="ShareLink", description="A share link (推广链接) of a distributor.")
class ShareLinkNode:
    id: strawberry.ID = strawberry.field(description="Global ID (ShareLink).")
    code: str = strawberry.field(
        description=("The unguessable share code (at least 8 characters), as ?share= carries it.")
    )
    target: ShareTargetEnum
    target_id: strawberry.ID | None = strawberry.field(
        description=("Global ID of the Product or Store it opens; null for HOME and CAMPAIGN.")
    )
    campaign: str | None = strawberry.field(description="The campaign, for CAMPAIGN.")
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
    target_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the Product or Store; null for HOME and CAMPAIGN."
    )
    campaign: str | None
    path: str = strawberry.field(description="The mini-program page to open.")


@strawberry.input
class CreateShareLinkInput:
    target: ShareTargetEnum = strawberry.field(description="What the link opens.")
    target_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Product for PRODUCT, a Store for STORE."
    )
    campaign: str | None = strawberry.field(default=None, description="Required for CAMPAIGN.")
    channel: ShareChannelEnum = strawberry.field(
        default=ShareChannel.CHAT, description="Where it will be posted; CHAT by default."
    )

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


@strawberry.type(description="What recording a share visit did.")
class ShareVisitPayload:
    outcome: BindingOutcomeEnum | None = strawberry.field(
        default=None,
        description=("What the visit did to the referral binding (not an error whatever it says)."),
    )
    link: SharedTarget | None = strawberry.field(default=None, description="Where the link leads.")
    errors: list[UserError]


@strawberry.type
class StoreVisitPayload:
    store: StoreNode | None = None
    errors: list[UserError]


async def create_share_link(
    info: Info,
    input: Annotated[
        CreateShareLinkInput,
        strawberry.argument(description="What the link opens and where it will be posted."),
    ],
) -> ShareLinkPayload:
    """For member distributors (KOC, MEMBER, SHOP); guides use the admin API."""
    member_id = await require_member(info)
    link = await links.create_link(await for_member(member_id), input.to_domain())
    return ShareLinkPayload(link=link_node(link), errors=[])


async def record_share_visit(
    info: Info,
    code: Annotated[
        str,
        strawberry.argument(
            description=(
                "The share code from the ?share= parameter, or a 小程序码's scene as it is "
                "(a poster's is CODE.TEMPLATE and counts for that poster template)."
            )
        ),
    ],
) -> ShareVisitPayload:
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
    store_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(description="A Store global ID (from the store's page)."),
    ] = None,
    code: Annotated[
        str | None, strawberry.argument(description="The store's code: its 小程序码's scene.")
    ] = None,
) -> StoreVisitPayload:
    """A store's QR scanned: by its id, or by its code. Exactly one of the two."""
    member_id = await require_member(info)
    visit = await service_relationships.record_store_visit(
        member_id, optional_global_id(store_id, "Store", "storeId"), code
    )
    return StoreVisitPayload(store=store_node(visit.store), errors=[])
