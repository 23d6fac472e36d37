"""QR code PNGs of share links for posters: `GET /qr/{code}.png` encodes the link's mini-program
path. A link never changes, so the image is cached for a long time by clients and CDNs."""

from __future__ import annotations

import io
import re

import segno
from starlette.requests import Request
from starlette.responses import Response

from api.shop.distribution_links import mini_program_path
from distribution import links

QR_PATH = "/qr/{code}.png"
CACHE_CONTROL = "public, max-age=2592000, immutable"
_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")


def png_of(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


async def share_qr(request: Request) -> Response:
    code = request.path_params["code"]
    # Malformed codes never reach the database.
    link = await links.by_code(code) if _CODE.fullmatch(code) else None
    if link is None:
        return Response("Not found.", status_code=404, media_type="text/plain")
    return Response(
        png_of(mini_program_path(link)),
        media_type="image/png",
        headers={"Cache-Control": CACHE_CONTROL, "ETag": f'"{link.code}"'},
    )
