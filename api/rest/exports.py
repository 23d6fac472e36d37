"""CSV exports of the reports (SPEC 12) at `/admin/exports/<report>.csv`, with the reports'
filters as query parameters (`from`, `to`, `groupBy`, `dimension`, `storeId`, `kind`,
`distributorId`), a staff bearer token and the same role scoping as the admin API: a store
manager asking for another store gets the header alone.

UTF-8 with a BOM so that Excel reads Chinese names; amounts are integer fen; times are
Asia/Shanghai. Rows are streamed as they come from the database (a cursor, or keyset batches
for the entry-level export), so memory stays flat. Text cells that a spreadsheet would run as a
formula are prefixed with an apostrophe. Reports carry no phone numbers or bank details, so
there is nothing to mask.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from api.admin import guide_overview as guide_overview_api
from api.auth.tokens import ADMIN
from api.auth.viewer import bearer_token, resolve_viewer
from api.graphql.ids import optional_global_id
from distribution.models import DistributorKind
from distribution.reports import (
    cohorts,
    commission,
    entries,
    funnel,
    guide_overview,
    guides,
    promoters,
    stores,
)
from distribution.reports.periods import Period, parse_day, period
from distribution.reports.run import ReportQuery, every_row
from distribution.reports.sql import Granularity
from domain.access.capabilities import Capability, OutOfScope, confine_to_store, grant_for
from domain.clock import to_shanghai
from domain.errors import DomainError, ErrorCode
from domain.payments import reconciliation

EXPORT_PATH = "/admin/exports/{report}.csv"
ROWS_PER_CHUNK = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Rows = AsyncIterator[tuple]


@dataclass(frozen=True)
class Export:
    capability: Capability
    columns: tuple[str, ...] | Callable[[], tuple[str, ...]]
    """The header, or a function of it (columns registered at start-up)."""
    rows: Callable[[QueryParams, int | None], Rows]
    """Validates the filters (raising DomainError before anything is sent) and returns rows."""

    def header(self) -> tuple[str, ...]:
        return self.columns() if callable(self.columns) else self.columns


def _period(params: QueryParams) -> Period:
    return period(parse_day(params.get("from", ""), "from"), parse_day(params.get("to", ""), "to"))


def _choice(params: QueryParams, name: str, enum, default):
    value = params.get(name)
    if value is None:
        return default
    try:
        return enum(value)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, name, f"one of {', '.join(enum)}") from None


def _report(query: ReportQuery) -> Rows:
    return every_row(query)


def _commission(params: QueryParams, store: int | None) -> Rows:
    filters = commission.CommissionFilters(
        _period(params),
        _choice(params, "groupBy", Granularity, Granularity.DAY),
        _choice(
            params,
            "dimension",
            commission.CommissionDimension,
            commission.CommissionDimension.STORE,
        ),
        store,
    )
    return _report(commission.commission_query(filters))


def _entries(params: QueryParams, store: int | None) -> Rows:
    return _entry_times(entries.entry_rows(entries.EntryFilters(_period(params), store)))


async def _entry_times(rows: Rows) -> Rows:
    async for row in rows:
        yield tuple(
            _local_time(value) if index in (1, 9, 10) else value for index, value in enumerate(row)
        )


def _promoters(params: QueryParams, store: int | None) -> Rows:
    kind = _choice(params, "kind", DistributorKind, None)
    return _report(
        promoters.promoter_query(promoters.PromoterFilters(_period(params), store, kind))
    )


def _stores(params: QueryParams, store: int | None) -> Rows:
    return _report(stores.store_query(stores.StoreFilters(_period(params), store)))


def _guides(params: QueryParams, store: int | None) -> Rows:
    return _report(guides.guide_query(guides.GuideFilters(_period(params), store)))


def _guide_overview(params: QueryParams, store: int | None) -> Rows:
    return guide_overview_api.overview_rows(store, _period(params))


def _guide_overview_columns() -> tuple[str, ...]:
    return (*guide_overview.COLUMNS, *guide_overview_api.extra_columns())


def _cohorts(params: QueryParams, store: int | None) -> Rows:
    return _report(cohorts.cohort_query(cohorts.CohortFilters(_period(params), store)))


def _funnel(params: QueryParams, store: int | None) -> Rows:
    distributor = optional_global_id(params.get("distributorId"), "Distributor", "distributorId")
    grouping = _choice(params, "groupBy", funnel.FunnelGrouping, funnel.FunnelGrouping.LINK)
    filters = funnel.FunnelFilters(_period(params), grouping, store, distributor)
    return _report(funnel.funnel_query(filters))


def _differences(params: QueryParams, store: int | None) -> Rows:
    """Reconciliation differences (HQ only: `store` is None for every role holding it), by
    bill date `from`/`to` and `resolved=true|false`."""
    first = parse_day(params["from"], "from") if "from" in params else None
    last = parse_day(params["to"], "to") if "to" in params else None
    resolved = _choice(params, "resolved", _Flag, None)
    chosen = None if resolved is None else resolved == _Flag.TRUE
    return _difference_times(
        reconciliation.difference_rows(reconciliation.differences(chosen, first, last))
    )


class _Flag(StrEnum):
    TRUE = "true"
    FALSE = "false"


async def _difference_times(rows: Rows) -> Rows:
    async for row in rows:
        yield tuple(_local_time(value) if index == 11 else value for index, value in enumerate(row))


EXPORTS: dict[str, Export] = {
    "commission": Export(Capability.REPORT_COMMISSION, commission.COLUMNS, _commission),
    "commission-entries": Export(Capability.REPORT_COMMISSION, entries.COLUMNS, _entries),
    "promoter-ranking": Export(Capability.REPORT_COMMISSION, promoters.COLUMNS, _promoters),
    "store-performance": Export(Capability.REPORTS_READ, stores.COLUMNS, _stores),
    "guide-performance": Export(Capability.REPORTS_READ, guides.COLUMNS, _guides),
    "guide-overview": Export(
        Capability.GUIDE_OVERVIEW_READ, _guide_overview_columns, _guide_overview
    ),
    "channel-cohorts": Export(Capability.REPORTS_READ, cohorts.COLUMNS, _cohorts),
    "share-funnel": Export(Capability.REPORTS_READ, funnel.COLUMNS, _funnel),
    "reconciliation-differences": Export(
        Capability.RECONCILIATION, reconciliation.DIFFERENCE_COLUMNS, _differences
    ),
}


async def export_csv(request: Request) -> Response:
    export = EXPORTS.get(request.path_params["report"])
    if export is None:
        return _problem(404, "NOT_FOUND", "No such report. / 没有该报表")
    services = request.app.state.services
    token = bearer_token(request.headers.get("authorization"))
    viewer = await resolve_viewer(token, ADMIN, services.tokens)
    if viewer.staff is None:
        return _problem(401, "UNAUTHENTICATED", "Authentication required. / 请先登录")
    grant = grant_for(viewer.staff, export.capability)
    if grant is None:
        return _problem(403, "FORBIDDEN", "Not allowed for this role. / 无权限")
    try:
        requested = optional_global_id(request.query_params.get("storeId"), "Store", "storeId")
        rows = export.rows(request.query_params, confine_to_store(grant, requested))
    except OutOfScope:
        rows = _nothing()
    except DomainError as error:
        body = {"code": error.code.value, "field": error.field, "message": error.message}
        return JSONResponse({"errors": [body]}, status_code=400)
    filename = f"{request.path_params['report']}.csv"
    return StreamingResponse(
        _csv(export.header(), rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _csv(columns: tuple[str, ...], rows: Rows) -> AsyncIterator[bytes]:
    yield "\ufeff".encode() + _lines([columns])
    chunk: list[tuple] = []
    async for row in rows:
        chunk.append(row)
        if len(chunk) == ROWS_PER_CHUNK:
            yield _lines(chunk)
            chunk = []
    if chunk:
        yield _lines(chunk)


def _lines(rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode()


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _local_time(value: object) -> object:
    """A stored timestamp (a datetime, or SQLite's text) as Asia/Shanghai ISO text."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return to_shanghai(moment).isoformat(timespec="seconds")


async def _nothing() -> Rows:
    return
    yield


def _problem(status: int, code: str, message: str) -> Response:
    return JSONResponse({"errors": [{"code": code, "message": message}]}, status_code=status)
