"""Running a report: one page for the API (rows bounded by `first`, totals and the row count
from window functions over every group, in the same statement) or every row for a CSV export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from distribution.reports import sql

MAX_ROWS = 100


@dataclass(frozen=True)
class ReportQuery:
    """`text` yields one row per group, unordered; `order_by` orders its output columns and
    `summed` names the columns whose sum over all groups is the report's total."""

    text: str
    params: list[Any]
    order_by: str
    summed: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    totals: dict[str, int]
    row_count: int


def total(expression: str) -> str:
    """SUM as a 64-bit integer on both databases (PostgreSQL's SUM of BIGINT is NUMERIC)."""
    return f"CAST(COALESCE(SUM({expression}), 0) AS BIGINT)"


async def page(query: ReportQuery, first: int) -> Page:
    """The first `first` rows in order, with totals over every row."""
    sums = "".join(
        f", CAST(SUM(g.{column}) OVER () AS BIGINT) AS total_{column}" for column in query.summed
    )
    text = (
        f"SELECT g.*, COUNT(*) OVER () AS row_count{sums} FROM ({query.text}) g "
        f"ORDER BY {query.order_by} LIMIT {int(first)}"
    )
    rows = await sql.fetch(text, query.params)
    if not rows:
        return Page([], dict.fromkeys(query.summed, 0), 0)
    head = rows[0]
    totals = {column: int(head[f"total_{column}"]) for column in query.summed}
    return Page(rows, totals, int(head["row_count"]))


async def every_row(query: ReportQuery) -> AsyncIterator[tuple]:
    """All rows in order, streamed (CSV exports), as tuples in the query's column order."""
    text = f"SELECT g.* FROM ({query.text}) g ORDER BY {query.order_by}"
    async for row in sql.stream(text, query.params):
        yield row
