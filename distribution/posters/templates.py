"""HQ's poster templates: validated as a whole before anything is saved (every box inside the
background, sizes within bounds), versioned on every edit, enabled or disabled."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from tortoise.expressions import F

from distribution.posters.models import PosterImage, PosterTemplate
from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.validation import clean_text

NAME_MAX = 40
MIN_BOX = 16
# A 小程序码 smaller than this is hard for a phone to scan off a poster.
MIN_CODE_BOX = 128
FONT_SIZES = (12, 160)
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
IMAGE_BOXES = ("product_image", "avatar", "code")
TEXT_BOXES = ("title", "price", "nickname")
# The client's name of each box (GraphQL input field), for error paths.
CLIENT_NAMES = {
    "product_image": "productImage",
    "title": "title",
    "price": "price",
    "nickname": "nickname",
    "avatar": "avatar",
    "code": "code",
}


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class TextBox(Box):
    font_size: int
    color: str


@dataclass(frozen=True)
class Boxes:
    """Where each element goes; None: not drawn. The 小程序码 is always on a poster."""

    code: Box
    product_image: Box | None = None
    title: TextBox | None = None
    price: TextBox | None = None
    nickname: TextBox | None = None
    avatar: Box | None = None

    def named(self) -> dict[str, Box]:
        return {
            name: box
            for name in (*IMAGE_BOXES, *TEXT_BOXES)
            if (box := getattr(self, name)) is not None
        }

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {name: asdict(box) for name, box in self.named().items()}


def boxes_of(stored: dict[str, dict[str, Any]]) -> Boxes:
    values: dict[str, Box] = {}
    for name, box in stored.items():
        values[name] = TextBox(**box) if name in TEXT_BOXES else Box(**box)
    return Boxes(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TemplateRequest:
    name: str
    background_id: int
    boxes: Boxes


def _checked_box(name: str, box: Box, width: int, height: int, field: str) -> None:
    path = f"{field}.{CLIENT_NAMES[name]}"
    least = MIN_CODE_BOX if name == "code" else MIN_BOX
    for attribute in ("width", "height"):
        if getattr(box, attribute) < least:
            raise DomainError(ErrorCode.OUT_OF_RANGE, f"{path}.{attribute}", f"at least {least}")
    if isinstance(box, TextBox):
        low, high = FONT_SIZES
        if not low <= box.font_size <= min(high, box.height):
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                f"{path}.fontSize",
                f"{low}..{high} and at most the box's height",
            )
        if not _COLOR.fullmatch(box.color):
            raise DomainError(ErrorCode.INVALID, f"{path}.color", "#RRGGBB")
    inside = (
        box.x >= 0 and box.y >= 0 and box.x + box.width <= width and box.y + box.height <= height
    )
    if not inside:
        raise DomainError(
            ErrorCode.POSTER_BOX_OUTSIDE,
            path,
            f"x {box.x}, y {box.y}, {box.width}×{box.height} on a {width}×{height} background",
        )


async def _checked(request: TemplateRequest, field: str) -> tuple[str, PosterImage]:
    name = clean_text(request.name, f"{field}.name", NAME_MAX)
    background = await PosterImage.get_or_none(id=request.background_id)
    if background is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"{field}.backgroundId")
    for box_name, box in request.boxes.named().items():
        _checked_box(box_name, box, background.width, background.height, f"{field}.boxes")
    return name, background


async def create_template(
    request: TemplateRequest, actor: str, field: str = "input"
) -> PosterTemplate:
    name, background = await _checked(request, field)
    moment = clock.now()
    return await PosterTemplate.create(
        name=name,
        background_id=background.id,
        width=background.width,
        height=background.height,
        boxes=request.boxes.as_json(),
        updated_by=actor,
        created_at=moment,
        updated_at=moment,
    )


async def update_template(
    template_id: int, request: TemplateRequest, actor: str, field: str = "input"
) -> PosterTemplate:
    """Rewrite a template as a whole; its version goes up by one, so its posters are rebuilt
    when next asked for."""
    name, background = await _checked(request, field)
    updated = await PosterTemplate.filter(id=template_id).update(
        name=name,
        background_id=background.id,
        width=background.width,
        height=background.height,
        boxes=request.boxes.as_json(),
        version=F("version") + 1,
        updated_by=actor,
        updated_at=clock.now(),
    )
    if not updated:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return await PosterTemplate.get(id=template_id)


async def set_enabled(template_id: int, enabled: bool, actor: str) -> PosterTemplate:
    """A disabled template is offered to no distributor and makes no new poster; what it made
    stays counted in the funnel."""
    updated = await PosterTemplate.filter(id=template_id).update(
        enabled=enabled, updated_by=actor, updated_at=clock.now()
    )
    if not updated:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return await PosterTemplate.get(id=template_id)


async def enabled_template(template_id: int) -> PosterTemplate | None:
    return await PosterTemplate.get_or_none(id=template_id, enabled=True)
