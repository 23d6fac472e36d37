"""Per-request DataLoaders: a relation followed from every row of a page costs one query."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from domain.org.models import Store


async def _stores_by_id(ids: Sequence[int]) -> list[Store | None]:
    found = {store.id: store for store in await Store.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


def store_loader(info: Info) -> DataLoader[int, Store | None]:
    return info.context.loader("store", lambda: DataLoader(load_fn=_stores_by_id))
