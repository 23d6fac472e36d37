"""Reconciliation with WeChat Pay's daily bills for finance (SPEC 20): each bill's run (done,
failed and why), the differences found, and marking one resolved with a note (who and when are
kept). The same differences export as CSV at /admin/exports/reconciliation-differences.csv."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import After, Connection, First, Ordering, SortField, paginate
from domain.errors import DomainError, ErrorCode
from domain.payments import reconciliation
from domain.payments.models import ReconciliationDifference, ReconciliationRun

NEWEST_FIRST = Ordering((SortField("id", descending=True),))


@strawberry.type(name="ReconciliationRun", description="One provider's bill of one day.")
class ReconciliationRunNode:
    id: strawberry.ID
    provider: str
    bill_date: date
    kind: str = strawberry.field(description="TRADE or FUND_FLOW.")
    status: str = strawberry.field(description="RUNNING, DONE or FAILED (retried by the job).")
    lines: int = strawberry.field(description="Bill lines read.")
    differences: int
    income_fen: int = strawberry.field(description="Fund-flow bills: 交易 income, fen.")
    expense_fen: int = strawberry.field(description="Fund-flow bills: 退款 expense, fen.")
    failure: str | None
    started_at: datetime
    finished_at: datetime | None


def run_node(run: ReconciliationRun) -> ReconciliationRunNode:
    return ReconciliationRunNode(
        id=strawberry.ID(to_global_id("ReconciliationRun", run.id)),
        provider=run.provider,
        bill_date=run.bill_date,
        kind=run.kind.value,
        status=run.status.value,
        lines=run.lines,
        differences=run.differences,
        income_fen=run.income_fen,
        expense_fen=run.expense_fen,
        failure=run.failure,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


@strawberry.type(
    name="ReconciliationDifference",
    description="Something the bill and siyu disagree on. Amounts in fen; null where a side "
    "has nothing.",
)
class DifferenceNode:
    id: strawberry.ID
    bill_date: date
    kind: str = strawberry.field(
        description="MISSING_IN_SIYU, MISSING_IN_BILL, AMOUNT (TOTAL: a fund-flow total) or STATE."
    )
    subject: str = strawberry.field(description="PAYMENT, REFUND or TOTAL.")
    reference: str = strawberry.field(description="out_trade_no or out_refund_no.")
    siyu_fen: int | None
    bill_fen: int | None
    siyu_state: str | None
    bill_state: str | None
    resolved_by: str | None
    resolution_note: str | None
    resolved_at: datetime | None


def difference_node(row: ReconciliationDifference) -> DifferenceNode:
    return DifferenceNode(
        id=strawberry.ID(to_global_id("ReconciliationDifference", row.id)),
        bill_date=row.bill_date,
        kind=row.kind.value,
        subject=row.subject.value,
        reference=row.reference,
        siyu_fen=row.siyu_fen,
        bill_fen=row.bill_fen,
        siyu_state=row.siyu_state,
        bill_state=row.bill_state,
        resolved_by=row.resolved_by,
        resolution_note=row.resolution_note,
        resolved_at=row.resolved_at,
    )


async def reconciliation_runs(
    info: Info, first: First = 20, after: After = None
) -> Connection[ReconciliationRunNode]:
    await granted(info)
    return await paginate(ReconciliationRun.all(), NEWEST_FIRST, first, after, run_node)


async def reconciliation_differences(
    info: Info,
    first: First = 20,
    after: After = None,
    resolved: Annotated[
        bool | None, strawberry.argument(description="false: only those still open.")
    ] = None,
    bill_date: Annotated[
        date | None, strawberry.argument(description="Only that day's bill (Asia/Shanghai).")
    ] = None,
) -> Connection[DifferenceNode]:
    await granted(info)
    return await paginate(
        reconciliation.differences(resolved, bill_date, bill_date),
        NEWEST_FIRST,
        first,
        after,
        difference_node,
    )


@strawberry.type
class ResolveDifferencePayload:
    difference: DifferenceNode | None = None
    errors: list[UserError]


async def resolve_reconciliation_difference(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="A ReconciliationDifference global ID.")
    ],
    note: Annotated[str, strawberry.argument(description="What was found and done (audited).")],
) -> ResolveDifferencePayload:
    grant = await granted(info)
    row = await ReconciliationDifference.get_or_none(
        id=from_global_id(id, "ReconciliationDifference")
    )
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    resolved = await reconciliation.resolve_difference(row, f"staff:{grant.staff.id}", note)
    return ResolveDifferencePayload(difference=difference_node(resolved), errors=[])
