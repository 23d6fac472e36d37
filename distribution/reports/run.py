"""Running a report: one page for the API (rows bounded by `first`, totals and the row count
from window functions over every group, in the same statement) or every row for a CSV export.

A `Report` builds every variant of its statement at import (one per combination of its axes:
granularity, dimension, whether a store filter applies ...) as `domain.sql` statements, with
the page and export statements that read it, so all of them are registered and checked by the
registry test (tests/domain/test_sql.py), and a request only picks its variant and binds."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from distribution.reports.sql import CONSTANTS, STREAM_BATCH, Dialect
from domain import sql
from domain.sql import Sql

MAX_ROWS = 100


@dataclass(frozen=True)
class Variant:
    """One variant of a report: `grouped` yields one row per group, unordered; `page` and
    `rows` read it in order (a page with window totals of `summed`, or every row)."""

    grouped: Sql
    page: Sql
    rows: Sql
    summed: tuple[str, ...]


@dataclass(frozen=True)
class ReportQuery:
    """A report's variant for a request, with the request's parameters."""

    variant: Variant
    params: dict[str, Any]

    @property
    def summed(self) -> tuple[str, ...]:
        return self.variant.summed


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    totals: dict[str, int]
    row_count: int


def total(expression: str) -> str:
    """SUM as a 64-bit integer on both databases (PostgreSQL's SUM of BIGINT is NUMERIC)."""
    return f"CAST(COALESCE(SUM({expression}), 0) AS BIGINT)"


class Report:
    """Every variant of one report, built and registered at import. `build(dialect, **axes)`
    writes the grouped statement of one combination of the axes' values (named parameters;
    enum values from `CONSTANTS`); `order_by` orders its output columns and `summed` names the
    columns whose sum over all groups is the report's total."""

    def __init__(
        self,
        name: str,
        build: Callable[..., str],
        order_by: str,
        summed: tuple[str, ...],
        **axes: Iterable[Any],
    ) -> None:
        self.name = name
        self.variants: dict[tuple[Any, ...], Variant] = {}
        names = tuple(axes)
        for values in itertools.product(*(tuple(axis) for axis in axes.values())):
            chosen = dict(zip(names, values, strict=True))
            label = ",".join(f"{axis}={value}" for axis, value in chosen.items())
            self.variants[values] = _variant(
                f"{name}[{label}]" if label else name, build, chosen, order_by, summed
            )
        self._axes = names

    def query(self, params: dict[str, Any], **chosen: Any) -> ReportQuery:
        """The variant for these axis values, with the request's parameters."""
        key = tuple(chosen[axis] for axis in self._axes)
        return ReportQuery(self.variants[key], params)


def _variant(
    name: str,
    build: Callable[..., str],
    chosen: dict[str, Any],
    order_by: str,
    summed: tuple[str, ...],
) -> Variant:
    grouped = Sql(name, lambda postgres: build(Dialect(postgres), **chosen), constants=CONSTANTS)
    sums = "".join(
        f", CAST(SUM(g.{column}) OVER () AS BIGINT) AS total_{column}" for column in summed
    )
    page = Sql(
        f"{name}.page",
        lambda postgres: (
            f"SELECT g.*, COUNT(*) OVER () AS row_count{sums}"
            f" FROM ({grouped.text(postgres)}) g ORDER BY {order_by} LIMIT :page_size"
        ),
        constants=CONSTANTS,
    )
    rows = Sql(
        f"{name}.rows",
        lambda postgres: f"SELECT g.* FROM ({grouped.text(postgres)}) g ORDER BY {order_by}",
        constants=CONSTANTS,
    )
    return Variant(grouped, page, rows, summed)


async def page(query: ReportQuery, first: int) -> Page:
    """The first `first` rows in order, with totals over every row."""
    rows = await sql.fetch(query.variant.page, **query.params, page_size=int(first))
    if not rows:
        return Page([], dict.fromkeys(query.summed, 0), 0)
    head = rows[0]
    totals = {column: int(head[f"total_{column}"]) for column in query.summed}
    return Page(rows, totals, int(head["row_count"]))


async def every_row(query: ReportQuery) -> AsyncIterator[tuple]:
    """All rows in order, streamed (CSV exports), as tuples in the query's column order."""
    async for row in sql.stream(query.variant.rows, STREAM_BATCH, **query.params):
        yield row
