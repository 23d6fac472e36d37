"""A customer's touches on one timeline (SPEC 22 customer page): the share links they opened
(SPEC 7) and the service touches of stores and guides (SPEC 5.1), newest first.

The two kinds live in two tables; a page reads at most `first + 1` rows of each after the
cursor (two statements whatever the page size, through `share_visit_member` and
`service_touch_member`) and merges them. The order is (time, kind, id), all descending, so
every event has one position and a cursor names it exactly."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeAlias

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api.admin.customers import ServiceReasonEnum
from api.graphql.enums import expose_enum
from api.graphql.errors import InvalidArgument
from api.graphql.ids import to_global_id
from api.graphql.relay import MAX_CURSOR_LENGTH, Connection, Edge, PageInfo, SortField, page_size
from api.shop.distribution_links import BindingOutcomeEnum
from distribution.models import ServiceTouch, ShareVisit


class TimelineKind(StrEnum):
    SHARE_VISIT = "SHARE_VISIT"
    SERVICE_TOUCH = "SERVICE_TOUCH"


# Position of each kind among events at the same moment (higher first, as the ids).
_RANK = {TimelineKind.SHARE_VISIT: 1, TimelineKind.SERVICE_TOUCH: 2}
_MOMENT = SortField("at", True, True)

expose_enum(
    TimelineKind,
    "CustomerTimelineKind",
    "What happened on a customer's timeline.",
    {
        TimelineKind.SHARE_VISIT: "The customer opened a share link (推广链接).",
        TimelineKind.SERVICE_TOUCH: "A store or guide touched the service relationship: a"
        " guide's link, a store QR, a sign-up in store, a transfer (kept or not).",
    },
)
TimelineKindEnum: TypeAlias = TimelineKind


@strawberry.type(name="CustomerTimelineEvent", description="One event on a customer's timeline.")
class TimelineEventNode:
    kind: TimelineKindEnum
    at: datetime = strawberry.field(description="When it happened.")
    share_link_id: strawberry.ID | None = strawberry.field(
        description="SHARE_VISIT: the ShareLink opened."
    )
    binding_outcome: BindingOutcomeEnum | None = strawberry.field(
        description="SHARE_VISIT: what the visit did to the referral binding."
    )
    store_id: strawberry.ID | None = strawberry.field(
        description="SERVICE_TOUCH: the Store that touched."
    )
    guide_id: strawberry.ID | None = strawberry.field(
        description="SERVICE_TOUCH: the guide (Staff) that touched; null for the store alone."
    )
    reason: ServiceReasonEnum | None = strawberry.field(
        description="SERVICE_TOUCH: how the touch came about."
    )
    replaced: bool | None = strawberry.field(
        description="SERVICE_TOUCH: true when the touch made the relationship in force."
    )


@dataclass(frozen=True)
class _Event:
    at: datetime
    kind: TimelineKind
    id: int
    node: TimelineEventNode

    @property
    def position(self) -> tuple[datetime, int, int]:
        return (self.at, _RANK[self.kind], self.id)


def _visit(row: ShareVisit) -> _Event:
    node = TimelineEventNode(
        kind=TimelineKind.SHARE_VISIT,
        at=row.visited_at,
        share_link_id=strawberry.ID(to_global_id("ShareLink", row.link_id)),
        binding_outcome=row.outcome,
        store_id=None,
        guide_id=None,
        reason=None,
        replaced=None,
    )
    return _Event(row.visited_at, TimelineKind.SHARE_VISIT, row.id, node)


def _touch(row: ServiceTouch) -> _Event:
    node = TimelineEventNode(
        kind=TimelineKind.SERVICE_TOUCH,
        at=row.touched_at,
        share_link_id=None,
        binding_outcome=None,
        store_id=strawberry.ID(to_global_id("Store", row.store_id)),
        guide_id=strawberry.ID(to_global_id("Staff", row.guide_id)) if row.guide_id else None,
        reason=row.reason,
        replaced=row.replaced,
    )
    return _Event(row.touched_at, TimelineKind.SERVICE_TOUCH, row.id, node)


def _cursor(event: _Event) -> str:
    values = [event.at.isoformat(), _RANK[event.kind], event.id]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _decode(cursor: str) -> tuple[datetime, int, int]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        at, rank, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if rank not in _RANK.values() or isinstance(pk, bool) or not isinstance(pk, int):
            raise ValueError
        return _MOMENT.cursor_value(at), rank, SortField("id").cursor_value(pk)
    except (binascii.Error, ValueError, TypeError, OverflowError, RecursionError):
        raise InvalidArgument("Invalid cursor. / 游标无效") from None


def _after(column: str, kind: TimelineKind, cursor: tuple[datetime, int, int]) -> Q:
    """Rows of one kind strictly after the cursor in (time, kind, id) descending order."""
    at, rank, pk = cursor
    own = _RANK[kind]
    before: dict[str, Any] = {f"{column}__lt": at}
    if own < rank:
        up_to: dict[str, Any] = {f"{column}__lte": at}
        return Q(**up_to)
    if own > rank:
        return Q(**before)
    same: dict[str, Any] = {column: at, "id__lt": pk}
    return Q(**before) | Q(**same)


async def _rows(queryset: QuerySet[Any], column: str, kind: TimelineKind, cursor, limit: int):
    if cursor is not None:
        queryset = queryset.filter(_after(column, kind, cursor))
    return await queryset.order_by(f"-{column}", "-id").limit(limit)


async def timeline(member_id: int, first: int | None, after: str | None) -> Connection:
    """One page of the member's timeline; `totalCount` counts both kinds (two COUNTs)."""
    size = page_size(first)
    cursor = _decode(after) if after else None
    visits = ShareVisit.filter(member_id=member_id)
    touches = ServiceTouch.filter(member_id=member_id)
    events: list[_Event] = []
    if size:
        limit = size + 1
        visited = await _rows(visits, "visited_at", TimelineKind.SHARE_VISIT, cursor, limit)
        touched = await _rows(touches, "touched_at", TimelineKind.SERVICE_TOUCH, cursor, limit)
        events = [_visit(r) for r in visited] + [_touch(r) for r in touched]
    events.sort(key=lambda e: e.position, reverse=True)
    page = events[:size]
    cursors = [_cursor(e) for e in page]

    async def count() -> int:
        return await visits.count() + await touches.count()

    return Connection(
        edges=[Edge(cursor=c, node=e.node) for c, e in zip(cursors, page, strict=True)],
        page_info=PageInfo(
            has_next_page=len(events) > size,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        counter=count,
    )
