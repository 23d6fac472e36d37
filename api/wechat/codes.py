"""小程序码 for share links and stores (SPEC 18), made lazily on the first request for them.

Why lazily: most links are shared in chats and never need an image, and WeChat's quota is
spent only on codes someone asked for. The first request makes the code and stores it
(domain/wechat/codes.py); every later one is served from the database, and clients and CDNs
cache it for good (the image of a scene never changes).

One maker per code: inside a process, requests for the same code queue on one lock; across
processes, the row's lease lets exactly one process call WeChat while the others poll for the
image. So a KOC's crowd opening a fresh link costs one `getwxacodeunlimit` call.

`wxacode.getUnlimited` as documented: `scene` at most 32 visible characters of
`[0-9A-Za-z!#$&'()*+,/:;=?@-._~]`; `page` without a leading slash or parameters; `check_path`
and `env_version` from the settings (`wechat.*`). A rate limit (45009, 45011) pauses that code
for the error's `retry_after`: the route answers 503 with Retry-After meanwhile, and nobody
asks WeChat for it before then.

Without a WeChat app (the DEV login provider) the route serves a plain QR of the scene (segno),
made on the fly: nothing to store, nothing to call.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta

import segno

from api.keyed_locks import KeyedLocks
from api.wechat.client import WechatClient
from api.wechat.errors import WechatError, WechatRateLimited
from domain import clock
from domain.settings.service import Settings, load_settings
from domain.wechat import codes
from domain.wechat.models import CodeKind

log = logging.getLogger("siyu.wechat.codes")

SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")
# A maker holds a code this long; one that died is replaced after it.
MAKER_LEASE = timedelta(seconds=30)
# How long a request waits for another process to finish the image before answering 503.
WAIT_FOR_MAKER = 10.0
_POLL = 0.05
# Retry-After when WeChat failed otherwise (busy, unreachable, timed out).
RETRY_AFTER_FAILURE = 5


def is_scene(text: str) -> bool:
    """Whether WeChat accepts `text` as a scene as it is."""
    return SCENE.fullmatch(text) is not None


@dataclass(frozen=True)
class CodeImage:
    png: bytes
    etag: str
    stored: bool  # False: a plain QR made on the fly (DEV)


class CodeUnavailable(Exception):
    """No image yet: ask again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def plain_qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


class CodeMaker:
    """Serves each code's image, making it once (see the module docstring). `wechat` is None
    under the DEV login provider."""

    def __init__(self, wechat: WechatClient | None):
        self.wechat = wechat
        self._holder = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._makers = KeyedLocks()  # one maker per code in this process

    async def image(self, kind: CodeKind, scene: str, page_setting: str) -> CodeImage:
        """The code's PNG; `page_setting` names the setting holding the page it opens."""
        if self.wechat is None:
            png = plain_qr_png(scene)
            return CodeImage(png, codes.etag_of(png), stored=False)
        row = await codes.stored(kind, scene)
        if row is not None and row.png is not None:
            return CodeImage(bytes(row.png), row.etag, stored=True)
        async with self._makers.held((kind, scene)):
            return await self._made(kind, scene, page_setting)

    async def _made(self, kind: CodeKind, scene: str, page_setting: str) -> CodeImage:
        assert self.wechat is not None
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + WAIT_FOR_MAKER
        while True:
            row = await codes.stored(kind, scene)
            now = clock.now()
            if row is not None and row.png is not None:
                return CodeImage(bytes(row.png), row.etag, stored=True)
            if row is not None and row.retry_at is not None and row.retry_at > now:
                raise CodeUnavailable(max(1, int((row.retry_at - now).total_seconds() + 0.999)))
            settings = await load_settings()
            page = settings[page_setting]
            if await codes.claim(kind, scene, page, self._holder, now, MAKER_LEASE):
                return await self._make(kind, scene, page, settings)
            if loop.time() >= give_up_at:
                raise CodeUnavailable(1)
            await asyncio.sleep(_POLL)

    async def _make(self, kind: CodeKind, scene: str, page: str, settings: Settings) -> CodeImage:
        assert self.wechat is not None
        try:
            png = await self.wechat.unlimited_code(
                scene,
                page,
                check_path=settings["wechat.check_path"],
                env_version=settings["wechat.env_version"].lower(),
            )
        except WechatRateLimited as error:
            retry_at = clock.now() + timedelta(seconds=error.retry_after)
            await codes.pause(kind, scene, self._holder, retry_at)
            log.warning("小程序码 rate-limited (%s): paused %s s", error.detail, error.retry_after)
            raise CodeUnavailable(error.retry_after) from None
        except WechatError as error:
            await codes.release(kind, scene, self._holder)
            log.error("小程序码 not made: %s %s", type(error).__name__, error.detail)
            raise CodeUnavailable(RETRY_AFTER_FAILURE) from None
        etag = await codes.save(kind, scene, png, clock.now())
        return CodeImage(png, etag, stored=True)
