"""Writing and listing content items (素材). HQ_OPERATOR writes them; a guide or store manager
sees the items meant for their store that are valid now; HQ sees every item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from distribution.content.models import ContentItem, ContentItemStore, ContentTarget
from domain import clock
from domain.catalog.models import Product
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.org.models import Store
from domain.validation import clean_text, https_url

MAX_IMAGES = 9
MAX_SHARE_TEXT = 2000
MAX_STORES = 100


@dataclass(frozen=True)
class ContentInput:
    title: str
    share_text: str
    images: tuple[str, ...]
    target: ContentTarget
    target_id: int | None
    campaign: str | None
    valid_from: datetime
    valid_until: datetime
    store_ids: tuple[int, ...] = ()
    """Empty: every store."""


async def _columns(spec: ContentInput) -> dict[str, Any]:
    """The item's columns, or a DomainError at the input field (`input.images.2`)."""
    if len(spec.images) > MAX_IMAGES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "input.images", f"max {MAX_IMAGES}")
    if spec.valid_until <= spec.valid_from:
        raise DomainError(ErrorCode.INVALID_RANGE, "input.validUntil")
    if len(spec.store_ids) > MAX_STORES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "input.storeIds", f"max {MAX_STORES}")
    stores = set(spec.store_ids)
    if stores and await Store.filter(id__in=list(stores)).count() != len(stores):
        raise DomainError(ErrorCode.NOT_FOUND, "input.storeIds")
    target_id, campaign = None, None
    if spec.target == ContentTarget.PRODUCT:
        if spec.target_id is None:
            raise DomainError(ErrorCode.REQUIRED, "input.targetId")
        if not await Product.exists(id=spec.target_id):
            raise DomainError(ErrorCode.NOT_FOUND, "input.targetId")
        target_id = spec.target_id
    else:
        campaign = clean_text(spec.campaign or "", "input.campaign", 64)
    return {
        "title": clean_text(spec.title, "input.title", 64),
        "share_text": clean_text(
            spec.share_text, "input.shareText", MAX_SHARE_TEXT, multiline=True
        ),
        "images": [https_url(url, f"input.images.{i}") for i, url in enumerate(spec.images)],
        "target": spec.target,
        "target_id": target_id,
        "campaign": campaign,
        "valid_from": spec.valid_from,
        "valid_until": spec.valid_until,
        "all_stores": not stores,
    }


async def create_item(spec: ContentInput, actor: str) -> ContentItem:
    columns = await _columns(spec)
    moment = clock.now()
    async with transaction():
        item = await ContentItem.create(
            **columns, created_by=actor, created_at=moment, updated_at=moment
        )
        await _set_stores(item.id, spec.store_ids)
    return item


async def update_item(item_id: int, spec: ContentInput) -> ContentItem:
    """Replace every field of the item; links already shared keep their target."""
    if not await ContentItem.exists(id=item_id):
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    columns = await _columns(spec)
    async with transaction():
        await ContentItem.filter(id=item_id).update(**columns, updated_at=clock.now())
        await ContentItemStore.filter(item_id=item_id).delete()
        await _set_stores(item_id, spec.store_ids)
    return await ContentItem.get(id=item_id)


async def _set_stores(item_id: int, store_ids: tuple[int, ...]) -> None:
    await ContentItemStore.bulk_create(
        [ContentItemStore(item_id=item_id, store_id=store) for store in sorted(set(store_ids))]
    )


def items_in_scope(store_id: int | None, *, valid_now: bool = True) -> QuerySet[ContentItem]:
    """HQ (None): every item. A store's staff: the items for their store, those valid now
    unless `valid_now` is false (a manager's funnel of an item that ended)."""
    if store_id is None:
        return ContentItem.all()
    for_store = Subquery(ContentItemStore.filter(store_id=store_id).values("item_id"))
    items = ContentItem.filter(Q(all_stores=True) | Q(id__in=for_store))
    if not valid_now:
        return items
    moment = clock.now()
    return items.filter(valid_from__lte=moment, valid_until__gt=moment)


async def item_in_scope(
    item_id: int, store_id: int | None, field: str = "id", *, valid_now: bool = True
) -> ContentItem:
    item = await items_in_scope(store_id, valid_now=valid_now).get_or_none(id=item_id)
    if item is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return item


async def store_ids_of(item_ids: list[int]) -> dict[int, list[int]]:
    """The target stores of each item (empty: every store), one statement."""
    stores: dict[int, list[int]] = {item_id: [] for item_id in item_ids}
    for item_id, store_id in (
        await ContentItemStore.filter(item_id__in=item_ids)
        .order_by("store_id")
        .values_list("item_id", "store_id")
    ):
        stores[item_id].append(store_id)
    return stores
