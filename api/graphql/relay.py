"""Relay connections over keyset cursors: no OFFSET, stable under inserts, constant SQL per page.

`totalCount` runs its COUNT only when a client selects it. A cursor is opaque to clients but
comes back from them: each value is checked against the type of its sort key (a 64-bit integer
or an aware datetime) before it reaches SQL, so a forged cursor is BAD_USER_INPUT,
never a driver error.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from api.graphql.errors import InvalidArgument

MAX_PAGE = 100
DEFAULT_PAGE = 20
# What the server makes is far shorter: a few keys of at most a few dozen characters each.
MAX_CURSOR_LENGTH = 1024
_INT64 = range(-(2**63), 2**63)

NodeType = TypeVar("NodeType")

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page size (分页): {DEFAULT_PAGE} when omitted, at most {MAX_PAGE}; 0 returns"
        f" no edges. Outside 0..{MAX_PAGE} answers BAD_USER_INPUT."
    ),
]
"""`first` of a connection, described once for every connection."""

After = Annotated[
    str | None,
    strawberry.argument(
        description="`pageInfo.endCursor` of the previous page; omit for the first page. Cursors"
        " are opaque and stable under inserts; a malformed one answers BAD_USER_INPUT."
    ),
]
"""`after` of a connection, described once for every connection."""


@strawberry.type(description="Where a page sits in its connection (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More edges follow: ask again with after = endCursor."
    )
    has_previous_page: bool = strawberry.field(
        description="True when this page was asked for with after."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge: pass as after for the next page."
    )


@strawberry.type(description="One item of a connection with its cursor.")
class Edge(Generic[NodeType]):
    cursor: str = strawberry.field(description="Opaque position of this node, for after.")
    node: NodeType = strawberry.field(description="The item.")


@strawberry.type(
    description="A page of a list (Relay connection): at most 100 edges per page, keyset cursors."
)
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]] = strawberry.field(
        description="At most first edges, in the list's order."
    )
    page_info: PageInfo = strawberry.field(description="Paging state.")
    counter: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Counted only when asked for.")
    async def total_count(self) -> int:
        return await self.counter()


@dataclass(frozen=True)
class SortField:
    """A sort key: a 64-bit integer unless it is a datetime."""

    name: str
    descending: bool = False
    is_datetime: bool = False

    def cursor_value(self, value: Any) -> Any:
        """A value decoded from a cursor, or ValueError when it cannot be one of this key's."""
        if self.is_datetime:
            if not isinstance(value, str) or len(value) > 64:
                raise ValueError
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError
            # Out of range in UTC (year 9999 at -23:59) raises OverflowError here, not in SQL.
            return moment.astimezone(UTC)
        if isinstance(value, bool) or not isinstance(value, int) or value not in _INT64:
            raise ValueError
        return value


@dataclass(frozen=True)
class Ordering:
    """Sort fields ending with a unique one (the primary key) so every row has one position."""

    fields: tuple[SortField, ...]

    def order_by(self) -> list[str]:
        return [("-" if f.descending else "") + f.name for f in self.fields]

    def cursor_for(self, row: Any) -> str:
        values = []
        for f in self.fields:
            value = getattr(row, f.name)
            values.append(value.isoformat() if f.is_datetime else value)
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()

    def after(self, cursor: str) -> Q:
        """Rows strictly after the cursor: (a > a0) or (a = a0 and b > b0) or ..."""
        values = self._decode(cursor)
        condition: Q | None = None
        for i, f in enumerate(self.fields):
            op = "lt" if f.descending else "gt"
            term = Q(**{f"{f.name}__{op}": values[i]})
            for g, value in zip(self.fields[:i], values[:i], strict=True):
                term &= Q(**{g.name: value})
            condition = term if condition is None else condition | term
        assert condition is not None
        return condition

    def decode(self, cursor: str) -> list[Any]:
        """The cursor's values, one per sort field, checked (hand-written keyset queries bind
        them); InvalidArgument for a malformed cursor."""
        return self._decode(cursor)

    def _decode(self, cursor: str) -> list[Any]:
        try:
            if len(cursor) > MAX_CURSOR_LENGTH:
                raise ValueError
            values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            if not isinstance(values, list) or len(values) != len(self.fields):
                raise ValueError
            return [f.cursor_value(v) for f, v in zip(self.fields, values, strict=True)]
        except (binascii.Error, ValueError, TypeError, OverflowError, RecursionError):
            raise InvalidArgument("Invalid cursor. / 游标无效") from None


BY_ID = Ordering((SortField("id"),))
NEWEST_FIRST = Ordering((SortField("created_at", True, True), SortField("id", True)))


def page_size(first: int | None) -> int:
    size = DEFAULT_PAGE if first is None else first
    if not 0 <= size <= MAX_PAGE:
        raise InvalidArgument(f"`first` must be between 0 and {MAX_PAGE}. / 每页最多 {MAX_PAGE} 条")
    return size


async def fetch_page(
    queryset: QuerySet, ordering: Ordering, first: int | None, after: str | None
) -> tuple[list[Any], bool]:
    """One page of model rows (one SQL statement) and whether more follow."""
    size = page_size(first)
    page_query = queryset.order_by(*ordering.order_by())
    if after:
        page_query = page_query.filter(ordering.after(after))
    rows = list(await page_query.limit(size + 1)) if size else []
    return rows[:size], len(rows) > size


def build_connection(
    rows: Sequence[Any],
    nodes: Sequence[NodeType],
    has_next: bool,
    after: str | None,
    ordering: Ordering,
    counter: Callable[[], Awaitable[int]],
) -> Connection[NodeType]:
    cursors = [ordering.cursor_for(row) for row in rows]
    return Connection(
        edges=[Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        counter=counter,
    )


async def paginate(
    queryset: QuerySet,
    ordering: Ordering,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeType],
) -> Connection[NodeType]:
    """The common case: one page of a queryset, each row mapped to its GraphQL node."""
    rows, has_next = await fetch_page(queryset, ordering, first, after)
    return build_connection(
        rows, [to_node(r) for r in rows], has_next, after, ordering, queryset.count
    )
