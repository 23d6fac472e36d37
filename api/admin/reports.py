"""HQ and store reports (SPEC 12). Readers: HQ_ADMIN, HQ_OPERATOR and STORE_MANAGER (own store
only; asking for another store answers an empty report), plus HQ_FINANCE for the commission
report and the promoter ranking. Rows are plain lists bounded by `first` (at most 100, in order,
with `rowCount` and totals over every row); the CSV export has them all. Filters that make no
sense come back in `errors` with an empty report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeAlias

import strawberry
from strawberry.types import Info

from api.admin import report_figures as figures
from api.auth.permissions import granted
from api.graphql.enums import DistributorKindEnum, expose_enum
from api.graphql.errors import InvalidArgument, UserError
from api.graphql.ids import optional_global_id, to_global_id
from distribution.models import DistributorKind
from distribution.reports import cohorts, commission, funnel, guides, posters, promoters, stores
from distribution.reports.periods import Period, period
from distribution.reports.run import MAX_ROWS, Page, ReportQuery, page
from distribution.reports.sql import Granularity
from domain.access.capabilities import OutOfScope, confine_to_store

expose_enum(
    Granularity,
    "ReportGranularity",
    "The buckets of a report over time, in Asia/Shanghai days.",
    {
        Granularity.DAY: "One row per day.",
        Granularity.WEEK: "One row per week, starting on Monday.",
        Granularity.MONTH: "One row per calendar month.",
    },
)
GranularityEnum: TypeAlias = Granularity
expose_enum(
    commission.CommissionDimension,
    "CommissionDimension",
    "Whose commission a commission report row sums: the beneficiary's.",
    {
        commission.CommissionDimension.STORE: "Per store: a store account's store or a guide's"
        " store (KOCs, members and shops have none: null key).",
        commission.CommissionDimension.DISTRIBUTOR_KIND: "Per distributor kind (STORE for store"
        " accounts).",
        commission.CommissionDimension.DISTRIBUTOR: "Per account: the distributor or the store.",
        commission.CommissionDimension.ROLE: "Per beneficiary role of the entry (LEVEL1, LEVEL2,"
        " GUIDE_SERVICE, STORE_SHARE); withdrawals and adjustments have none (null key).",
    },
)
CommissionDimensionEnum: TypeAlias = commission.CommissionDimension
expose_enum(
    funnel.FunnelGrouping,
    "ShareFunnelGrouping",
    "What a share funnel row (推广漏斗) is about.",
    {
        funnel.FunnelGrouping.LINK: "One row per share link.",
        funnel.FunnelGrouping.DISTRIBUTOR: "One row per distributor, all their links together"
        " (unique visitors counted once across links).",
    },
)
FunnelGroupingEnum: TypeAlias = funnel.FunnelGrouping


@strawberry.input(description="Whole Asia/Shanghai days, both included, at most 366 days.")
class ReportPeriodInput:
    from_: date = strawberry.field(name="from", description="First day, included (Asia/Shanghai).")
    to: date = strawberry.field(description="Last day, included; at most 366 days after from.")

    def parse(self) -> Period:
        return period(self.from_, self.to)


@strawberry.type
class CommissionReportRow:
    bucket: date = strawberry.field(description="First day of the day, week or month.")
    key: str | None = strawberry.field(
        description="Store or Distributor ID, distributor kind or role; null when none."
    )
    label: str | None
    figures: figures.CommissionFigures


@strawberry.type
class CommissionReport:
    rows: list[CommissionReportRow] = strawberry.field(default_factory=list)
    totals: figures.CommissionFigures = strawberry.field(
        default_factory=lambda: figures.commission_figures(dict.fromkeys(commission.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


@strawberry.type
class PromoterRankingRow:
    rank: int
    distributor_id: strawberry.ID
    kind: DistributorKindEnum
    display_name: str
    figures: figures.PromoterFigures


@strawberry.type
class PromoterRankingReport:
    rows: list[PromoterRankingRow] = strawberry.field(default_factory=list)
    totals: figures.PromoterFigures = strawberry.field(
        default_factory=lambda: figures.promoter_figures(dict.fromkeys(promoters.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


@strawberry.type
class StorePerformanceRow:
    store_id: strawberry.ID
    store_code: str
    store_name: str
    figures: figures.StoreFigures


@strawberry.type
class StorePerformanceReport:
    rows: list[StorePerformanceRow] = strawberry.field(default_factory=list)
    totals: figures.StoreFigures = strawberry.field(
        default_factory=lambda: figures.store_figures(dict.fromkeys(stores.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


@strawberry.type
class GuidePerformanceRow:
    staff_id: strawberry.ID
    display_name: str
    store_id: strawberry.ID | None
    figures: figures.GuideFigures


@strawberry.type
class GuidePerformanceReport:
    rows: list[GuidePerformanceRow] = strawberry.field(default_factory=list)
    totals: figures.GuideFigures = strawberry.field(
        default_factory=lambda: figures.guide_figures(dict.fromkeys(guides.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


@strawberry.type
class ChannelCohortRow:
    join_month: str = strawberry.field(description="YYYY-MM, Asia/Shanghai.")
    channel: str
    complete_days: int = strawberry.field(
        description="Days every member of the cohort has had so far (up to 180)."
    )
    figures: figures.CohortFigures


@strawberry.type
class ChannelCohortReport:
    rows: list[ChannelCohortRow] = strawberry.field(default_factory=list)
    totals: figures.CohortFigures = strawberry.field(
        default_factory=lambda: figures.cohort_figures(dict.fromkeys(cohorts.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


@strawberry.type
class ShareFunnelRow:
    link_id: strawberry.ID | None
    link_code: str | None
    channel: str | None
    distributor_id: strawberry.ID
    display_name: str
    figures: figures.FunnelFigures


@strawberry.type
class ShareFunnelReport:
    rows: list[ShareFunnelRow] = strawberry.field(default_factory=list)
    totals: figures.FunnelFigures = strawberry.field(
        default_factory=lambda: figures.funnel_figures(dict.fromkeys(funnel.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


PeriodArg = Annotated[
    ReportPeriodInput,
    strawberry.argument(description="The period: whole Asia/Shanghai days, at most 366."),
]
StoreFilter = Annotated[
    strawberry.ID | None,
    strawberry.argument(
        description=(
            "Only this Store (HQ); a store manager always sees their own "
            "(another store: an empty report)."
        )
    ),
]
Rows = Annotated[
    int,
    strawberry.argument(
        description="Rows to return, 1..100 (default 100); totals cover every row."
    ),
]


async def _run(
    info: Info,
    store: strawberry.ID | None,
    first: int,
    build: Callable[[int | None], ReportQuery],
) -> Page:
    """Confine to the viewer's store, validate, and run one page of the report. A filter that
    makes no sense raises its DomainError: the report answers it in `errors`, empty."""
    grant = await granted(info)
    if not 1 <= first <= MAX_ROWS:
        raise InvalidArgument(f"`first` must be between 1 and {MAX_ROWS}. / 最多 {MAX_ROWS} 行")
    try:
        store_id = confine_to_store(grant, optional_global_id(store, "Store", "storeId"))
    except OutOfScope:
        return Page([], {}, 0)
    return await page(build(store_id), first)


def _totals(result: Page, columns: tuple[str, ...]) -> dict[str, Any]:
    return {column: result.totals.get(column, 0) for column in columns}


def _global(type_name: str, pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, pk)) if pk is not None else None


def _commission_key(dimension: commission.CommissionDimension, key: str | None) -> str | None:
    if key is None:
        return None
    if dimension is commission.CommissionDimension.STORE:
        return to_global_id("Store", int(key))
    if dimension is commission.CommissionDimension.DISTRIBUTOR:
        type_name, _, pk = key.partition(":")
        return to_global_id(type_name, int(pk))
    return key


async def commission_report(
    info: Info,
    period: PeriodArg,
    group_by: Annotated[
        GranularityEnum,
        strawberry.argument(description="Row buckets: DAY (default), WEEK or MONTH."),
    ] = Granularity.DAY,
    dimension: Annotated[
        CommissionDimensionEnum,
        strawberry.argument(description="Whose commission each row sums; STORE by default."),
    ] = commission.CommissionDimension.STORE,
    store_id: StoreFilter = None,
    first: Rows = MAX_ROWS,
) -> CommissionReport:
    dimension = commission.CommissionDimension(dimension)
    result = await _run(
        info,
        store_id,
        first,
        lambda store: commission.commission_query(
            commission.CommissionFilters(period.parse(), Granularity(group_by), dimension, store)
        ),
    )
    return CommissionReport(
        rows=[
            CommissionReportRow(
                bucket=date.fromisoformat(row["bucket"]),
                key=_commission_key(dimension, row["dimension_key"]),
                label=row["dimension_label"],
                figures=figures.commission_figures(row),
            )
            for row in result.rows
        ],
        totals=figures.commission_figures(_totals(result, commission.AMOUNTS)),
        row_count=result.row_count,
        errors=[],
    )


async def promoter_ranking(
    info: Info,
    period: PeriodArg,
    kind: Annotated[
        DistributorKindEnum | None,
        strawberry.argument(description="Only distributors of this kind."),
    ] = None,
    store_id: StoreFilter = None,
    first: Rows = MAX_ROWS,
) -> PromoterRankingReport:
    result = await _run(
        info,
        store_id,
        first,
        lambda store: promoters.promoter_query(
            promoters.PromoterFilters(
                period.parse(), store, DistributorKind(kind) if kind else None
            )
        ),
    )
    return PromoterRankingReport(
        rows=[
            PromoterRankingRow(
                rank=rank,
                distributor_id=strawberry.ID(to_global_id("Distributor", row["distributor_id"])),
                kind=DistributorKind(row["kind"]),
                display_name=row["display_name"],
                figures=figures.promoter_figures(row),
            )
            for rank, row in enumerate(result.rows, start=1)
        ],
        totals=figures.promoter_figures(_totals(result, promoters.AMOUNTS)),
        row_count=result.row_count,
        errors=[],
    )


async def store_performance(
    info: Info,
    period: PeriodArg,
    store_id: StoreFilter = None,
    first: Rows = MAX_ROWS,
) -> StorePerformanceReport:
    result = await _run(
        info,
        store_id,
        first,
        lambda store: stores.store_query(stores.StoreFilters(period.parse(), store)),
    )
    return StorePerformanceReport(
        rows=[
            StorePerformanceRow(
                store_id=strawberry.ID(to_global_id("Store", row["store_id"])),
                store_code=row["store_code"],
                store_name=row["store_name"],
                figures=figures.store_figures(row),
            )
            for row in result.rows
        ],
        totals=figures.store_figures(_totals(result, stores.AMOUNTS)),
        row_count=result.row_count,
        errors=[],
    )


async def guide_performance(
    info: Info,
    period: PeriodArg,
    store_id: StoreFilter = None,
    first: Rows = MAX_ROWS,
) -> GuidePerformanceReport:
    result = await _run(
        info,
        store_id,
        first,
        lambda store: guides.guide_query(guides.GuideFilters(period.parse(), store)),
    )
    return GuidePerformanceReport(
        rows=[
            GuidePerformanceRow(
                staff_id=strawberry.ID(to_global_id("Staff", row["staff_id"])),
                display_name=row["display_name"],
                store_id=_global("Store", row["store_id"]),
                figures=figures.guide_figures(row),
            )
            for row in result.rows
        ],
        totals=figures.guide_figures(_totals(result, guides.AMOUNTS)),
        row_count=result.row_count,
        errors=[],
    )


async def channel_cohorts(
    info: Info,
    period: PeriodArg,
    store_id: StoreFilter = None,
    first: Rows = MAX_ROWS,
) -> ChannelCohortReport:
    result = await _run(
        info,
        store_id,
        first,
        lambda store: cohorts.cohort_query(cohorts.CohortFilters(period.parse(), store)),
    )
    return ChannelCohortReport(
        rows=[
            ChannelCohortRow(
                join_month=row["join_month"][:7],
                channel=row["channel"],
                complete_days=cohorts.complete_days(row["join_month"]),
                figures=figures.cohort_figures(row),
            )
            for row in result.rows
        ],
        totals=figures.cohort_figures(_totals(result, cohorts.AMOUNTS)),
        row_count=result.row_count,
        errors=[],
    )


async def share_funnel(
    info: Info,
    period: PeriodArg,
    group_by: Annotated[
        FunnelGroupingEnum,
        strawberry.argument(description="Per LINK (default) or per DISTRIBUTOR."),
    ] = funnel.FunnelGrouping.LINK,
    distributor_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only this Distributor's links.")
    ] = None,
    store_id: StoreFilter = None,
    first: Rows = MAX_ROWS,
) -> ShareFunnelReport:
    def build(store: int | None) -> ReportQuery:
        distributor = optional_global_id(distributor_id, "Distributor", "distributorId")
        filters = funnel.FunnelFilters(
            period.parse(), funnel.FunnelGrouping(group_by), store, distributor
        )
        return funnel.funnel_query(filters)

    result = await _run(info, store_id, first, build)
    return ShareFunnelReport(
        rows=[
            ShareFunnelRow(
                link_id=_global("ShareLink", row["link_id"]),
                link_code=row["link_code"],
                channel=row["channel"],
                distributor_id=strawberry.ID(to_global_id("Distributor", row["distributor_id"])),
                display_name=row["display_name"],
                figures=figures.funnel_figures(row),
            )
            for row in result.rows
        ],
        totals=figures.funnel_figures(_totals(result, funnel.AMOUNTS)),
        row_count=result.row_count,
        errors=[],
    )


@strawberry.type
class PosterFunnelRow:
    template_id: strawberry.ID = strawberry.field(description="Global ID (PosterTemplate).")
    template_name: str = strawberry.field(description="The template's name now.")
    figures: figures.FunnelFigures


@strawberry.type
class PosterFunnelReport:
    rows: list[PosterFunnelRow] = strawberry.field(default_factory=list)
    totals: figures.FunnelFigures = strawberry.field(
        default_factory=lambda: figures.funnel_figures(dict.fromkeys(funnel.AMOUNTS, 0))
    )
    row_count: int = 0
    errors: list[UserError]


async def poster_funnel(
    info: Info, period: PeriodArg, store_id: StoreFilter = None, first: Rows = MAX_ROWS
) -> PosterFunnelReport:
    result = await _run(
        info,
        store_id,
        first,
        lambda store: posters.poster_funnel_query(
            posters.PosterFunnelFilters(period.parse(), store)
        ),
    )
    return PosterFunnelReport(
        rows=[
            PosterFunnelRow(
                template_id=strawberry.ID(to_global_id("PosterTemplate", row["template_id"])),
                template_name=row["template_name"],
                figures=figures.funnel_figures(row),
            )
            for row in result.rows
        ],
        totals=figures.funnel_figures(_totals(result, funnel.AMOUNTS)),
        row_count=result.row_count,
        errors=[],
    )
