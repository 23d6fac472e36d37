"""The composed posters, one per (link, template), kept under the fingerprint of what they
show: asking again for an unchanged poster reads one row and composes nothing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tortoise.exceptions import IntegrityError

from distribution.posters.models import PosterRender
from domain import clock


def fingerprint(shown: dict[str, Any]) -> str:
    """A digest of everything drawn on a poster (template version, price, texts, images and
    the scene): equal fingerprints are equal posters."""
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


async def current(link_id: int, template_id: int, digest: str) -> PosterRender | None:
    """The pair's poster when it still shows what `digest` says."""
    return await PosterRender.get_or_none(
        link_id=link_id, template_id=template_id, fingerprint=digest
    )


async def by_fingerprint(digest: str) -> PosterRender | None:
    return await PosterRender.get_or_none(fingerprint=digest)


async def save(
    link_id: int, template_id: int, digest: str, template_version: int, price_fen: int, png: bytes
) -> None:
    """Keep the pair's new poster in place of its old one (two composers of the same poster
    write the same bytes: the last one stays)."""
    values: dict[str, Any] = {
        "fingerprint": digest,
        "template_version": template_version,
        "price_fen": price_fen,
        "png": png,
        "made_at": clock.now(),
    }
    if await PosterRender.filter(link_id=link_id, template_id=template_id).update(**values):
        return
    try:
        await PosterRender.create(link_id=link_id, template_id=template_id, **values)
    except IntegrityError:
        await PosterRender.filter(link_id=link_id, template_id=template_id).update(**values)
