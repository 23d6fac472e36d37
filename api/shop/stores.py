"""Active stores for the storefront, optionally nearest first from the member's position; read
through hand-written statements (domain/org/store_reads.py), the shop's lean read path."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from api.graphql.enums import StoreKindEnum
from api.graphql.errors import InvalidArgument
from api.graphql.ids import to_global_id
from api.graphql.relay import BY_ID, After, Connection, First, connection_of, page_size
from api.rest.qr import store_qr_url
from api.wechat.codes import is_scene
from domain.org import store_reads
from domain.org.models import Store, StoreStatus

EARTH_RADIUS_M = 6_371_000


@strawberry.type(name="Store", description="A store (门店) as the shop shows it.")
class StoreNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Store).")
    code: str
    name: str
    kind: StoreKindEnum
    region: str
    address: str
    latitude: float | None
    longitude: float | None
    distance_meters: int | None = strawberry.field(
        default=None, description="From the position given as near; null otherwise."
    )

    @strawberry.field(
        description="Absolute URL of the store's 小程序码 PNG (scene = the store's code); null "
        "when the code has characters WeChat does not allow in a scene."
    )
    def qr_url(self, info: Info) -> str | None:
        if not is_scene(self.code):
            return None
        return store_qr_url(info.context.services.config.public_base_url, self.code)


@strawberry.input
class GeoPointInput:
    latitude: float = strawberry.field(
        description="Degrees, -90..90 (GCJ-02 as wx.getLocation returns it)."
    )
    longitude: float = strawberry.field(description="Degrees, -180..180.")


def store_node(store: Store) -> StoreNode:
    """A store model as the shop shows it (a share visit's store)."""
    return store_row_node(
        [
            store.id,
            store.code,
            store.name,
            store.kind,
            store.region,
            store.address,
            store.latitude,
            store.longitude,
        ]
    )


def store_row_node(row: Sequence[Any], distance: int | None = None) -> StoreNode:
    """A store row (domain/org/store_reads.py positions) as the shop shows it."""
    return StoreNode(
        id=strawberry.ID(to_global_id("Store", row[store_reads.ID])),
        code=row[store_reads.CODE],
        name=row[store_reads.NAME],
        kind=row[store_reads.KIND],
        region=row[store_reads.REGION],
        address=row[store_reads.ADDRESS],
        latitude=row[store_reads.LATITUDE],
        longitude=row[store_reads.LONGITUDE],
        distance_meters=distance,
    )


def haversine_meters(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


async def stores(
    near: Annotated[
        GeoPointInput | None,
        strawberry.argument(
            description=(
                "The member's position: nearest stores first, with distanceMeters; stores without "
                "coordinates are left out."
            )
        ),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[StoreNode]:
    """By id, or nearest first when `near` is given.

    Distance order is computed in Python over the active stores with coordinates: a brand has
    hundreds of stores, not millions, and SQLite has no trigonometry. Its cursor is the offset.
    """
    queryset = Store.filter(status=StoreStatus.ACTIVE)
    size = page_size(first)
    if near is None:
        after_id = BY_ID.position(after)[0] if after else 0
        rows = await store_reads.active_stores(after_id, size + 1) if size else []
        page = rows[:size]
        cursors = [BY_ID.cursor_of((row[store_reads.ID],)) for row in page]
        nodes = [store_row_node(row) for row in page]
        return connection_of(cursors, nodes, len(rows) > size, after is not None, queryset.count)
    if not (-90 <= near.latitude <= 90 and -180 <= near.longitude <= 180):
        raise InvalidArgument("`near` is not a valid coordinate. / 坐标无效")
    ranked = sorted(
        (
            (
                haversine_meters(
                    near.latitude,
                    near.longitude,
                    row[store_reads.LATITUDE],
                    row[store_reads.LONGITUDE],
                ),
                row[store_reads.ID],
                row,
            )
            for row in await store_reads.located_stores()
        ),
        key=lambda item: (item[0], item[1]),
    )
    start = _offset(after)
    window = ranked[start : start + size]
    cursors = [str(start + i + 1) for i in range(len(window))]
    return connection_of(
        cursors,
        [store_row_node(row, distance) for distance, _, row in window],
        start + size < len(ranked),
        start > 0,
        _constant(len(ranked)),
    )


def _offset(after: str | None) -> int:
    if after is None:
        return 0
    if not after.isdigit() or len(after) > 9:
        raise InvalidArgument("Invalid cursor. / 游标无效")
    return int(after)


def _constant(value: int):
    async def count() -> int:
        return value

    return count
