"""HQ's share poster templates (海报模板, SPEC 18): upload a background, create and edit
templates (every box checked against the background before anything is saved; every edit a
new version), enable or disable them."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import BY_ID, After, Connection, First, build_connection, fetch_page
from api.rest.posters import background_urls, image_url
from api.shop.posters import SharePosterPayload, poster_payload
from distribution.distributors import for_guide
from distribution.posters import images, templates
from distribution.posters.models import PosterImage, PosterTemplate
from domain.errors import DomainError, ErrorCode


@strawberry.type(description="Where an image goes on a poster, in pixels from the top left.")
class PosterBox:
    x: int = strawberry.field(description="Left edge.")
    y: int = strawberry.field(description="Top edge.")
    width: int = strawberry.field(description="Width.")
    height: int = strawberry.field(description="Height.")


@strawberry.type(description="Where a text goes on a poster, with its size and colour.")
class PosterTextBox(PosterBox):
    font_size: int = strawberry.field(description="Font size in pixels.")
    color: str = strawberry.field(description="#RRGGBB.")


@strawberry.type(description="The boxes of a template; null: that element is not drawn.")
class PosterBoxes:
    product_image: PosterBox | None = strawberry.field(description="The product's cover image.")
    title: PosterTextBox | None = strawberry.field(
        description="The product title, wrapped, cut with … where the box ends."
    )
    price: PosterTextBox | None = strawberry.field(description="The member price, e.g. ¥129.00.")
    nickname: PosterTextBox | None = strawberry.field(description="The sharer's nickname.")
    avatar: PosterBox | None = strawberry.field(description="The sharer's avatar, round.")
    code: PosterBox = strawberry.field(description="The 小程序码, square, centred in the box.")


@strawberry.type(name="PosterTemplate", description="A share poster layout (海报模板).")
class PosterTemplateNode:
    id: strawberry.ID = strawberry.field(description="Global ID (PosterTemplate).")
    name: str = strawberry.field(description="HQ's name for it.")
    background_id: strawberry.ID = strawberry.field(description="Global ID (PosterImage).")
    background_url: str = strawberry.field(description="Absolute URL of the background.")
    width: int = strawberry.field(description="Canvas width: the background's, in pixels.")
    height: int = strawberry.field(description="Canvas height: the background's, in pixels.")
    boxes: PosterBoxes = strawberry.field(description="Where each element goes.")
    enabled: bool = strawberry.field(description="Offered to distributors.")
    version: int = strawberry.field(description="1, plus one per edit; posters follow it.")
    updated_at: datetime = strawberry.field(description="Last change.")


@strawberry.type(name="PosterImage", description="An image HQ uploaded (a poster background).")
class PosterImageNode:
    id: strawberry.ID = strawberry.field(description="Global ID (PosterImage).")
    url: str = strawberry.field(description="Absolute URL, cached for good.")
    width: int = strawberry.field(description="Width in pixels.")
    height: int = strawberry.field(description="Height in pixels.")
    content_type: str = strawberry.field(description="image/png, image/jpeg or image/webp.")


@strawberry.input(description="Where an image goes, in pixels from the background's top left.")
class PosterBoxInput:
    x: int = strawberry.field(description="Left edge, 0 or more.")
    y: int = strawberry.field(description="Top edge, 0 or more.")
    width: int = strawberry.field(description="At least 16 (the 小程序码: 128); inside the image.")
    height: int = strawberry.field(description="At least 16 (the 小程序码: 128); inside the image.")

    def to_domain(self) -> templates.Box:
        return templates.Box(self.x, self.y, self.width, self.height)


@strawberry.input(description="Where a text goes, with its size and colour.")
class PosterTextBoxInput:
    x: int = strawberry.field(description="Left edge, 0 or more.")
    y: int = strawberry.field(description="Top edge, 0 or more.")
    width: int = strawberry.field(description="At least 16; inside the image.")
    height: int = strawberry.field(description="At least 16 and at least the font size.")
    font_size: int = strawberry.field(description="12..160 pixels.")
    color: str = strawberry.field(default="#333333", description="#RRGGBB; #333333 by default.")

    def to_domain(self) -> templates.TextBox:
        return templates.TextBox(
            self.x, self.y, self.width, self.height, self.font_size, self.color
        )


@strawberry.input(description="The boxes of a template; leave one out to not draw it.")
class PosterBoxesInput:
    code: PosterBoxInput = strawberry.field(description="The 小程序码 (required).")
    product_image: PosterBoxInput | None = strawberry.field(
        default=None, description="The product's cover image."
    )
    title: PosterTextBoxInput | None = strawberry.field(
        default=None, description="The product title."
    )
    price: PosterTextBoxInput | None = strawberry.field(
        default=None, description="The member price."
    )
    nickname: PosterTextBoxInput | None = strawberry.field(
        default=None, description="The sharer's nickname."
    )
    avatar: PosterBoxInput | None = strawberry.field(
        default=None, description="The sharer's avatar (drawn round)."
    )

    def to_domain(self) -> templates.Boxes:
        return templates.Boxes(
            code=self.code.to_domain(),
            product_image=self.product_image.to_domain() if self.product_image else None,
            title=self.title.to_domain() if self.title else None,
            price=self.price.to_domain() if self.price else None,
            nickname=self.nickname.to_domain() if self.nickname else None,
            avatar=self.avatar.to_domain() if self.avatar else None,
        )


@strawberry.input(description="A poster template as it should be.")
class PosterTemplateInput:
    name: str = strawberry.field(description="At most 40 characters.")
    background_id: strawberry.ID = strawberry.field(
        description="A PosterImage from uploadPosterImage; the canvas takes its size."
    )
    boxes: PosterBoxesInput = strawberry.field(description="Where each element goes.")

    def to_domain(self) -> templates.TemplateRequest:
        return templates.TemplateRequest(
            name=self.name,
            background_id=from_global_id(self.background_id, "PosterImage", "input.backgroundId"),
            boxes=self.boxes.to_domain(),
        )


@strawberry.type
class PosterImagePayload:
    image: PosterImageNode | None = strawberry.field(default=None, description="The image kept.")
    errors: list[UserError]


@strawberry.type
class PosterTemplatePayload:
    template: PosterTemplateNode | None = strawberry.field(
        default=None, description="The template as saved."
    )
    errors: list[UserError]


def _box(stored: dict | None) -> PosterBox | None:
    return None if stored is None else PosterBox(**stored)


def _text_box(stored: dict | None) -> PosterTextBox | None:
    return None if stored is None else PosterTextBox(**stored)


def template_node(template: PosterTemplate, background_url: str) -> PosterTemplateNode:
    boxes = template.boxes
    return PosterTemplateNode(
        id=strawberry.ID(to_global_id("PosterTemplate", template.id)),
        name=template.name,
        background_id=strawberry.ID(to_global_id("PosterImage", template.background_id)),
        background_url=background_url,
        width=template.width,
        height=template.height,
        boxes=PosterBoxes(
            product_image=_box(boxes.get("product_image")),
            title=_text_box(boxes.get("title")),
            price=_text_box(boxes.get("price")),
            nickname=_text_box(boxes.get("nickname")),
            avatar=_box(boxes.get("avatar")),
            code=PosterBox(**boxes["code"]),
        ),
        enabled=template.enabled,
        version=template.version,
        updated_at=template.updated_at,
    )


def _base(info: Info) -> str:
    return info.context.services.config.public_base_url


async def _payload(info: Info, template: PosterTemplate) -> PosterTemplatePayload:
    urls = await background_urls([template], _base(info))
    return PosterTemplatePayload(template=template_node(template, urls[template.id]), errors=[])


async def poster_templates(
    info: Info, first: First = 20, after: After = None
) -> Connection[PosterTemplateNode]:
    """Every template, disabled ones included, oldest first; two statements a page."""
    rows, has_next = await fetch_page(PosterTemplate.all(), BY_ID, first, after)
    urls = await background_urls(rows, _base(info))
    nodes = [template_node(t, urls[t.id]) for t in rows]
    return build_connection(rows, nodes, has_next, after, BY_ID, PosterTemplate.all().count)


async def upload_poster_image(
    info: Info,
    content_base64: Annotated[
        str,
        strawberry.argument(
            description="The image file (PNG, JPEG or WebP, at most 700 KiB), base64."
        ),
    ],
) -> PosterImagePayload:
    staff = (await granted(info)).staff
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(ErrorCode.INVALID, "contentBase64", "base64") from None
    image = await images.upload(data, f"staff:{staff.id}", "contentBase64")
    return PosterImagePayload(image=_image_node(info, image), errors=[])


def _image_node(info: Info, image: PosterImage) -> PosterImageNode:
    return PosterImageNode(
        id=strawberry.ID(to_global_id("PosterImage", image.id)),
        url=image_url(_base(info), image.sha256),
        width=image.width,
        height=image.height,
        content_type=image.content_type,
    )


async def create_poster_template(
    info: Info,
    input: Annotated[PosterTemplateInput, strawberry.argument(description="The new template.")],
) -> PosterTemplatePayload:
    staff = (await granted(info)).staff
    template = await templates.create_template(input.to_domain(), f"staff:{staff.id}")
    return await _payload(info, template)


async def update_poster_template(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The PosterTemplate.")],
    input: Annotated[
        PosterTemplateInput, strawberry.argument(description="The template as it should be.")
    ],
) -> PosterTemplatePayload:
    staff = (await granted(info)).staff
    template_id = from_global_id(id, "PosterTemplate", "id")
    template = await templates.update_template(template_id, input.to_domain(), f"staff:{staff.id}")
    return await _payload(info, template)


async def set_poster_template_enabled(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The PosterTemplate.")],
    enabled: Annotated[bool, strawberry.argument(description="Offer it to distributors.")],
) -> PosterTemplatePayload:
    staff = (await granted(info)).staff
    template_id = from_global_id(id, "PosterTemplate", "id")
    template = await templates.set_enabled(template_id, enabled, f"staff:{staff.id}")
    return await _payload(info, template)


async def share_poster(
    info: Info,
    link_id: Annotated[
        strawberry.ID, strawberry.argument(description="One of the guide's ShareLinks (PRODUCT).")
    ],
    template_id: Annotated[
        strawberry.ID, strawberry.argument(description="An enabled PosterTemplate.")
    ],
) -> SharePosterPayload:
    """The guide's poster of one of their own links (the shop's sharePoster, for guides)."""
    grant = await granted(info)
    return await poster_payload(info, await for_guide(grant.staff), link_id, template_id)
