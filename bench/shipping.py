"""Shipping upload benchmark (issue 13): how fast the outbox drains `upload_shipping_info`
against the fake WeChat, and what shipping costs `shipOrder`'s transaction.

1. Statements: one `shipOrder` over HTTP (in-process ASGI, settings warm as on a busy server),
   counted twice side by side: as built, and with the upload's outbox insert switched off (the
   transaction as it was before shipping info existed). Target: at most one statement more.
2. Drain: `--orders` paid orders (placed and paid through the sandbox over HTTP, then shipped by
   HQ), their uploads drained by the `drain-outbox` job against the fake WeChat over loopback
   HTTP; uploads per second of drain time (target ≥ 100), every order uploaded exactly once.
   Then as many again with the fake failing every other upload (a 502): the drain runs an hour
   apart of fake time (past the backoff) until nothing is pending; uploads per second of drain
   time, and still exactly once each.

SQLite file database in a temporary directory, one process (the drain as one scheduler runs it;
the fake WeChat is served by uvicorn in the same process, so its CPU counts against the drain).

Measured (2 cores shared with other work, 300 orders): shipOrder 7 statements with the upload
(2 in its transaction) against 6 without (1): +1. Drain 121 uploads/s with the fake answering
every call (2.5 s); 31 uploads/s of drain time with the fake failing every other upload (10 runs,
600 upload calls, every order uploaded exactly once). Set-up 20 s.

Run: `.venv/bin/python bench/shipping.py [--orders 300]`.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tortoise import Tortoise  # noqa: E402

from api.cli import migrate  # noqa: E402
from api.config import AppConfig  # noqa: E402
from api.jobs import run_job  # noqa: E402
from domain import clock  # noqa: E402
from domain.db import tortoise_config  # noqa: E402
from domain.org.models import StaffRole  # noqa: E402
from domain.outbox.models import OutboxMessage, OutboxState  # noqa: E402
from domain.shipping import uploads  # noqa: E402
from tests.fakes.wechat import UPLOAD_SHIPPING_INFO, FakeWechat  # noqa: E402
from tests.support.api import ApiFactory  # noqa: E402
from tests.support.shipping import SHIP, a_sku, one_delivery, paid, wechat_mall  # noqa: E402
from tests.support.sql import count_statements  # noqa: E402

TOPIC = uploads.TOPIC


async def ship_all(api: ApiFactory, fake: FakeWechat, count: int) -> list[str]:
    """`count` paid orders shipped by HQ; their WeChat transaction ids."""
    operator = await api.staff(StaffRole.HQ_ADMIN)
    sku = await a_sku(stock=count + 10)
    transactions = []
    for _ in range(count):
        order, payment, _ = await paid(api, fake, one_delivery(sku))
        variables = {"id": order["id"], "carrier": "SF", "tracking": f"SF{payment.id:010d}"}
        shipped = (await operator.client.data(SHIP, variables))["shipOrder"]
        assert shipped["errors"] == [], shipped
        transactions.append(payment.transaction_id)
    return transactions


async def ship_statements(api: ApiFactory, fake: FakeWechat) -> tuple[int, int, int, int]:
    """(request, transaction) statements of shipOrder with the upload, then without it."""
    operator = await api.staff(StaffRole.HQ_ADMIN)
    sku = await a_sku()
    orders = [(await paid(api, fake, one_delivery(sku)))[0] for _ in range(3)]
    await operator.client.data(SHIP, {"id": orders[0]["id"], "carrier": "SF", "tracking": "W1"})
    counts = []
    for order, upload in ((orders[1], True), (orders[2], False)):
        original = uploads.enqueue
        if not upload:

            async def nothing(*_: object, **__: object) -> None:
                return None

            uploads.enqueue = nothing  # type: ignore[assignment]
        try:
            with count_statements(cold_settings=False) as log:
                variables = {"id": order["id"], "carrier": "SF", "tracking": order["id"][-8:]}
                await operator.client.data(SHIP, variables)
        finally:
            uploads.enqueue = original  # type: ignore[assignment]
        writes = [s for s in log.statements if s.startswith(("UPDATE", "INSERT"))]
        counts += [len(log.statements), len(writes)]
    await OutboxMessage.filter(topic=TOPIC).delete()
    return counts[0], counts[1], counts[2], counts[3]


async def drain(transactions: list[str], fake: FakeWechat) -> tuple[float, int]:
    """Drain until nothing is pending: (seconds spent draining, drain runs)."""
    moment, spent, runs = clock.now(), 0.0, 0
    while await OutboxMessage.filter(topic=TOPIC, state=OutboxState.PENDING).exists():
        started = time.perf_counter()
        await run_job("drain-outbox", moment)
        spent += time.perf_counter() - started
        runs += 1
        moment += timedelta(hours=1)
        if runs > 20:
            raise SystemExit("the drain did not finish in 20 runs")
    once = all(len(fake.uploads_of(txn)) == 1 for txn in transactions)
    if not once:
        raise SystemExit("an order was not uploaded exactly once")
    return spent, runs


async def main(orders: int) -> None:
    directory = tempfile.mkdtemp(prefix="siyu-bench-shipping-")
    url = f"sqlite://{directory}/bench.sqlite3"
    try:
        await migrate(AppConfig(database_url=url))  # with the reference data (tiers, plan)
        await Tortoise.init(config=tortoise_config(url))
        async with wechat_mall(call_seconds=2.0) as (fake, api):
            with_upload, with_writes, without, without_writes = await ship_statements(api, fake)
            print(
                f"shipOrder statements: {with_upload} with the upload ({with_writes} in its "
                f"transaction), {without} without ({without_writes} in its transaction): "
                f"+{with_writes - without_writes} (target ≤ 1)"
            )
            started = time.perf_counter()
            clean = await ship_all(api, fake, orders)
            print(
                f"set-up: {orders} orders paid and shipped in {time.perf_counter() - started:.1f} s"
            )
            spent, runs = await drain(clean, fake)
            print(
                f"drain, fake answering every call: {orders} uploads in {spent:.2f} s "
                f"({runs} run(s)) = {orders / spent:.0f} uploads/s (target ≥ 100)"
            )
            failing = await ship_all(api, fake, orders)
            fake.fail_every_other(UPLOAD_SHIPPING_INFO, "5xx")
            calls_before = fake.calls[UPLOAD_SHIPPING_INFO]
            spent, runs = await drain(failing, fake)
            calls = fake.calls[UPLOAD_SHIPPING_INFO] - calls_before
            print(
                f"drain, fake failing every other upload: {orders} uploads in {spent:.2f} s "
                f"({runs} runs, {calls} upload calls, each order uploaded once) = "
                f"{orders / spent:.0f} uploads/s"
            )
    finally:
        await Tortoise.close_connections()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300)
    asyncio.run(main(parser.parse_args().orders))
