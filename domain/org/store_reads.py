"""The storefront's store list as hand-written statements read into plain rows (issue 18: the
shop's hot reads skip the ORM; see domain/catalog/reads.py for why)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain import sql
from domain.org.models import StoreKind, StoreStatus
from domain.sql import Sql

ACTIVE = {"active": StoreStatus.ACTIVE}
_COLUMNS = "id, code, name, kind, region, address, latitude, longitude"

# Column positions of a store row (`kind` is a StoreKind).
ID, CODE, NAME, KIND, REGION, ADDRESS, LATITUDE, LONGITUDE = range(8)

_PAGE = Sql(
    "stores.page_by_id",
    f"SELECT {_COLUMNS} FROM store WHERE status = :active AND id > :after_id"  # noqa: S608
    " ORDER BY id LIMIT :limit",
    constants=ACTIVE,
)
_LOCATED = Sql(
    "stores.located",
    f"SELECT {_COLUMNS} FROM store"  # noqa: S608
    " WHERE status = :active AND latitude IS NOT NULL ORDER BY id",
    constants=ACTIVE,
)


def _rows(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    converted = []
    for row in rows:
        values = list(row)
        values[KIND] = StoreKind(values[KIND])
        converted.append(values)
    return converted


async def active_stores(after_id: int, limit: int) -> list[list[Any]]:
    """Active stores with an id above `after_id`, by id, at most `limit`."""
    return _rows(await sql.fetch_rows(_PAGE, after_id=after_id, limit=limit))


async def located_stores() -> list[list[Any]]:
    """Every active store with coordinates, by id."""
    return _rows(await sql.fetch_rows(_LOCATED))
