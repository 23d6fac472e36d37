"""Share posters in the shop API (SPEC 18): the templates HQ offers, and a distributor's poster
of one of their share links, composed on the server (api/posters/maker.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import BY_ID, After, Connection, First, build_connection, fetch_page
from api.graphql.scalars import Money
from api.posters.maker import PosterMaker
from api.rest.posters import background_urls
from distribution.distributors import for_member
from distribution.models import Distributor
from distribution.posters.models import PosterTemplate


@strawberry.type(
    name="PosterTemplate", description="A share poster layout (海报模板) HQ offers distributors."
)
class ShopPosterTemplateNode:
    id: strawberry.ID = strawberry.field(description="Global ID (PosterTemplate).")
    name: str = strawberry.field(description="HQ's name for it, e.g. 新品海报.")
    width: int = strawberry.field(description="The poster's width in pixels (its background's).")
    height: int = strawberry.field(description="The poster's height in pixels.")
    background_url: str = strawberry.field(description="Absolute URL of the background image.")


@strawberry.type(description="A distributor's poster (分享海报) of one share link and template.")
class SharePoster:
    url: str = strawberry.field(
        description=(
            "Absolute URL of the PNG; it never changes content (a new price or template version "
            "gives a new URL)."
        )
    )
    width: int = strawberry.field(description="Width in pixels.")
    height: int = strawberry.field(description="Height in pixels.")
    template_version: int = strawberry.field(description="The template version it was made of.")
    price: Money = strawberry.field(description="The member price shown on it.")
    scene: str = strawberry.field(
        description="The scene of its 小程序码: the link's code and the template (CODE.TEMPLATE)."
    )


@strawberry.type
class SharePosterPayload:
    poster: SharePoster | None = strawberry.field(default=None, description="The poster.")
    errors: list[UserError]


async def poster_templates(
    info: Info, first: First = 20, after: After = None
) -> Connection[ShopPosterTemplateNode]:
    """Enabled templates, oldest first; two statements a page (and the count when asked)."""
    base = info.context.services.config.public_base_url
    templates = PosterTemplate.filter(enabled=True)
    rows, has_next = await fetch_page(templates, BY_ID, first, after)
    backgrounds = await background_urls(rows, base)
    nodes = [
        ShopPosterTemplateNode(
            id=strawberry.ID(to_global_id("PosterTemplate", t.id)),
            name=t.name,
            width=t.width,
            height=t.height,
            background_url=backgrounds[t.id],
        )
        for t in rows
    ]
    return build_connection(rows, nodes, has_next, after, BY_ID, templates.count)


async def share_poster(
    info: Info,
    link_id: Annotated[
        strawberry.ID, strawberry.argument(description="One of the caller's ShareLinks (PRODUCT).")
    ],
    template_id: Annotated[
        strawberry.ID, strawberry.argument(description="An enabled PosterTemplate.")
    ],
) -> SharePosterPayload:
    distributor = await for_member(await require_member(info))
    return await poster_payload(info, distributor, link_id, template_id)


async def poster_payload(
    info: Info,
    distributor: Distributor | None,
    link_id: strawberry.ID,
    template_id: strawberry.ID,
) -> SharePosterPayload:
    """The distributor's poster (shop: a member's, admin: a guide's)."""
    maker: PosterMaker = info.context.request.app.state.poster_maker
    poster = await maker.poster(
        distributor,
        from_global_id(link_id, "ShareLink", "linkId"),
        from_global_id(template_id, "PosterTemplate", "templateId"),
    )
    return SharePosterPayload(
        poster=SharePoster(
            url=poster.url,
            width=poster.width,
            height=poster.height,
            template_version=poster.template_version,
            price=Money.of(poster.price_fen),
            scene=poster.scene,
        ),
        errors=[],
    )
