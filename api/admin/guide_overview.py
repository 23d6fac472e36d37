"""The store manager's view of their guides (SPEC 22, issue 17 item 6): per guide, for a
period, the figures of `distribution.reports.guide_overview` plus whatever figure providers
other areas register.

Extension point: the tasks (done / due / overdue) and content shares of a guide come from
areas built separately. Each registers a `GuideFigureProvider` at start-up
(`register_guide_figures`, from `api/plugins.py` or the area's API module): its column names
and one function that answers, for the store in reach (None: every store) and the period,
`{guide staff id: {column: value}}` in one or a few statements. The view asks every provider
once per request (constant statements however many guides), shows the figures in each row's
`more` (a guide a provider does not mention gets 0 for its columns: it did nothing) and adds
the columns to the CSV export. With no provider registered there are no such columns at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.types import Info

from api.admin.reports import PeriodArg, Rows, StoreFilter
from api.auth.permissions import granted
from api.graphql.errors import InvalidArgument, UserError
from api.graphql.ids import optional_global_id, to_global_id
from api.graphql.scalars import Money
from distribution.reports import guide_overview
from distribution.reports.periods import Period
from distribution.reports.run import MAX_ROWS, every_row, page
from domain.access.capabilities import OutOfScope, confine_to_store

GuideFigures = dict[int, dict[str, int]]


@dataclass(frozen=True)
class GuideFigureProvider:
    """Extra per-guide columns: `figures(store_id or None, period)` answers them by guide."""

    columns: tuple[str, ...]
    figures: Callable[[int | None, Period], Awaitable[GuideFigures]]


_PROVIDERS: list[GuideFigureProvider] = []


def register_guide_figures(provider: GuideFigureProvider) -> None:
    """Add a provider's columns to the view (once, at start-up)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def extra_columns() -> tuple[str, ...]:
    return tuple(column for provider in _PROVIDERS for column in provider.columns)


async def _extra_figures(store_id: int | None, period: Period) -> GuideFigures:
    merged: GuideFigures = {}
    for provider in _PROVIDERS:
        for guide, figures in (await provider.figures(store_id, period)).items():
            merged.setdefault(guide, {}).update(figures)
    return merged


def _more(guide_id: int, extra: GuideFigures) -> list[NamedFigure]:
    given = extra.get(guide_id, {})
    return [NamedFigure(name=column, value=given.get(column, 0)) for column in extra_columns()]


@strawberry.type(description="A figure another area adds to the view (tasks, content shares).")
class NamedFigure:
    name: str = strawberry.field(description="The column, e.g. tasks_done.")
    value: int = strawberry.field(description="Its value for the guide and period.")


@strawberry.type(description="One guide's figures for the period.")
class GuideOverviewFigures:
    customers: int = strawberry.field(
        description="Customers served at the end of the period (relationships in force)."
    )
    new_members: int = strawberry.field(
        description="Members who joined in the period with the guide as first touch (开卡)."
    )
    follow_ups: int = strawberry.field(description="Follow-ups the guide recorded in the period.")
    orders: int = strawberry.field(description="Paid orders the guide served in the period.")
    sales: Money = strawberry.field(description="What those orders paid (attributed sales).")


def _figures(row: dict[str, Any]) -> GuideOverviewFigures:
    return GuideOverviewFigures(
        customers=row["customers"],
        new_members=row["new_members"],
        follow_ups=row["follow_ups"],
        orders=row["orders"],
        sales=Money.of(row["sales_fen"]),
    )


@strawberry.type
class GuideOverviewRow:
    staff_id: strawberry.ID = strawberry.field(description="The guide (Staff global ID).")
    display_name: str
    store_id: strawberry.ID | None = strawberry.field(description="The guide's Store.")
    figures: GuideOverviewFigures
    more: list[NamedFigure] = strawberry.field(
        description="Figures registered by other areas (tasks, content shares), in column order."
    )


@strawberry.type
class GuideOverviewReport:
    rows: list[GuideOverviewRow] = strawberry.field(default_factory=list)
    totals: GuideOverviewFigures = strawberry.field(
        default_factory=lambda: _figures(dict.fromkeys(guide_overview.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


def _global(type_name: str, pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, pk)) if pk is not None else None


async def guide_overview_report(
    info: Info, period: PeriodArg, store_id: StoreFilter = None, first: Rows = MAX_ROWS
) -> GuideOverviewReport:
    """Rows in store, name order; a store manager sees their store's guides (another store:
    an empty report)."""
    grant = await granted(info)
    if not 1 <= first <= MAX_ROWS:
        raise InvalidArgument(f"`first` must be between 1 and {MAX_ROWS}. / 最多 {MAX_ROWS} 行")
    try:
        store = confine_to_store(grant, optional_global_id(store_id, "Store", "storeId"))
    except OutOfScope:
        return GuideOverviewReport(errors=[])
    chosen = period.parse()
    filters = guide_overview.OverviewFilters(chosen, store)
    result = await page(guide_overview.overview_query(filters), first)
    extra = await _extra_figures(store, chosen) if _PROVIDERS else {}
    return GuideOverviewReport(
        rows=[
            GuideOverviewRow(
                staff_id=strawberry.ID(to_global_id("Staff", row["staff_id"])),
                display_name=row["display_name"],
                store_id=_global("Store", row["store_id"]),
                figures=_figures(row),
                more=_more(row["staff_id"], extra),
            )
            for row in result.rows
        ],
        totals=_figures({c: result.totals.get(c, 0) for c in guide_overview.AMOUNTS}),
        row_count=result.row_count,
        errors=[],
    )


async def overview_rows(store_id: int | None, period: Period) -> AsyncIterator[tuple]:
    """Every row for the CSV export, the providers' columns after the view's own."""
    extra = await _extra_figures(store_id, period) if _PROVIDERS else {}
    query = guide_overview.overview_query(guide_overview.OverviewFilters(period, store_id))
    async for row in every_row(query):
        yield (*row, *(figure.value for figure in _more(row[0], extra)))
