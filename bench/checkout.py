"""Checkout benchmark: placeOrder, payOrder and the payment notification, over HTTP.

Why: checkout is the write path where money and stock move. It must stay fast for one member
(SQLite, the small-shop set-up) and must never oversell when many members buy at once on
PostgreSQL. This script measures both and checks the books every run:

1. sequential latency on SQLite: a fresh file database, the real app under uvicorn (1 worker),
   ~20 members logged in with `dev:` codes, then N iterations of placeOrder (1-3 random lines,
   DELIVERY, a unique idempotency key) + payOrder + the sandbox's "succeed" button, which posts
   a signed notification to the real notify route; median and p95 of the iteration and of
   placeOrder alone; the SQL statements of each step counted once in-process;
2. throughput on PostgreSQL (`--postgres`): a throwaway database, the app with 2 workers (each
   with an asyncpg pool of `--pool` connections, set with `?maxsize=` in DATABASE_URL since
   Tortoise's default is 5), 16 clients looping the same iteration for `--seconds`; paid orders
   per second from the database, errors, latencies, CPU per paid order; then a contended round:
   one SKU with stock 50, every client buying it until refused. This part logs in its own
   `--load-members` (400) members, and client i buys as members i, i+16, i+32, ... in turn, one
   per iteration: with ~20 members each would pile up ~100 orders in a run, which no shop sees,
   and a payment's refresh of the member's stats reads the member's paid orders, so a handful of
   members would make that read, and the measured cost of an order, grow through the run.

The checkouts of both parts go through KeepAliveClient (bench/common.py), one persistent
connection per simulated client, not httpx: the load generator runs on the same 2 cores as the
servers, and with httpx it took ~5 ms of CPU per paid order, CPU the servers did not get (~1 ms
with KeepAliveClient). httpx still waits for readiness, logs members in and, over ASGI, drives
the in-process checkout whose SQL statements are counted; none of that is measured.

Each part ends with a ledger check, read with plain SQL: for every SKU, initial minus final stock
equals the quantities of its order items and no stock is negative; the orders, paid orders and
payments (counts and fen) in the database match what the clients were told; every order's goods
equal its items. Any failure there, or any unexpected error, exits 1; a missed target is
reported, not a failure. CPU per order is reported beside the figures, with how busy the machine
was outside the bench: on a shared 2-core machine that is what explains a low throughput.

Each part runs in a fresh interpreter: Tortoise caches SQL per connection name, so one process
speaks one dialect. Run `.venv/bin/python bench/checkout.py [--postgres [URL]]`; `--help` lists
the knobs. Traffic goes to 127.0.0.1 only, and servers are always stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import multiprocessing
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable from a checkout
    sys.path.insert(0, str(ROOT))


import asyncpg  # noqa: E402
import httpx  # noqa: E402
from tortoise import Tortoise, connections  # noqa: E402

from api.cli import migrate  # noqa: E402
from api.config import AppConfig  # noqa: E402
from api.graphql.ids import to_global_id  # noqa: E402
from bench.common import (  # noqa: E402
    HOST,
    JWT_SECRET,
    BenchFailure,
    KeepAliveClient,
    MachineTicks,
    NoAnswer,
    Server,
    command_ticks,
    counting_statements,
    create_postgres_database,
    drop_postgres_database,
    load_catalog,
    login,
    machine_ticks,
    new_client,
    quantile_ms,
    server_env,
    ticks_to_seconds,
)
from domain.catalog import service as catalog  # noqa: E402
from domain.catalog.models import ProductStatus, Sku  # noqa: E402
from domain.db import tortoise_config  # noqa: E402
from domain.orders.models import Order, OrderItem, OrderStatus  # noqa: E402
from domain.payments.models import Payment, PaymentStatus  # noqa: E402

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
SEQUENTIAL_TARGET_MS = 25.0  # median iteration on SQLite
THROUGHPUT_TARGET = 100.0  # paid orders per second on PostgreSQL
BIG_STOCK = 1_000_000
CONTENDED_STOCK = 50
SEQUENTIAL_DEADLINE_S = 90.0  # the sequential loop never runs longer, whatever N
CONTENDED_DEADLINE_S = 30.0
CATEGORIES = 5
SHARED_MACHINE = 0.15  # other processes above this share of the cores depress the figures
INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"

# The mini-program's selections (as tests/support/orders.py), kept here so that a test change
# does not silently change what this bench measures.
ORDER_FIELDS = """
id number status fulfilment pickupCode
goods { fen } tierDiscount { fen } couponDiscount { fen } pointsUsed shipping { fen }
payable { fen }
items { id quantity amount { fen } paid { fen } refunded { fen } }
"""
PLACE = f"""
mutation PlaceOrder($input: CheckoutInput!, $key: String!) {{
  placeOrder(input: $input, idempotencyKey: $key) {{
    created
    order {{ {ORDER_FIELDS} }}
    errors {{ code field }}
  }}
}}
"""
PAY = """
mutation PayOrder($id: ID!) {
  payOrder(orderId: $id) { provider outTradeNo payParams errors { code field } }
}
"""
ADDRESS = {
    "name": "张三",
    "phone": "13800001111",
    "region": "上海市静安区",
    "detail": "南京西路1号",
}

Line = tuple[str, int]  # (SKU global id, quantity)
T = TypeVar("T")


# --- one checkout over HTTP ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shopper:
    """A logged-in member: the headers every request of theirs carries."""

    member_id: int
    headers: dict[str, str]


@dataclass
class Iteration:
    """One placeOrder + payOrder + notification, timed per step.

    `refused` is placeOrder's user error code (expected only when stock runs out); `error` is
    anything else that went wrong, and always counts against the run.
    """

    place_s: float = 0.0
    pay_s: float = 0.0
    notify_s: float = 0.0
    created: bool = False
    payable_fen: int = 0
    refused: str | None = None
    error: str | None = None
    broken: bool = False

    @property
    def total_s(self) -> float:
        return self.place_s + self.pay_s + self.notify_s

    @property
    def paid(self) -> bool:
        return self.created and self.refused is None and self.error is None


class StepFailed(Exception):
    """A step went wrong: `error` says how, briefly enough to be counted; `broken` when the
    server did not answer at all (dead or stuck: a load client stops there)."""

    def __init__(self, error: str, broken: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.broken = broken


class Poster(Protocol):
    """Where a checkout's requests go: KeepAliveClient to a real server (one per simulated
    client), HttpxPoster to the app in this process when counting its statements."""

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """The status and body of the answer; NoAnswer when there is none."""
        ...


@dataclass(frozen=True)
class HttpxPoster:
    """A Poster over an httpx client with a base URL (the in-process app through ASGI), where
    the statements are measured, not the client's CPU."""

    client: httpx.AsyncClient

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        try:
            response = await self.client.post(path, content=body, headers=headers)
        except httpx.HTTPError as failure:
            raise NoAnswer(type(failure).__name__) from None
        return response.status_code, response.content


async def _post(
    poster: Poster, path: str, step: str, body: bytes = b"", shopper: Shopper | None = None
) -> tuple[int, bytes]:
    try:
        return await poster.post(path, body, shopper.headers if shopper else {})
    except NoAnswer as failure:
        raise StepFailed(f"{step}: {failure}", broken=True) from None


async def _mutation(poster: Poster, shopper: Shopper, name: str, body: bytes) -> dict[str, Any]:
    status, content = await _post(poster, "/graphql", name, body, shopper)
    if status != 200:
        raise StepFailed(f"{name}: HTTP {status}")
    answer = json.loads(content)
    if answer.get("errors"):
        raise StepFailed(f"{name}: {answer['errors'][0].get('message', '?')[:80]}")
    payload: dict[str, Any] = answer["data"][name]
    if payload["errors"]:
        codes = sorted({e["code"] for e in payload["errors"]})
        raise StepFailed(f"{name}: {'/'.join(codes)}")
    return payload


async def checkout_once(poster: Poster, shopper: Shopper, lines: list[Line], key: str) -> Iteration:
    """What the mini-program does for one purchase, paid through the sandbox provider."""
    result = Iteration()
    try:
        await _checkout(poster, shopper, lines, key, result)
    except StepFailed as failure:
        if failure.error == f"placeOrder: {INSUFFICIENT_STOCK}":
            result.refused = INSUFFICIENT_STOCK
        else:
            result.error, result.broken = failure.error, failure.broken
    return result


async def _checkout(
    poster: Poster, shopper: Shopper, lines: list[Line], key: str, result: Iteration
) -> None:
    """The three steps, each timed into `result` when it succeeds."""
    checkout = {
        "lines": [{"skuId": sku, "quantity": quantity} for sku, quantity in lines],
        "fulfilment": "DELIVERY",
        "address": ADDRESS,
    }
    body = json.dumps({"query": PLACE, "variables": {"input": checkout, "key": key}}).encode()
    started = time.perf_counter()
    placed = await _mutation(poster, shopper, "placeOrder", body)
    result.place_s = time.perf_counter() - started
    if not placed["created"]:
        raise StepFailed("placeOrder: the key replayed an earlier order")
    result.created = True
    result.payable_fen = placed["order"]["payable"]["fen"]

    body = json.dumps({"query": PAY, "variables": {"id": placed["order"]["id"]}}).encode()
    started = time.perf_counter()
    payment = await _mutation(poster, shopper, "payOrder", body)
    result.pay_s = time.perf_counter() - started

    started = time.perf_counter()
    status, _ = await _post(poster, f"/payments/sandbox/{payment['outTradeNo']}/succeed", "notify")
    if status not in (200, 204):
        raise StepFailed(f"notify: HTTP {status}")
    result.notify_s = time.perf_counter() - started


@dataclass
class Tally:
    """Iterations pooled: latencies of the paid ones, counts of the rest."""

    iterations: list[Iteration] = field(default_factory=list)

    def add(self, iteration: Iteration) -> None:
        self.iterations.append(iteration)

    @property
    def paid(self) -> list[Iteration]:
        return [i for i in self.iterations if i.paid]

    @property
    def created(self) -> int:
        return sum(i.created for i in self.iterations)

    @property
    def paid_fen(self) -> int:
        return sum(i.payable_fen for i in self.paid)

    @property
    def refusals(self) -> int:
        return sum(i.refused is not None for i in self.iterations)

    @property
    def errors(self) -> Counter[str]:
        return Counter(i.error for i in self.iterations if i.error)

    def latency(self, step: str) -> tuple[float, float]:
        """Median and p95 in ms of `step` ("total", "place", "pay" or "notify") when paid."""
        seconds = [getattr(i, f"{step}_s") for i in self.paid]
        if not seconds:
            return float("nan"), float("nan")
        return 1000 * statistics.median(seconds), quantile_ms(seconds, 0.95)


# --- data ---------------------------------------------------------------------------------------


async def prepare(database_url: str, products: int, seed: int) -> dict[int, int]:
    """Migrate, connect this process, load the catalog; the SKUs' initial stock by id."""
    config = AppConfig(database_url=database_url, jwt_secret=JWT_SECRET, env="development")
    with contextlib.redirect_stdout(io.StringIO()):  # "migrations applied"
        await migrate(config)
    await Tortoise.init(config=tortoise_config(database_url))
    await load_catalog(CATEGORIES, products, seed, stock=BIG_STOCK)
    return dict(await Sku.all().values_list("id", "stock"))


async def add_scarce_sku(stock: int) -> int:
    """One more ON_SALE product with a single SKU of `stock` units, for the contended round."""
    category = await catalog.create_category("争抢类目", None)
    product = await catalog.create_product(
        catalog.ProductInput(
            title="限量款 争抢测试",
            images=["https://img.example.com/p/scarce.jpg"],
            category_id=category.id,
            status=ProductStatus.ON_SALE,
        ),
        [catalog.SkuInput(code="BENCH-SCARCE", price_fen=19_900, stock=stock)],
    )
    return (await Sku.get(product_id=product.id)).id


async def log_in(
    client: httpx.AsyncClient, base_url: str, members: int, at_once: int = 1
) -> list[Shopper]:
    """Members bench-0, bench-1, ... in that order, `at_once` logins in flight (400 members one
    by one would take a minute of the run)."""
    gate = asyncio.Semaphore(at_once)

    async def one(number: int) -> Shopper:
        async with gate:
            token, member_id = await login(client, base_url, f"dev:bench-{number}")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        return Shopper(member_id, headers)

    return list(await asyncio.gather(*(one(number) for number in range(members))))


def random_lines(rng: random.Random, skus: list[str]) -> list[Line]:
    """1-3 distinct SKUs, 1-3 units each."""
    return [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))]


# --- the books ----------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What the database says after a round, read with plain SQL (not through the app)."""

    stock: dict[int, int]
    sold: dict[int, int]
    orders: int
    paid_orders: int
    paid_fen: int
    succeeded_payments: int
    succeeded_fen: int
    goods_mismatches: int


async def read_ledger() -> Ledger:
    db = connections.get("default")
    sku, item = Sku._meta.db_table, OrderItem._meta.db_table
    order, payment = Order._meta.db_table, Payment._meta.db_table

    async def rows(sql: str) -> list[dict[str, Any]]:
        return list(await db.execute_query_dict(sql))

    by_status = {
        r["status"]: (int(r["n"]), int(r["fen"] or 0))
        for r in await rows(
            f'SELECT status, COUNT(*) AS n, SUM(payable_fen) AS fen FROM "{order}" GROUP BY status'
        )
    }
    payments = {
        r["status"]: (int(r["n"]), int(r["fen"] or 0))
        for r in await rows(
            f'SELECT status, COUNT(*) AS n, SUM(amount_fen) AS fen FROM "{payment}" GROUP BY status'
        )
    }
    mismatched = await rows(
        f'SELECT COUNT(*) AS n FROM "{order}" o WHERE o.goods_fen <> '
        f'(SELECT COALESCE(SUM(i.amount_fen), 0) FROM "{item}" i WHERE i.order_id = o.id)'
    )
    paid = by_status.get(OrderStatus.PAID.value, (0, 0))
    succeeded = payments.get(PaymentStatus.SUCCEEDED.value, (0, 0))
    return Ledger(
        stock={r["id"]: int(r["stock"]) for r in await rows(f'SELECT id, stock FROM "{sku}"')},
        sold={
            r["sku_id"]: int(r["sold"])
            for r in await rows(
                f'SELECT sku_id, SUM(quantity) AS sold FROM "{item}" GROUP BY sku_id'
            )
        },
        orders=sum(n for n, _ in by_status.values()),
        paid_orders=paid[0],
        paid_fen=paid[1],
        succeeded_payments=succeeded[0],
        succeeded_fen=succeeded[1],
        goods_mismatches=int(mismatched[0]["n"]),
    )


def audit(ledger: Ledger, initial: dict[int, int], tally: Tally) -> list[str]:
    """Every way the books can disagree with the stock taken and what clients were told."""
    problems = []
    for sku_id, before in sorted(initial.items()):
        after = ledger.stock.get(sku_id)
        sold = ledger.sold.get(sku_id, 0)
        if after is None or after < 0 or before - after != sold:
            problems.append(f"SKU {sku_id}: stock {before} -> {after} but {sold} units ordered")
    if unknown := set(ledger.sold) - set(initial):
        problems.append(f"order items for unknown SKUs {sorted(unknown)}")
    expected = {
        "orders": (ledger.orders, tally.created),
        "paid orders": (ledger.paid_orders, len(tally.paid)),
        "succeeded payments": (ledger.succeeded_payments, ledger.paid_orders),
        "paid fen": (ledger.paid_fen, tally.paid_fen),
        "payments fen": (ledger.succeeded_fen, ledger.paid_fen),
    }
    for what, (found, wanted) in expected.items():
        if found != wanted:
            problems.append(f"{what}: {found} in the database, {wanted} expected")
    if ledger.goods_mismatches:
        problems.append(f"{ledger.goods_mismatches} orders whose goods differ from their items")
    return problems


# --- where the CPU went ------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far by each party of the load, and the whole machine's ticks."""

    parties: dict[str, float]
    machine: MachineTicks | None

    @classmethod
    def take(cls, server: Server, database: str | None = None) -> CpuSample:
        """`database`: the PostgreSQL database whose backends count (None: SQLite, in-app)."""
        postgres = command_ticks("postgres", mentioning=database) if database else None
        parties = {
            "app": server.cpu_seconds(),
            "PostgreSQL": None if postgres is None else ticks_to_seconds(postgres),
            "load generator": time.process_time(),
        }
        return cls({k: v for k, v in parties.items() if v is not None}, machine_ticks())


@dataclass
class CpuUse:
    """Where the CPU went during the load: a 2-core machine is shared by the app's workers,
    PostgreSQL, this load generator and anything else running (other test suites)."""

    per_order_ms: dict[str, float]
    busy: float | None = None  # share of all cores busy
    interrupts: float | None = None  # share of all cores in irq/softirq (loopback networking)
    others: float | None = None  # share of all cores used by other processes (other suites)

    @classmethod
    def between(cls, before: CpuSample, after: CpuSample, orders: int) -> CpuUse:
        """The CPU spent from `before` to `after`, per order where per order."""
        spent = {name: after.parties[name] - start for name, start in before.parties.items()}
        use = cls({name: 1000 * s / max(orders, 1) for name, s in spent.items()})
        if before.machine and after.machine and after.machine.total > before.machine.total:
            busy, total, interrupts = (
                a - b for a, b in zip(after.machine, before.machine, strict=True)
            )
            use.busy, use.interrupts = busy / total, interrupts / total
            others = ticks_to_seconds(busy - interrupts) - sum(spent.values())
            use.others = max(0.0, others) / ticks_to_seconds(total)
        return use

    def ceiling(self) -> float | None:
        """Paid orders/s if the app and PostgreSQL had every core to themselves."""
        server_ms = self.per_order_ms.get("app", 0) + self.per_order_ms.get("PostgreSQL", 0)
        return 1000 * (os.cpu_count() or 1) / server_ms if server_ms else None


# --- part 1: sequential latency on SQLite -------------------------------------------------------


@dataclass
class SequentialResult:
    """Latencies (median, p95) of the timed iterations, per step and whole."""

    iterations: int
    members: int
    skus: int
    total_ms: tuple[float, float]
    place_ms: tuple[float, float]
    pay_ms: tuple[float, float]
    notify_ms: tuple[float, float]
    cpu: CpuUse
    statements: dict[str, int]
    errors: dict[str, int]
    problems: list[str]


class CountingTransport(httpx.AsyncBaseTransport):
    """The app in this process over ASGI, counting the SQL statements of each step while
    `counting` is set (the sandbox's in-process notify call counts towards "notify")."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.counting = False
        self.counts: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.counting:
            return await self.inner.handle_async_request(request)
        with counting_statements() as counter:
            response = await self.inner.handle_async_request(request)
        body = request.content
        step = "placeOrder" if b"placeOrder" in body else "payOrder" if b"payOrder" in body else ""
        self.counts[step or "notify"] += counter.count
        return response


async def count_statements(
    database_url: str, shopper: Shopper, sku: str, books: Tally
) -> dict[str, int]:
    """SQL statements per step of one iteration, counted in-process on the bench's own
    connection (the second of two iterations: the first warms caches), so a change in the number
    of queries shows by step."""
    from api.app import create_app

    config = AppConfig(database_url=database_url, jwt_secret=JWT_SECRET, env="development")
    transport = CountingTransport(create_app(config, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for attempt in range(2):
            transport.counting = attempt == 1
            key = f"count-{attempt}-{secrets.token_hex(4)}"
            iteration = await checkout_once(HttpxPoster(client), shopper, [(sku, 1)], key)
            books.add(iteration)
            if not iteration.paid:
                raise BenchFailure(f"in-process checkout failed: {iteration.error}")
    return dict(transport.counts)


async def sequential(options: Options, workdir: Path) -> SequentialResult:
    """Part 1: one client, one request at a time, on a fresh SQLite file."""
    database_url = f"sqlite://{workdir / 'checkout.db'}"
    initial = await prepare(database_url, options.products, options.seed)
    skus = [to_global_id("Sku", sku_id) for sku_id in initial]
    server = Server("app", "api.app:create_app", server_env(database_url), workdir / "app.log")
    books, measured = Tally(), Tally()  # every iteration; the timed ones
    rng = random.Random(options.seed)
    tag = secrets.token_hex(4)
    try:
        server.start()
        async with new_client(1) as client:
            await server.wait_ready(client)
            shoppers = await log_in(client, server.base_url, options.members)
        async with KeepAliveClient(HOST, server.port) as poster:
            for n in range(options.warmup):
                shopper, lines = shoppers[n % len(shoppers)], random_lines(rng, skus)
                books.add(await checkout_once(poster, shopper, lines, f"w{tag}-{n}"))
            cpu_before = CpuSample.take(server)
            deadline = time.perf_counter() + SEQUENTIAL_DEADLINE_S
            for n in range(options.iterations):
                if time.perf_counter() > deadline:
                    break
                shopper, lines = shoppers[n % len(shoppers)], random_lines(rng, skus)
                measured.add(await checkout_once(poster, shopper, lines, f"{tag}-{n}"))
            cpu_after = CpuSample.take(server)
    finally:
        server.stop()
    statements = await count_statements(database_url, shoppers[0], skus[0], books)
    books.iterations += measured.iterations
    problems = audit(await read_ledger(), initial, books)
    if len(measured.iterations) < options.iterations:
        problems.append(
            f"only {len(measured.iterations)} iterations in {SEQUENTIAL_DEADLINE_S:.0f} s"
        )
    if books.errors or books.refusals:
        problems.append(f"unexpected: {books.refusals} refusals, errors {dict(books.errors)}")
    return SequentialResult(
        iterations=len(measured.paid),
        members=len(shoppers),
        skus=len(initial),
        total_ms=measured.latency("total"),
        place_ms=measured.latency("place"),
        pay_ms=measured.latency("pay"),
        notify_ms=measured.latency("notify"),
        cpu=CpuUse.between(cpu_before, cpu_after, len(measured.iterations)),
        statements=statements,
        errors=dict(books.errors),
        problems=problems,
    )


# --- part 2: throughput on PostgreSQL -----------------------------------------------------------


@dataclass
class ContendedResult:
    """One SKU of CONTENDED_STOCK units, every client buying one at a time until refused."""

    clients: int
    sold: int
    stock_left: int
    paid: int
    refusals: int
    errors: dict[str, int]
    seconds: float


@dataclass
class ThroughputResult:
    """The concurrent load (paid orders counted in the database) and the contended round."""

    clients: int
    members: int
    workers: int
    pool: int
    skus: int
    seconds: float
    attempts: int
    paid_orders: int
    total_ms: tuple[float, float]
    place_ms: tuple[float, float]
    errors: dict[str, int]
    cpu: CpuUse
    contended: ContendedResult
    problems: list[str]

    @property
    def paid_per_s(self) -> float:
        return self.paid_orders / self.seconds


async def hammer(
    server: Server,
    shoppers: list[Shopper],
    clients: int,
    seconds: float,
    buy: Callable[[random.Random], list[Line]],
    seed: int,
    until_refused: bool = False,
) -> tuple[Tally, float]:
    """`clients` clients checking out back to back for `seconds` (each finishes its current
    iteration), each on its own connection and as its own members in turn (client i as members
    i, i + clients, ...); with `until_refused` each stops at its first refusal. Returns the
    wall time."""
    tally = Tally()
    tag = secrets.token_hex(4)
    deadline = time.perf_counter() + seconds

    async def one_client(number: int) -> None:
        rng, members = random.Random(seed + number), shoppers[number::clients]
        n = 0
        async with KeepAliveClient(HOST, server.port) as poster:
            while time.perf_counter() < deadline:
                key = f"{tag}-{number}-{n}"
                shopper = members[n % len(members)]
                iteration = await checkout_once(poster, shopper, buy(rng), key)
                tally.add(iteration)
                n += 1
                if iteration.broken:
                    return  # the server is dead or stuck: counted, and this client stops
                if until_refused and (iteration.refused or iteration.error):
                    return

    started = time.perf_counter()
    await asyncio.gather(*(one_client(number) for number in range(clients)))
    return tally, time.perf_counter() - started


async def paid_orders() -> int:
    return await Order.filter(status=OrderStatus.PAID).count()


async def throughput(options: Options, server_url: str, workdir: Path) -> ThroughputResult:
    """Part 2: concurrent members on a throwaway PostgreSQL database, then one scarce SKU."""
    database_url = await create_postgres_database(server_url)
    try:
        return await _throughput(options, database_url, workdir)
    finally:
        await Tortoise.close_connections()
        await drop_postgres_database(server_url, database_url)


async def _throughput(options: Options, database_url: str, workdir: Path) -> ThroughputResult:
    initial = await prepare(database_url, options.products, options.seed)
    skus = [to_global_id("Sku", sku_id) for sku_id in initial]
    app_url = f"{database_url}?maxsize={options.pool}"
    env = server_env(app_url)
    server = Server("app", "api.app:create_app", env, workdir / "app.log", workers=options.workers)
    books = Tally()

    def basket(rng: random.Random) -> list[Line]:
        return random_lines(rng, skus)

    try:
        server.start()
        async with new_client(options.clients) as client:
            await server.wait_ready(client)
            shoppers = await log_in(
                client, server.base_url, options.load_members, at_once=options.clients
            )
        warm, _ = await hammer(server, shoppers, options.clients, options.warmup_s, basket, 0)
        database = database_url.rpartition("/")[2]
        before, cpu_before = await paid_orders(), CpuSample.take(server, database)
        load, wall = await hammer(server, shoppers, options.clients, options.seconds, basket, 1000)
        cpu_after, after = CpuSample.take(server, database), await paid_orders()

        scarce_id = await add_scarce_sku(CONTENDED_STOCK)
        initial[scarce_id] = CONTENDED_STOCK
        scarce = to_global_id("Sku", scarce_id)
        contended, contended_s = await hammer(
            server,
            shoppers,
            options.clients,
            CONTENDED_DEADLINE_S,
            lambda _: [(scarce, 1)],
            2000,
            until_refused=True,
        )
    finally:
        server.stop()

    for tally in (warm, load, contended):
        books.iterations += tally.iterations
    ledger = await read_ledger()
    problems = audit(ledger, initial, books)
    if warm.errors or load.errors or warm.refusals or load.refusals:
        problems.append(
            f"under load: {warm.refusals + load.refusals} refusals with big stock, "
            f"errors {dict(warm.errors + load.errors)}"
        )
    sold, left = ledger.sold.get(scarce_id, 0), ledger.stock.get(scarce_id, -1)
    if sold != CONTENDED_STOCK or left != 0 or len(contended.paid) != CONTENDED_STOCK:
        problems.append(
            f"contended SKU: {sold} sold, {len(contended.paid)} paid, stock {left} "
            f"(expected {CONTENDED_STOCK}, {CONTENDED_STOCK}, 0)"
        )
    if contended.errors or contended.refusals != options.clients:
        problems.append(
            f"contended round: {contended.refusals} of {options.clients} clients refused, "
            f"errors {dict(contended.errors)}"
        )
    return ThroughputResult(
        clients=options.clients,
        members=len(shoppers),
        workers=options.workers,
        pool=options.pool,
        skus=len(initial) - 1,
        seconds=wall,
        attempts=len(load.iterations),
        paid_orders=after - before,
        total_ms=load.latency("total"),
        place_ms=load.latency("place"),
        errors=dict(load.errors),
        cpu=CpuUse.between(cpu_before, cpu_after, after - before),
        contended=ContendedResult(
            clients=options.clients,
            sold=sold,
            stock_left=left,
            paid=len(contended.paid),
            refusals=contended.refusals,
            errors=dict(contended.errors),
            seconds=contended_s,
        ),
        problems=problems,
    )


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Options:
    postgres: str | None
    sqlite: bool
    iterations: int
    warmup: int
    members: int
    load_members: int
    products: int
    clients: int
    seconds: float
    warmup_s: float
    workers: int
    pool: int
    seed: int


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        metavar="URL",
        nargs="?",
        const=DEFAULT_POSTGRES,
        help="also run the throughput part on a throwaway database created (and dropped) on "
        f"this PostgreSQL server (without a value: {DEFAULT_POSTGRES})",
    )
    parser.add_argument(
        "--no-sqlite", dest="sqlite", action="store_false", help="skip the SQLite latency part"
    )
    parser.add_argument("--iterations", type=int, default=300, help="sequential, on SQLite")
    parser.add_argument("--warmup", type=int, default=10, help="untimed iterations first")
    parser.add_argument("--members", type=int, default=20, help="members, sequential on SQLite")
    parser.add_argument(
        "--load-members",
        type=int,
        default=400,
        help="members on PostgreSQL, each client buying as its own share of them in turn",
    )
    parser.add_argument("--products", type=int, default=50, help="products of 1-3 SKUs")
    parser.add_argument("--clients", type=int, default=16, help="concurrent, on PostgreSQL")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of the load")
    parser.add_argument("--warmup-s", type=float, default=2.0, help="untimed load first")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers on PostgreSQL")
    parser.add_argument(
        "--pool", type=int, default=20, help="asyncpg pool per worker (DATABASE_URL ?maxsize=)"
    )
    parser.add_argument("--seed", type=int, default=20_240_601)
    options = Options(**vars(parser.parse_args(argv)))
    if not options.sqlite and not options.postgres:
        parser.error("nothing to run: --no-sqlite without --postgres")
    if options.load_members < options.clients:
        parser.error("--load-members below --clients: some clients would have no member")
    return options


def run_sequential(options: Options) -> SequentialResult:
    """Part 1 in its own interpreter (see the module's docstring)."""
    return asyncio.run(_in_workdir(sequential, options))


def run_throughput(options: Options) -> ThroughputResult:
    """Part 2 in its own interpreter (see the module's docstring)."""
    assert options.postgres

    async def part(options: Options, workdir: Path) -> ThroughputResult:
        assert options.postgres
        try:
            return await throughput(options, options.postgres, workdir)
        except (OSError, asyncpg.PostgresError) as failure:
            raise BenchFailure(f"PostgreSQL at {options.postgres}: {failure}") from None

    return asyncio.run(_in_workdir(part, options))


async def _in_workdir(part: Callable[[Options, Path], Awaitable[T]], options: Options) -> T:
    workdir = Path(tempfile.mkdtemp(prefix="siyu-checkout-"))
    try:
        return await part(options, workdir)
    finally:
        await Tortoise.close_connections()
        shutil.rmtree(workdir, ignore_errors=True)


def in_fresh_process(part: Callable[[Options], T], options: Options) -> T:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(part, options).result()


def _pair(ms: tuple[float, float]) -> str:
    return f"{ms[0]:>8.1f} {ms[1]:>8.1f}"


def print_sequential(result: SequentialResult, options: Options) -> None:
    print(
        f"\ncheckout, sequential | SQLite, 1 worker | {options.products} products, "
        f"{result.skus} SKUs, {result.members} members | {result.iterations} iterations "
        f"after {options.warmup} untimed"
    )
    print(f"{'step':<22} {'p50 ms':>8} {'p95 ms':>8} {'SQL':>5}")
    rows = {
        "placeOrder": result.place_ms,
        "payOrder": result.pay_ms,
        "notify (sandbox)": result.notify_ms,
    }
    for name, ms in rows.items():
        key = name.split()[0]
        print(f"{name:<22} {_pair(ms)} {result.statements.get(key, 0):>5}")
    total = sum(result.statements.values())
    print(f"{'whole iteration':<22} {_pair(result.total_ms)} {total:>5}")
    print(f"errors: {sum(result.errors.values())}")
    print_cpu(result.cpu, "iteration")


def print_cpu(cpu: CpuUse, per: str) -> None:
    """CPU per unit of work, and how busy the machine was (other suites skew the figures)."""
    parts = ", ".join(f"{name} {ms:.1f}" for name, ms in cpu.per_order_ms.items())
    print(f"CPU ms per {per}: {parts}")
    if cpu.busy is not None and cpu.interrupts is not None and cpu.others is not None:
        print(
            f"machine: {100 * cpu.busy:.0f} % of {os.cpu_count()} cores busy; "
            f"interrupts {100 * cpu.interrupts:.0f} %, other processes {100 * cpu.others:.0f} %"
        )


def print_throughput(result: ThroughputResult) -> None:
    print(
        f"\ncheckout, concurrent | PostgreSQL, {result.workers} workers x pool {result.pool} | "
        f"{result.skus} SKUs, {result.members} members | {result.clients} clients x "
        f"{result.seconds:.1f} s"
    )
    print(
        f"paid orders: {result.paid_orders} = {result.paid_per_s:.1f}/s "
        f"({result.attempts} iterations, {sum(result.errors.values())} errors)"
    )
    print(f"{'step':<22} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'placeOrder':<22} {_pair(result.place_ms)}")
    print(f"{'whole iteration':<22} {_pair(result.total_ms)}")
    print_cpu(result.cpu, "paid order")
    if ceiling := result.cpu.ceiling():
        print(f"CPU ceiling with app + PostgreSQL alone on the cores: {ceiling:.0f} paid orders/s")
    c = result.contended
    print(
        f"contended: 1 SKU of stock {CONTENDED_STOCK}, {c.clients} clients until refused: "
        f"{c.sold} sold, {c.paid} paid, stock left {c.stock_left}, {c.refusals} refusals, "
        f"{sum(c.errors.values())} errors in {c.seconds:.1f} s"
    )
    for error, count in sorted({**result.errors, **c.errors}.items()):
        print(f"  error x{count}: {error}")


def print_summary(
    sequential: SequentialResult | None, concurrent: ThroughputResult | None, problems: list[str]
) -> None:
    print("\nsummary")
    if sequential:
        median = sequential.total_ms[0]
        verdict = "met" if median < SEQUENTIAL_TARGET_MS else "MISSED"
        print(
            f"  SQLite median iteration  {median:7.1f} ms  (target < {SEQUENTIAL_TARGET_MS:g} ms: "
            f"{verdict}); placeOrder {sequential.place_ms[0]:.1f} ms"
        )
    if concurrent:
        rate = concurrent.paid_per_s
        verdict = "met" if rate >= THROUGHPUT_TARGET else "MISSED"
        print(
            f"  PostgreSQL paid orders/s {rate:7.1f}     (target >= {THROUGHPUT_TARGET:g}: "
            f"{verdict}); p50 {concurrent.total_ms[0]:.0f} ms, p95 {concurrent.total_ms[1]:.0f} ms"
        )
    print(f"  consistency: {'OK' if not problems else f'{len(problems)} FAILURES'}")
    shared = [r.cpu.others for r in (sequential, concurrent) if r and r.cpu.others is not None]
    if shared and max(shared) > SHARED_MACHINE:
        print(
            f"  note: other processes took up to {100 * max(shared):.0f} % of the machine: "
            "latency and throughput are depressed; compare CPU per order, or rerun when quiet"
        )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    sequential_result = throughput_result = None
    problems: list[str] = []
    try:
        if options.sqlite:
            sequential_result = in_fresh_process(run_sequential, options)
            print_sequential(sequential_result, options)
            problems += [f"SQLite: {p}" for p in sequential_result.problems]
        if options.postgres:
            throughput_result = in_fresh_process(run_throughput, options)
            print_throughput(throughput_result)
            problems += [f"PostgreSQL: {p}" for p in throughput_result.problems]
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    print_summary(sequential_result, throughput_result, problems)
    for problem in problems:
        print(f"bench failed: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
