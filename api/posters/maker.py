"""A distributor's poster of one share link and one template, as a URL of its PNG.

The first request composes it (in a worker thread: ~0.1 s of CPU that must not stall the
event loop) and keeps it under the fingerprint of everything it shows; every later request
reads what the poster would show (a few rows), finds the same fingerprint and composes
nothing. A new template version, another member price (the price a new member pays: the
lowest tier's), title, product image, nickname or avatar gives another fingerprint, and so a
rebuilt poster at another URL. Inside a process one composer per (link, template) at a time,
so a distributor tapping twice composes once.

The 小程序码 on it comes from the code machinery (api/wechat/codes.py) with the poster's own
scene (`<code>.<template id>`: distribution/posters/scenes.py), made once and stored like a
link's; under DEV a plain QR of the same scene.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from api.keyed_locks import KeyedLocks
from api.posters.fetcher import ImageFetcher
from api.rest.qr import PAGE_SETTINGS
from api.shop.catalog import member_price_fen
from api.wechat.codes import CodeMaker, CodeUnavailable
from distribution.models import Distributor
from distribution.posters import renders, scenes, subjects
from distribution.posters.compose import PosterContent, compose
from distribution.posters.models import PosterImage
from distribution.posters.templates import boxes_of
from domain.errors import DomainError, ErrorCode
from domain.money import format_fen
from domain.settings.service import load_settings
from domain.wechat.models import CodeKind
from loyalty.tiers import lowest_tier

POSTER_PATH = "/posters/{fingerprint}.png"


def poster_url(public_base_url: str, fingerprint: str) -> str:
    return f"{public_base_url}/posters/{fingerprint}.png"


@dataclass(frozen=True)
class Poster:
    url: str
    width: int
    height: int
    template_version: int
    price_fen: int
    scene: str
    composed: bool  # False: served from the cache


@dataclass(frozen=True)
class _Plan:
    subject: subjects.PosterSubject
    price_fen: int
    scene: str
    product_image: str
    fingerprint: str


class PosterMaker:
    def __init__(
        self, codes: CodeMaker, fetcher: ImageFetcher, font_path: str, public_base_url: str
    ):
        self.codes = codes
        self.fetcher = fetcher
        self.font_path = font_path
        self.public_base_url = public_base_url
        self._composers = KeyedLocks()  # one composer per (link, template) in this process
        self.compositions = 0  # composed in this process (the benchmark reads it)

    async def poster(
        self, distributor: Distributor | None, link_id: int, template_id: int
    ) -> Poster:
        """The distributor's poster of their link (None: the caller is no distributor)."""
        plan = await self._plan(distributor, link_id, template_id)
        subject = plan.subject
        if await renders.current(subject.link.id, subject.template.id, plan.fingerprint):
            return self._poster(plan, composed=False)
        async with self._composers.held((subject.link.id, subject.template.id)):
            if await renders.current(subject.link.id, subject.template.id, plan.fingerprint):
                return self._poster(plan, composed=False)
            png = await self._composed(plan)
            await renders.save(
                subject.link.id,
                subject.template.id,
                plan.fingerprint,
                subject.template.version,
                plan.price_fen,
                png,
            )
        return self._poster(plan, composed=True)

    async def _plan(self, distributor: Distributor | None, link_id: int, template_id: int) -> _Plan:
        subject = await subjects.subject(distributor, link_id, template_id)
        tier = await lowest_tier()
        price_fen = member_price_fen(subject.product.min_price_fen, tier.discount_bp)
        scene = scenes.poster_scene(subject.link.code, subject.template.id)
        product_image = subject.product.images[0] if subject.product.images else ""
        shown = {
            "template": subject.template.id,
            "version": subject.template.version,
            "price_fen": price_fen,
            "title": subject.product.title,
            "product_image": product_image,
            "nickname": subject.nickname,
            "avatar": subject.avatar_url,
            "scene": scene,
            "font": self.font_path,
        }
        return _Plan(subject, price_fen, scene, product_image, renders.fingerprint(shown))

    def _poster(self, plan: _Plan, *, composed: bool) -> Poster:
        template = plan.subject.template
        return Poster(
            url=poster_url(self.public_base_url, plan.fingerprint),
            width=template.width,
            height=template.height,
            template_version=template.version,
            price_fen=plan.price_fen,
            scene=plan.scene,
            composed=composed,
        )

    async def _composed(self, plan: _Plan) -> bytes:
        subject = plan.subject
        hosts = (await load_settings())["poster.image_hosts"]
        background = await PosterImage.get(id=subject.template.background_id)
        product_image = None
        if plan.product_image:
            product_image = await self.fetcher.image(plan.product_image, "product.images.0", hosts)
        avatar = None
        if subject.avatar_url:
            avatar = await self.fetcher.image(subject.avatar_url, "sharer.avatarUrl", hosts)
        try:
            code = await self.codes.image(
                CodeKind.LINK, plan.scene, PAGE_SETTINGS[subject.link.target]
            )
        except CodeUnavailable as pause:
            raise DomainError(
                ErrorCode.IMAGE_UNAVAILABLE, "linkId", f"retry after {pause.retry_after} s"
            ) from None
        content = PosterContent(
            title=subject.product.title,
            price_text=format_fen(plan.price_fen),
            nickname=subject.nickname,
            product_image=product_image,
            avatar=avatar,
            code_png=code.png,
        )
        boxes = boxes_of(subject.template.boxes)
        png = await asyncio.to_thread(
            compose, bytes(background.data), boxes, content, self.font_path
        )
        self.compositions += 1
        return png
