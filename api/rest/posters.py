"""The share posters' images at stable URLs, for the mini-program and HQ's console:

- `GET /posters/{fingerprint}.png`: a composed poster (api/posters/maker.py). The URL names
  what the poster shows, so its bytes never change: `Cache-Control: immutable`. A poster that
  was rebuilt (new price, new template version) has a new URL and the old one answers 404.
- `GET /poster-images/{sha256}`: an image HQ uploaded (a template's background), by the digest
  of its bytes: immutable too.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from api.posters.fetcher import OWN_IMAGES_PATH
from api.posters.maker import POSTER_PATH
from distribution.posters import images, renders
from distribution.posters.models import PosterImage, PosterTemplate

IMAGE_PATH = OWN_IMAGES_PATH + "{sha256}"
CACHE_CONTROL = "public, max-age=31536000, immutable"
_DIGEST = re.compile(r"[0-9a-f]{64}")


def image_url(public_base_url: str, sha256: str) -> str:
    return f"{public_base_url}{OWN_IMAGES_PATH}{sha256}"


async def background_urls(templates: list[PosterTemplate], base: str) -> dict[int, str]:
    """Each template's background URL by template id, in one statement."""
    digests = dict(
        await PosterImage.filter(id__in={t.background_id for t in templates}).values_list(
            "id", "sha256"
        )
    )
    return {t.id: image_url(base, digests[t.background_id]) for t in templates}


def _not_found() -> Response:
    return Response("Not found.", status_code=404, media_type="text/plain")


def _immutable(request: Request, body: bytes, media_type: str, digest: str) -> Response:
    etag = f'"{digest[:32]}"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def poster_png(request: Request) -> Response:
    digest = request.path_params["fingerprint"]
    # Malformed names never reach the database.
    render = await renders.by_fingerprint(digest) if _DIGEST.fullmatch(digest) else None
    if render is None:
        return _not_found()
    return _immutable(request, bytes(render.png), "image/png", digest)


async def poster_image(request: Request) -> Response:
    digest = request.path_params["sha256"]
    row = await images.stored(digest) if _DIGEST.fullmatch(digest) else None
    if row is None:
        return _not_found()
    return _immutable(request, bytes(row.data), row.content_type, digest)


ROUTES = ((POSTER_PATH, poster_png), (IMAGE_PATH, poster_image))
