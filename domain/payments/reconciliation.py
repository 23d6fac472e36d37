"""Daily reconciliation with the provider's bills (SPEC 20): WeChat Pay's trade bill (ALL) and
fund-flow bill of a day against siyu's payments and refunds.

The trade bill is streamed (the provider hands out its lines one by one, after checking the
file's digest) into `bill_line` rows in batches, so the comparison is a few SQL statements and
memory does not grow with the bill. Then:
- every bill line of a payment (交易状态 SUCCESS) is matched by out_trade_no with siyu's payment:
  none → MISSING_IN_SIYU; another amount (订单金额) → AMOUNT; siyu not SUCCEEDED → STATE;
- every bill line of a refund (交易状态 REFUND) is matched by out_refund_no: none →
  MISSING_IN_SIYU; another amount → AMOUNT; a different state (退款状态 SUCCESS ↔ REFUNDED,
  PROCESSING, ABNORMAL, CLOSED) → STATE;
- siyu's payments paid that day (Asia/Shanghai) and refunds WeChat finished that day that are
  not in the bill → MISSING_IN_BILL (a refund finance paid offline is not expected there).
The fund-flow bill's income (交易) and expense (退款) totals are kept on its run; a difference
from siyu's totals of the day is a TOTAL difference.

Each (provider, day, bill) is one run, claimed by a unique row: two processes never reconcile the
same bill twice; a failed run is taken up again by the next job run. The bill lines are deleted
when the run is done; the differences stay for finance, who mark each resolved with a note.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q, Subquery
from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from domain import clock, sql
from domain.errors import DomainError, ErrorCode
from domain.orders.models import Refund, RefundResolution, RefundStatus
from domain.payments.models import (
    BillKind,
    BillLine,
    BillSubject,
    DifferenceKind,
    Payment,
    PaymentStatus,
    ReconciliationDifference,
    ReconciliationRun,
    RunStatus,
)
from domain.payments.provider import BillSource, NoBill, ProviderError
from domain.validation import clean_text

log = logging.getLogger("siyu.reconciliation")

BATCH = 1000
# WeChat makes yesterday's bills after 10:00 (Asia/Shanghai); days further back are caught up.
BILLS_READY_AT = time(10, 0)
CATCH_UP_DAYS = 3
ABANDONED = timedelta(hours=1)
_REFUND_STATES = {
    "SUCCESS": RefundStatus.REFUNDED,
    "PROCESSING": RefundStatus.PROCESSING,
    "ABNORMAL": RefundStatus.ABNORMAL,
    "CLOSED": RefundStatus.CLOSED,
}
TRADE_SUMMARY_START = "总交易单数"
FUND_FLOW_SUMMARY_START = "资金流水总笔数"


class BillFormatError(Exception):
    """The bill does not have the documented columns."""


def yuan_to_fen(text: str) -> int:
    """`129.00` (the bill's yuan, two decimals) → 12900; no floats on the way."""
    negative = text.startswith("-")
    whole, _, cents = text.lstrip("-").partition(".")
    fen = int(whole or "0") * 100 + int((cents + "00")[:2])
    return -fen if negative else fen


def bill_values(line: str) -> list[str]:
    """One bill line's values: every value is written with a leading backtick (so that a
    spreadsheet keeps it text), so `,\\`` separates them even when a value holds a comma."""
    return line[1:].split(",`") if line.startswith("`") else line.split(",")


@dataclass(frozen=True)
class TradeLine:
    subject: BillSubject
    reference: str
    out_trade_no: str
    amount_fen: int
    state: str


class TradeBill:
    """Reads WeChat's ALL trade bill: the header names the columns, the summary ends the rows."""

    COLUMNS = ("商户订单号", "交易状态", "订单金额", "商户退款单号", "退款金额", "退款状态")

    def __init__(self, header: str):
        names = header.lstrip("\ufeff").split(",")
        missing = [name for name in self.COLUMNS if name not in names]
        if missing:
            raise BillFormatError(f"missing columns: {', '.join(missing)}")
        self._at = {name: names.index(name) for name in self.COLUMNS}
        self._width = max(self._at.values()) + 1

    def parse(self, line: str) -> TradeLine | None:
        values = bill_values(line)
        if len(values) < self._width:
            raise BillFormatError("a short line")
        at = self._at
        out_trade_no, state = values[at["商户订单号"]], values[at["交易状态"]]
        if state == "REFUND":
            return TradeLine(
                BillSubject.REFUND,
                values[at["商户退款单号"]],
                out_trade_no,
                yuan_to_fen(values[at["退款金额"]]),
                values[at["退款状态"]],
            )
        if state == "SUCCESS":
            return TradeLine(
                BillSubject.PAYMENT,
                out_trade_no,
                out_trade_no,
                yuan_to_fen(values[at["订单金额"]]),
                state,
            )
        return None  # other states (REVOKED, …) move no money


async def trade_lines(lines: AsyncIterator[str]) -> AsyncIterator[TradeLine]:
    bill: TradeBill | None = None
    async for line in lines:
        if not line.strip():
            continue
        if bill is None:
            bill = TradeBill(line)
            continue
        if line.startswith(TRADE_SUMMARY_START):
            return
        parsed = bill.parse(line)
        if parsed is not None:
            yield parsed


def shanghai_day(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=clock.SHANGHAI)
    return start, start + timedelta(days=1)


def days_due(now: datetime) -> list[date]:
    """The days whose bills are ready by `now`: yesterday once it is 10:00, and a few before."""
    local = clock.to_shanghai(now)
    latest = local.date() - timedelta(days=1 if local.time() >= BILLS_READY_AT else 2)
    return [latest - timedelta(days=back) for back in range(CATCH_UP_DAYS - 1, -1, -1)]


async def _claim(provider: str, day: date, kind: BillKind) -> ReconciliationRun | None:
    """The run of (provider, day, kind) if this process may do it: new, or failed before."""
    now = clock.now()
    try:
        return await ReconciliationRun.create(
            provider=provider, bill_date=day, kind=kind, started_at=now
        )
    except IntegrityError:
        pass
    # A failed run is taken up again, and so is one whose process died an hour ago.
    retaken = (
        await ReconciliationRun.filter(provider=provider, bill_date=day, kind=kind)
        .filter(
            Q(status=RunStatus.FAILED) | Q(status=RunStatus.RUNNING, started_at__lt=now - ABANDONED)
        )
        .update(status=RunStatus.RUNNING, started_at=now, failure=None)
    )
    if not retaken:
        return None
    run = await ReconciliationRun.get(provider=provider, bill_date=day, kind=kind)
    await BillLine.filter(run_id=run.id).delete()
    await ReconciliationDifference.filter(run_id=run.id).delete()
    return run


async def reconcile_day(source: BillSource, day: date, kind: BillKind) -> ReconciliationRun | None:
    """Reconcile one bill; None when another process has it (or had it done)."""
    run = await _claim(source.name, day, kind)
    if run is None:
        return None
    try:
        if kind == BillKind.TRADE:
            await _reconcile_trade(source, run)
        else:
            await _reconcile_fund_flow(source, run)
    except (ProviderError, BillFormatError) as error:
        await ReconciliationRun.filter(id=run.id).update(
            status=RunStatus.FAILED, failure=str(error)[:200], finished_at=clock.now()
        )
        log.warning("reconciliation failed", extra={"run_id": run.id, "why": str(error)[:200]})
        raise
    finally:
        await BillLine.filter(run_id=run.id).delete()
    await run.refresh_from_db()
    return run


async def _reconcile_trade(source: BillSource, run: ReconciliationRun) -> None:
    count = 0
    try:
        batch: list[BillLine] = []
        async for line in trade_lines(source.bill_lines(run.bill_date, BillKind.TRADE)):
            batch.append(
                BillLine(
                    run_id=run.id,
                    subject=line.subject,
                    reference=line.reference[:64],
                    out_trade_no=line.out_trade_no[:32],
                    amount_fen=line.amount_fen,
                    state=line.state[:16],
                )
            )
            if len(batch) == BATCH:
                await sql.insert_many(batch)
                count += len(batch)
                batch = []
        await sql.insert_many(batch)
        count += len(batch)
    except NoBill:
        pass  # no transaction that day: whatever siyu has is missing from the bill
    found = 0
    found += await _compare_payments(run)
    found += await _compare_refunds(run)
    found += await _payments_missing_in_bill(run)
    found += await _refunds_missing_in_bill(run)
    await ReconciliationRun.filter(id=run.id).update(
        status=RunStatus.DONE, lines=count, differences=found, finished_at=clock.now()
    )


@dataclass(frozen=True)
class _Line:
    reference: str
    amount_fen: int
    state: str


async def _bill_lines(run: ReconciliationRun, subject: BillSubject) -> AsyncIterator[list[_Line]]:
    """The run's bill lines of `subject` in keyset batches (plain values: a million of them
    pass through here)."""
    last = 0
    while True:
        rows = (
            await BillLine.filter(run_id=run.id, subject=subject, id__gt=last)
            .order_by("id")
            .limit(BATCH)
            .values_list("id", "reference", "amount_fen", "state")
        )
        if not rows:
            return
        yield [_Line(reference, amount, state) for _, reference, amount, state in rows]
        last = rows[-1][0]


def _difference(
    run: ReconciliationRun, kind: DifferenceKind, subject: BillSubject, reference: str, **values
) -> ReconciliationDifference:
    return ReconciliationDifference(
        run_id=run.id,
        bill_date=run.bill_date,
        kind=kind,
        subject=subject,
        reference=reference,
        created_at=clock.now(),
        **values,
    )


async def _save(differences: list[ReconciliationDifference]) -> int:
    for start in range(0, len(differences), 200):
        await sql.insert_many(differences[start : start + 200])
    return len(differences)


async def _compare(
    run: ReconciliationRun,
    subject: BillSubject,
    ours: Callable[[list[str]], Awaitable[dict[str, tuple[int, str]]]],
    expected_state: Callable[[str], str | None],
) -> int:
    """Each bill line of `subject` against siyu's row of the same reference, read per batch:
    none → MISSING_IN_SIYU, another amount → AMOUNT, another state → STATE."""
    found = 0
    async for lines in _bill_lines(run, subject):
        known = await ours([line.reference for line in lines])
        differences = []
        for line in lines:
            mine = known.get(line.reference)
            values: dict[str, object] = {"bill_fen": line.amount_fen, "bill_state": line.state}
            if mine is None:
                kind = DifferenceKind.MISSING_IN_SIYU
            elif mine[0] != line.amount_fen:
                kind = DifferenceKind.AMOUNT
            elif mine[1] != expected_state(line.state):
                kind = DifferenceKind.STATE
            else:
                continue
            if mine is not None:
                values |= {"siyu_fen": mine[0], "siyu_state": mine[1]}
            differences.append(_difference(run, kind, subject, line.reference, **values))
        found += await _save(differences)
    return found


async def _compare_payments(run: ReconciliationRun) -> int:
    async def ours(references: list[str]) -> dict[str, tuple[int, str]]:
        rows = await Payment.filter(provider=run.provider, out_trade_no__in=references).values_list(
            "out_trade_no", "amount_fen", "status"
        )
        return {number: (amount, str(status)) for number, amount, status in rows}

    return await _compare(run, BillSubject.PAYMENT, ours, lambda _: PaymentStatus.SUCCEEDED.value)


async def _compare_refunds(run: ReconciliationRun) -> int:
    async def ours(references: list[str]) -> dict[str, tuple[int, str]]:
        rows = await Refund.filter(out_refund_no__in=references).values_list(
            "out_refund_no", "amount_fen", "status"
        )
        return {number: (amount, str(status)) for number, amount, status in rows}

    def expected(state: str) -> str | None:
        status = _REFUND_STATES.get(state)
        return None if status is None else status.value

    return await _compare(run, BillSubject.REFUND, ours, expected)


async def _payments_missing_in_bill(run: ReconciliationRun) -> int:
    start, end = shanghai_day(run.bill_date)
    in_bill = Subquery(
        BillLine.filter(run_id=run.id, subject=BillSubject.PAYMENT).values("reference")
    )
    found, last = 0, 0
    while True:
        rows = (
            await Payment.filter(
                provider=run.provider,
                status=PaymentStatus.SUCCEEDED,
                paid_at__gte=start,
                paid_at__lt=end,
                id__gt=last,
            )
            .exclude(out_trade_no__in=in_bill)
            .order_by("id")
            .limit(BATCH)
        )
        if not rows:
            return found
        last = rows[-1].id
        found += await _save(
            [
                _difference(
                    run,
                    DifferenceKind.MISSING_IN_BILL,
                    BillSubject.PAYMENT,
                    p.out_trade_no,
                    siyu_fen=p.amount_fen,
                    siyu_state=p.status.value,
                )
                for p in rows
            ]
        )


def _finished_by_provider(run: ReconciliationRun):
    """siyu's refunds the provider finished as SUCCESS on the bill's day (a query)."""
    start, end = shanghai_day(run.bill_date)
    paid_by = Payment.filter(provider=run.provider, status=PaymentStatus.SUCCEEDED)
    # Not `exclude(resolution=REFUNDED_OFFLINE)`: NOT (NULL = x) is NULL, which drops them all.
    provider_paid = Q(resolution__isnull=True) | Q(
        resolution__in=[RefundResolution.RETRIED, RefundResolution.ABANDONED]
    )
    return Refund.filter(
        provider_paid,
        status=RefundStatus.REFUNDED,
        finished_at__gte=start,
        finished_at__lt=end,
        order_id__in=Subquery(paid_by.values("order_id")),
    )


async def _refunds_missing_in_bill(run: ReconciliationRun) -> int:
    in_bill = Subquery(
        BillLine.filter(run_id=run.id, subject=BillSubject.REFUND).values("reference")
    )
    found, last = 0, 0
    while True:
        rows = (
            await _finished_by_provider(run)
            .filter(id__gt=last)
            .exclude(out_refund_no__in=in_bill)
            .order_by("id")
            .limit(BATCH)
        )
        if not rows:
            return found
        last = rows[-1].id
        found += await _save(
            [
                _difference(
                    run,
                    DifferenceKind.MISSING_IN_BILL,
                    BillSubject.REFUND,
                    r.out_refund_no,
                    siyu_fen=r.amount_fen,
                    siyu_state=r.status.value,
                )
                for r in rows
            ]
        )


async def _reconcile_fund_flow(source: BillSource, run: ReconciliationRun) -> None:
    """Totals of the fund-flow bill: 交易 income and 退款 expense against siyu's day."""
    income = expense = count = 0
    try:
        columns: dict[str, int] | None = None
        async for line in source.bill_lines(run.bill_date, BillKind.FUND_FLOW):
            if not line.strip():
                continue
            if columns is None:
                names = line.lstrip("\ufeff").split(",")
                columns = {name: index for index, name in enumerate(names)}
                if not {"业务类型", "收支类型", "收支金额（元）"} <= set(columns):
                    raise BillFormatError("missing fund-flow columns")
                continue
            if line.startswith(FUND_FLOW_SUMMARY_START):
                break
            values = bill_values(line)
            count += 1
            business = values[columns["业务类型"]]
            amount = yuan_to_fen(values[columns["收支金额（元）"]])
            if business == "交易" and values[columns["收支类型"]] == "收入":
                income += amount
            elif business == "退款" and values[columns["收支类型"]] == "支出":
                expense += amount
    except NoBill:
        pass
    start, end = shanghai_day(run.bill_date)
    paid = await _total(
        Payment.filter(
            provider=run.provider,
            status=PaymentStatus.SUCCEEDED,
            paid_at__gte=start,
            paid_at__lt=end,
        )
    )
    refunded = await _total(_finished_by_provider(run))
    differences = [
        _difference(
            run,
            DifferenceKind.AMOUNT,
            BillSubject.TOTAL,
            reference,
            siyu_fen=ours,
            bill_fen=theirs,
        )
        for reference, ours, theirs in (("交易收入", paid, income), ("退款支出", refunded, expense))
        if ours != theirs
    ]
    await _save(differences)
    await ReconciliationRun.filter(id=run.id).update(
        status=RunStatus.DONE,
        lines=count,
        differences=len(differences),
        income_fen=income,
        expense_fen=expense,
        finished_at=clock.now(),
    )


async def _total(queryset) -> int:
    row = await queryset.annotate(total=Sum("amount_fen")).first().values("total")
    return int(row["total"] or 0) if row else 0


async def reconcile_bills(now: datetime) -> int:
    """Job `reconcile-bills`: every bill-publishing provider's trade and fund-flow bills of the
    days due, each once. Returns the differences found. A failure is recorded on its run and
    retried at the next run; the others go on."""
    from domain.payments.service import bill_sources

    found, failed = 0, False
    for source in bill_sources():
        for day in days_due(now):
            for kind in (BillKind.TRADE, BillKind.FUND_FLOW):
                try:
                    run = await reconcile_day(source, day, kind)
                except (ProviderError, BillFormatError):
                    failed = True
                    continue
                if run is not None:
                    found += run.differences
    if failed:
        raise ProviderError("a bill could not be reconciled; see reconciliationRuns")
    return found


def differences(
    resolved: bool | None, first_day: date | None, last_day: date | None
) -> QuerySet[ReconciliationDifference]:
    """Differences, optionally only (un)resolved ones and those of bills in [first, last]."""
    rows = ReconciliationDifference.all()
    if resolved is not None:
        rows = rows.filter(resolved_at__isnull=not resolved)
    if first_day is not None:
        rows = rows.filter(bill_date__gte=first_day)
    if last_day is not None:
        rows = rows.filter(bill_date__lte=last_day)
    return rows


DIFFERENCE_COLUMNS = (
    "id",
    "bill_date",
    "kind",
    "subject",
    "reference",
    "siyu_fen",
    "bill_fen",
    "siyu_state",
    "bill_state",
    "resolved_by",
    "resolution_note",
    "resolved_at",
)


async def difference_rows(
    rows: QuerySet[ReconciliationDifference],
) -> AsyncIterator[tuple]:
    """Every row of `rows` as DIFFERENCE_COLUMNS, oldest first, in keyset batches."""
    last = 0
    while True:
        batch = (
            await rows.filter(id__gt=last)
            .order_by("id")
            .limit(BATCH)
            .values_list(*DIFFERENCE_COLUMNS)
        )
        for row in batch:
            yield tuple(row)
        if len(batch) < BATCH:
            return
        last = batch[-1][0]


async def resolve_difference(
    difference: ReconciliationDifference, actor: str, note: str
) -> ReconciliationDifference:
    """Finance marks a difference resolved, saying what was done (kept with who and when)."""
    note = clean_text(note, "note", 200, multiline=True)
    moved = await ReconciliationDifference.filter(
        id=difference.id, resolved_at__isnull=True
    ).update(resolved_by=actor, resolution_note=note, resolved_at=clock.now())
    if not moved:
        raise DomainError(ErrorCode.INVALID_STATE, "id", "the difference is already resolved")
    await difference.refresh_from_db()
    return difference
