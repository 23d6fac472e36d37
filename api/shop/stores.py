"""Active stores for the storefront, optionally nearest first from the member's position."""

from __future__ import annotations

import math
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.enums import StoreKindEnum
from api.graphql.errors import InvalidArgument
from api.graphql.ids import to_global_id
from api.graphql.relay import (
    BY_ID,
    After,
    Connection,
    Edge,
    First,
    PageInfo,
    build_connection,
    fetch_page,
    page_size,
)
from api.rest.qr import store_qr_url
from api.wechat.codes import is_scene
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


def store_node(store: Store, distance: int | None = None) -> StoreNode:
    return StoreNode(
        id=strawberry.ID(to_global_id("Store", store.id)),
        code=store.code,
        name=store.name,
        kind=store.kind,
        region=store.region,
        address=store.address,
        latitude=store.latitude,
        longitude=store.longitude,
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
    if near is None:
        rows, has_next = await fetch_page(queryset, BY_ID, first, after)
        return build_connection(
            rows, [store_node(r) for r in rows], has_next, after, BY_ID, queryset.count
        )
    if not (-90 <= near.latitude <= 90 and -180 <= near.longitude <= 180):
        raise InvalidArgument("`near` is not a valid coordinate. / 坐标无效")
    size = page_size(first)
    located = await queryset.filter(latitude__isnull=False)
    ranked = sorted(
        (
            (haversine_meters(near.latitude, near.longitude, s.latitude, s.longitude), s.id, s)
            for s in located
        ),
        key=lambda item: (item[0], item[1]),
    )
    start = _offset(after)
    window = ranked[start : start + size]
    cursors = [str(start + i + 1) for i in range(len(window))]
    return Connection(
        edges=[
            Edge(cursor=c, node=store_node(s, d))
            for c, (d, _, s) in zip(cursors, window, strict=True)
        ],
        page_info=PageInfo(
            has_next_page=start + size < len(ranked),
            has_previous_page=start > 0,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        counter=_constant(len(ranked)),
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
