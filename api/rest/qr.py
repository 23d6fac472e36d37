"""The 小程序码 images of share links and stores (SPEC 18), at absolute, stable URLs:

- `GET /qr/{code}.png`: a share link's code; scene = the link's code, page = the link's target
  page (`wechat.page.product|store|home|campaign`);
- `GET /qr/stores/{code}.png`: a store's code; scene = the store's code, page =
  `wechat.page.store_code` (a landing page of its own: on the store page a scene is a share
  link's code, so a store's code needs another page to be told apart).

Made once and stored (api/wechat/codes.py); served with `Cache-Control: immutable` and an
ETag (a conditional request is answered 304). While WeChat's rate limit pauses a code: 503
with Retry-After. Under the DEV login provider: a plain QR of the scene.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from api.wechat.codes import CodeMaker, CodeUnavailable, is_scene
from distribution import links
from distribution.models import ShareTarget
from domain.org.models import Store, StoreStatus
from domain.wechat.models import CodeKind

LINK_QR_PATH = "/qr/{code}.png"
STORE_QR_PATH = "/qr/stores/{code}.png"
CACHE_CONTROL = "public, max-age=31536000, immutable"
# A plain QR under DEV may become a real 小程序码 once WeChat is configured.
DEV_CACHE_CONTROL = "public, max-age=300"
_LINK_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
PAGE_SETTINGS = {
    ShareTarget.PRODUCT: "wechat.page.product",
    ShareTarget.STORE: "wechat.page.store",
    ShareTarget.HOME: "wechat.page.home",
    ShareTarget.CAMPAIGN: "wechat.page.campaign",
}
STORE_PAGE_SETTING = "wechat.page.store_code"


def link_qr_url(public_base_url: str, code: str) -> str:
    return f"{public_base_url}/qr/{code}.png"


def store_qr_url(public_base_url: str, store_code: str) -> str:
    return f"{public_base_url}/qr/stores/{quote(store_code, safe='')}.png"


def _not_found() -> Response:
    return Response("Not found.", status_code=404, media_type="text/plain")


async def _served(request: Request, kind: CodeKind, scene: str, page_setting: str) -> Response:
    maker: CodeMaker = request.app.state.code_maker
    try:
        image = await maker.image(kind, scene, page_setting)
    except CodeUnavailable as pause:
        return Response(
            "The code is being made; try again shortly.",
            status_code=503,
            media_type="text/plain",
            headers={"Retry-After": str(pause.retry_after)},
        )
    etag = f'"{image.etag}"'
    headers = {
        "Cache-Control": CACHE_CONTROL if image.stored else DEV_CACHE_CONTROL,
        "ETag": etag,
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(image.png, media_type="image/png", headers=headers)


async def link_qr(request: Request) -> Response:
    code = request.path_params["code"]
    # Malformed codes never reach the database.
    link = await links.by_code(code) if _LINK_CODE.fullmatch(code) else None
    if link is None:
        return _not_found()
    return await _served(request, CodeKind.LINK, link.code, PAGE_SETTINGS[link.target])


async def store_qr(request: Request) -> Response:
    code = request.path_params["code"]
    if not is_scene(code):
        # A store code WeChat cannot carry as a scene (e.g. Chinese characters) has no image.
        return _not_found()
    if not await Store.exists(code=code, status=StoreStatus.ACTIVE):
        return _not_found()
    return await _served(request, CodeKind.STORE, code, STORE_PAGE_SETTING)
