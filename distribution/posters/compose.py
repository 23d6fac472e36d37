"""Drawing a poster with Pillow: the background, then each box of the template. Pure: bytes
in, PNG bytes out, so it runs in a worker thread and in the benchmark alike.

Text is set in one font file (a CJK one: titles and nicknames are Chinese), wrapped by
character width since Chinese has no spaces, and cut with '…' where the box ends. Images fill
their box (cropped to its proportions, centred); the avatar is round; the 小程序码 is a square
of the box's shorter side, centred. The PNG is written with little compression: composing is
paid for once per poster, its bytes are served from the cache.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

from distribution.posters.templates import Box, Boxes, TextBox

ELLIPSIS = "…"
LINE_SPACING = 1.3
PNG_COMPRESSION = 1
AVATAR_PLACEHOLDER = (220, 220, 220)


@dataclass(frozen=True)
class PosterContent:
    title: str
    price_text: str
    nickname: str
    product_image: bytes | None
    avatar: bytes | None
    code_png: bytes


_fonts = threading.local()


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Loaded once per thread: a FreeType face must not render in two threads at once."""
    loaded: dict[tuple[str, int], ImageFont.FreeTypeFont] = _fonts.__dict__.setdefault("by", {})
    if (path, size) not in loaded:
        loaded[(path, size)] = ImageFont.truetype(path, size)
    return loaded[(path, size)]


@lru_cache(maxsize=8)
def _background(data: bytes) -> Image.Image:
    """Decoded once per background (keyed by its bytes); callers draw on a copy."""
    return Image.open(io.BytesIO(data)).convert("RGB")


def _decoded(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGBA")


def _lines(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """`text` broken into at most `max_lines` lines no wider than `width`; the last line cut
    with an ellipsis when the text goes on."""
    lines: list[str] = []
    current = ""
    for char in text.replace("\n", " "):
        if not current or font.getlength(current + char) <= width:
            current += char
            continue
        lines.append(current)
        current = char.lstrip()
        if len(lines) == max_lines:
            break
    else:
        if current:
            lines.append(current)
        return lines
    last = lines[-1]
    while last and font.getlength(last + ELLIPSIS) > width:
        last = last[:-1]
    lines[-1] = last + ELLIPSIS
    return lines


def _text(draw: ImageDraw.ImageDraw, text: str, box: TextBox, font_path: str) -> None:
    if not text:
        return
    font = _font(font_path, box.font_size)
    line_height = int(box.font_size * LINE_SPACING)
    max_lines = max(1, (box.height - box.font_size) // line_height + 1)
    for index, line in enumerate(_lines(text, font, box.width, max_lines)):
        draw.text((box.x, box.y + index * line_height), line, font=font, fill=box.color)


def _filled(canvas: Image.Image, data: bytes, box: Box) -> None:
    image = ImageOps.fit(_decoded(data), (box.width, box.height), Image.Resampling.BILINEAR)
    canvas.paste(image, (box.x, box.y), image)


def _round(canvas: Image.Image, data: bytes | None, box: Box) -> None:
    side = min(box.width, box.height)
    left = box.x + (box.width - side) // 2
    top = box.y + (box.height - side) // 2
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, side - 1, side - 1), fill=255)
    if data is None:
        canvas.paste(Image.new("RGB", (side, side), AVATAR_PLACEHOLDER), (left, top), mask)
        return
    image = ImageOps.fit(_decoded(data), (side, side), Image.Resampling.BILINEAR)
    alpha = image.getchannel("A")
    image.putalpha(Image.composite(alpha, mask, mask))
    canvas.paste(image, (left, top), image)


def _code(canvas: Image.Image, data: bytes, box: Box) -> None:
    side = min(box.width, box.height)
    # NEAREST keeps the modules' edges sharp for the camera.
    image = _decoded(data).resize((side, side), Image.Resampling.NEAREST)
    canvas.paste(image, (box.x + (box.width - side) // 2, box.y + (box.height - side) // 2), image)


def compose(background: bytes, boxes: Boxes, content: PosterContent, font_path: str) -> bytes:
    """The poster as PNG bytes, of the background's size."""
    canvas = _background(background).copy()
    if boxes.product_image is not None and content.product_image is not None:
        _filled(canvas, content.product_image, boxes.product_image)
    if boxes.avatar is not None:
        _round(canvas, content.avatar, boxes.avatar)
    _code(canvas, content.code_png, boxes.code)
    draw = ImageDraw.Draw(canvas)
    for box, text in (
        (boxes.title, content.title),
        (boxes.price, content.price_text),
        (boxes.nickname, content.nickname),
    ):
        if box is not None:
            _text(draw, text, box, font_path)
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=PNG_COMPRESSION)
    return out.getvalue()
