"""Reconciliation benchmark (issue 15): a day's WeChat Pay trade bill of `--lines` lines (1 M by
default) against as many paid payments, reconciled the way the `reconcile-bills` job does it —
the bill announced by the fake WeChat Pay over loopback HTTP, downloaded (gzip) to a temporary
file, its SHA-1 checked, streamed into `bill_line` rows and compared in SQL.

What it shows: the time of one reconciliation, and that memory stays flat whatever the size of
the bill (target: RSS growth < 100 MB for 1 M lines). RSS is sampled every 20 ms in this process
while the reconciliation runs. The fake serves the bill from a file on disk (not from memory), so
the figure is the reconciliation's own.

The data: one payment per bill line, paid that day; every 100 000th line carries another amount
(AMOUNT), `--missing` lines name payments siyu never had (MISSING_IN_SIYU) and as many payments
are not in the bill (MISSING_IN_BILL). The run fails (exit 1) unless it finds exactly those.

Measured (2 cores shared with other work, SQLite file, 1 000 000 lines = 9.6 MiB of gzip
against 1 000 000 payments): reconciled in 182 s (5 500 lines/s; 50 000 lines: 3.3 s), RSS
growth 25.4 MiB (target < 100 MB met), exactly the 10 + 10 + 9 differences planted. Set-up
(payments and bill) 92 s.

Run: `.venv/bin/python bench/reconcile.py [--lines 1000000] [--missing 10]`.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starlette.requests import Request  # noqa: E402
from starlette.responses import FileResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from tortoise import Tortoise  # noqa: E402
from tortoise.migrations.api import migrate  # noqa: E402

from api.payments.wechat_v3 import PlatformKey, WechatPayV3Provider  # noqa: E402
from domain import clock, sql  # noqa: E402
from domain.db import tortoise_config, transaction  # noqa: E402
from domain.members.models import Member  # noqa: E402
from domain.orders.models import Fulfilment, Order  # noqa: E402
from domain.payments.models import (  # noqa: E402
    BillKind,
    DifferenceKind,
    Payment,
    PaymentStatus,
    ReconciliationDifference,
)
from domain.payments.reconciliation import reconcile_day  # noqa: E402
from tests.fakes.serving import serving  # noqa: E402
from tests.fakes.wechat_pay import (  # noqa: E402
    BILL_DOWNLOAD,
    TRADE_BILL,
    TRADE_BILL_COLUMNS,
    TRADE_BILL_SUMMARY,
    FakeWechatPay,
    trade_row,
)

MCH_ID, APP_ID = "1230000109", "wxd678efh567hg6787"
BILL_DAY = date(2026, 11, 20)
PAID_AT = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
AMOUNT = 12900
INSERT_BATCH = 5000
PAGE = 4096


class FileBilledWechatPay(FakeWechatPay):
    """The fake, serving one trade bill from a gzip file on disk."""

    def __init__(self, bill: Path, digest: str):
        super().__init__(MCH_ID, APP_ID)
        self._file, self._digest = bill, digest
        self.app.router.routes = [
            Route(TRADE_BILL, self._file_bill, methods=["GET"]),
            Route(BILL_DOWNLOAD, self._file_download, methods=["GET"]),
        ]

    async def _file_bill(self, request: Request) -> Response:
        if not self._signed_by_merchant(request, ""):
            return self._error(401, "SIGN_ERROR", "签名错误")
        return self._answer(
            200,
            {
                "hash_type": "SHA1",
                "hash_value": self._digest,
                "download_url": f"{self.base_url}{BILL_DOWNLOAD}?token=bench",
            },
        )

    async def _file_download(self, request: Request) -> Response:
        if not self._signed_by_merchant(request, ""):
            return self._error(401, "SIGN_ERROR", "签名错误")
        return FileResponse(self._file, media_type="application/octet-stream")


def out_trade_no(number: int) -> str:
    return f"B{number:011d}"


def write_bill(path: Path, lines: int, missing: int) -> str:
    """The gzip bill, written as it streams; returns the SHA-1 of its text."""
    digest = hashlib.sha1(usedforsecurity=False)
    with gzip.open(path, "wb", compresslevel=6) as bill:

        def put(text: str) -> None:
            data = (text + "\n").encode()
            digest.update(data)
            bill.write(data)

        put(TRADE_BILL_COLUMNS)
        for number in range(lines):
            fen = AMOUNT + 1 if number % 100_000 == 1 else AMOUNT
            reference = f"X{number:011d}" if number < missing else out_trade_no(number)
            put(trade_row(reference, fen))
        put(TRADE_BILL_SUMMARY)
        put(f"`{lines},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00")
    return digest.hexdigest()


async def load_payments(lines: int) -> None:
    """One paid order and payment per bill line: each row is a template's bound values with
    its own numbers, written by executemany in transactions of INSERT_BATCH rows (what the app
    writes, without building 2 M model instances)."""
    member = await Member.create(created_at=PAID_AT, updated_at=PAID_AT)
    order = Order(
        id=1,
        number="N",
        member_id=member.id,
        fulfilment=Fulfilment.DELIVERY,
        goods_fen=AMOUNT,
        payable_fen=AMOUNT,
        idempotency_key="k",
        request_hash="0" * 64,
        created_at=PAID_AT,
        pay_deadline=PAID_AT + timedelta(minutes=30),
    )
    payment = Payment(
        order_id=1,
        provider=WechatPayV3Provider.name,
        out_trade_no="B",
        amount_fen=AMOUNT,
        status=PaymentStatus.SUCCEEDED,
        transaction_id="T",
        created_at=PAID_AT,
        paid_at=PAID_AT,
    )
    order_insert = sql.insert_statement(Order, 1, True)
    payment_insert = sql.insert_statement(Payment, 1, False)
    order_template = order_insert.params([order])
    payment_template = payment_insert.params([payment])
    for start in range(0, lines, INSERT_BATCH):
        numbers = range(start, min(lines, start + INSERT_BATCH))
        orders, payments = [], []
        for number in numbers:
            orders.append(
                order_template
                | {
                    "id_0": number + 1,
                    "number_0": f"N{number:011d}",
                    "idempotency_key_0": f"k{number}",
                }
            )
            payments.append(
                payment_template
                | {"order_id_0": number + 1, "out_trade_no_0": out_trade_no(number)}
            )
        async with transaction() as db:
            text, _ = order_insert.bind(db, orders[0])
            await db.execute_many(text, [order_insert.bind(db, row)[1] for row in orders])
            text, _ = payment_insert.bind(db, payments[0])
            await db.execute_many(text, [payment_insert.bind(db, row)[1] for row in payments])


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Sampler:
    """The highest RSS of this process while running, sampled every 20 ms."""

    def __init__(self) -> None:
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def run(lines: int, missing: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="siyu-reconcile-"))
    database_url = f"sqlite://{work / 'bench.db'}"
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        started = time.perf_counter()
        digest = write_bill(work / "bill.csv.gz", lines, missing)
        await load_payments(lines)
        print(
            f"set-up: {lines} payments and a {lines}-line bill "
            f"({(work / 'bill.csv.gz').stat().st_size / 2**20:.1f} MiB gzip) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        fake = FileBilledWechatPay(work / "bill.csv.gz", digest)
        async with serving(fake.app) as base_url:
            fake.base_url = base_url
            provider = WechatPayV3Provider(
                mch_id=MCH_ID,
                app_id=APP_ID,
                merchant_serial=fake.merchant_serial,
                merchant_key=fake.merchant_key,
                platform=PlatformKey(fake.platform_serial, fake.platform_key.public_key()),
                notify_url="https://example.com/payments/notify/WECHAT_PAY_V3",
                base_url=base_url,
                timeout=60,
            )
            before = rss_bytes()
            with clock.frozen_at(PAID_AT + timedelta(days=1)), Sampler() as sampler:
                began = time.perf_counter()
                result = await reconcile_day(provider, BILL_DAY, BillKind.TRADE)
                seconds = time.perf_counter() - began
            await provider.aclose()
        assert result is not None
        growth = (sampler.peak - before) / 2**20
        print(
            f"reconciled {result.lines} lines in {seconds:.1f} s "
            f"({result.lines / seconds:,.0f} lines/s); RSS growth {growth:.1f} MiB "
            f"(target < 100 MB: {'met' if growth < 100 else 'MISSED'})"
        )
        counts = {
            kind: await ReconciliationDifference.filter(kind=kind).count()
            for kind in DifferenceKind
        }
        print("differences:", {kind.value: count for kind, count in counts.items() if count})
        amount_lines = len([n for n in range(missing, lines) if n % 100_000 == 1])
        expected = {
            DifferenceKind.MISSING_IN_SIYU: missing,
            DifferenceKind.MISSING_IN_BILL: missing,
            DifferenceKind.AMOUNT: amount_lines,
            DifferenceKind.STATE: 0,
        }
        if counts != expected:
            print(f"INCONSISTENT: expected {expected}", file=sys.stderr)
            return 1
        return 0
    finally:
        await Tortoise.close_connections()
        shutil.rmtree(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--missing", type=int, default=10)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(run(arguments.lines, arguments.missing)))


if __name__ == "__main__":
    main()
