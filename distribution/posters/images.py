"""Images as the posters take them: checked to be what they claim (decoded by Pillow, within
bounds of bytes and pixels) before anything is stored or drawn, and HQ's uploads kept in the
database as the service's own storage (`PosterImage`)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image

from distribution.posters.models import PosterImage
from domain import clock
from domain.errors import DomainError, ErrorCode

# What a poster may be made of; anything else (SVG, GIF, TIFF, ...) is refused.
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# An upload travels base64 in a GraphQL body of at most 1 MiB.
MAX_UPLOAD_BYTES = 700 * 1024
# A product image or an avatar: at most this many pixels (a decompression bomb stops here,
# before anything is decoded).
MAX_PIXELS = 4096 * 4096
BACKGROUND_WIDTH = (300, 2000)
BACKGROUND_HEIGHT = (300, 4000)


@dataclass(frozen=True)
class CheckedImage:
    content_type: str
    width: int
    height: int


def checked(data: bytes, field: str, max_pixels: int = MAX_PIXELS) -> CheckedImage:
    """What `data` is, when it is a whole PNG, JPEG or WebP image of at most `max_pixels`;
    IMAGE_INVALID otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise DomainError(ErrorCode.IMAGE_INVALID, field, "PNG, JPEG or WebP")
            width, height = image.size
            if width * height > max_pixels:
                raise DomainError(ErrorCode.IMAGE_INVALID, field, "too many pixels")
            image.load()
    except DomainError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as error:
        raise DomainError(ErrorCode.IMAGE_INVALID, field, "not a readable image") from error
    return CheckedImage(FORMATS[image.format], width, height)


async def upload(data: bytes, actor: str, field: str = "content") -> PosterImage:
    """Keep an image HQ uploaded (a background); the same bytes twice are the same row."""
    if not data:
        raise DomainError(ErrorCode.REQUIRED, field)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(ErrorCode.IMAGE_INVALID, field, f"at most {MAX_UPLOAD_BYTES} bytes")
    image = checked(data, field)
    low_w, high_w = BACKGROUND_WIDTH
    low_h, high_h = BACKGROUND_HEIGHT
    if not (low_w <= image.width <= high_w and low_h <= image.height <= high_h):
        raise DomainError(
            ErrorCode.IMAGE_INVALID,
            field,
            f"width {low_w}..{high_w} and height {low_h}..{high_h} pixels",
        )
    digest = hashlib.sha256(data).hexdigest()
    existing = await PosterImage.get_or_none(sha256=digest)
    if existing is not None:
        return existing
    row, _ = await PosterImage.get_or_create(
        sha256=digest,
        defaults={
            "content_type": image.content_type,
            "width": image.width,
            "height": image.height,
            "data": data,
            "uploaded_by": actor,
            "created_at": clock.now(),
        },
    )
    return row


async def stored(sha256: str) -> PosterImage | None:
    return await PosterImage.get_or_none(sha256=sha256)
