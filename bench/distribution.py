"""Distribution benchmark: SQL statements per share visit and per commission accrual, at scale.

Why: a referral tree is where per-row queries creep in unnoticed (walking the upline for a cycle
check or for level 2, one lookup per ancestor or per member), and tests on a handful of rows
cannot show it: the cost only appears as the member base and the tree grow. The design promises a
constant number of statements instead: the cycle check reads the referrer's materialised
`ancestry`, level 2 is the upline snapshot taken at enrollment, and accrual reads the order's
attribution snapshot by key (distribution/binding.py, distribution/commission/accrual.py). Like
Saleor's query-count benchmarks (ARCHITECTURE.md), this script pins that promise on every run:

- one fresh database (SQLite under a temp dir, or a throwaway PostgreSQL database), migrated, with
  the app's plugins installed so that OrderPaid reaches the commission handler;
- the member base inserted in bulk (big batches in one transaction: signing 200 000 members up
  through login would take far longer and exercises nothing measured here); everything else goes
  through the domain services as in production: upline chains grown by "visit the upline's link,
  then enroll", a guide of a DIRECT store signing the buyer up in store, checkout, payment;
- for each member base (1 000, then grown to 200 000) and each chain (2 and 50 distributors deep),
  fresh members each visit the deepest distributor's link (BOUND), visit it again
  (ALREADY_BOUND), place an order of one item and have it paid (`mark_paid` in a transaction, as
  the payment notification does), which accrues level 1, level 2 and guide-service commission;
- statements counted in-process on a few runs (the "tortoise.db_client" DEBUG log, which leaves
  out BEGIN, COMMIT and savepoints), wall time measured on more runs with counting off (times
  include the commit); outcomes, attribution and entries checked on every run;
- exit 1 when a statement count differs between member bases, chains or runs, or when a run
  did not get the expected outcome, attribution or commission entries.

Run `.venv/bin/python bench/distribution.py [--postgres URL]`; `--help` lists the knobs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable from a checkout
    sys.path.insert(0, str(ROOT))

from tortoise import Tortoise  # noqa: E402

from api.cli import migrate  # noqa: E402
from api.config import AppConfig  # noqa: E402
from api.plugins import install_plugins  # noqa: E402
from bench.common import (  # noqa: E402
    JWT_SECRET,
    BenchFailure,
    MachineTicks,
    StatementCounter,
    counting_statements,
    create_postgres_database,
    drop_postgres_database,
    machine_ticks,
)
from distribution.binding import record_share_visit  # noqa: E402
from distribution.commission import accrual  # noqa: E402
from distribution.distributors import for_guide  # noqa: E402
from distribution.enrollment import enroll  # noqa: E402
from distribution.ledger import check_ledger  # noqa: E402
from distribution.links import LinkRequest, create_link  # noqa: E402
from distribution.models import (  # noqa: E402
    BeneficiaryRole,
    BindingOutcome,
    CommissionEntry,
    Distributor,
    DistributorKind,
    ShareChannel,
    ShareTarget,
)
from distribution.service_relationships import sign_up_customer  # noqa: E402
from domain import clock, events  # noqa: E402
from domain.catalog import service as catalog  # noqa: E402
from domain.catalog.models import ProductStatus, Sku  # noqa: E402
from domain.db import tortoise_config, transaction  # noqa: E402
from domain.members.models import AcquisitionChannel, Member  # noqa: E402
from domain.orders.checkout import Address, CartLine, CheckoutRequest, place_order  # noqa: E402
from domain.orders.lifecycle import mark_paid  # noqa: E402
from domain.orders.models import Fulfilment, Order  # noqa: E402
from domain.org.models import Staff, StaffRole, StoreKind  # noqa: E402
from domain.org.service import create_staff, create_store  # noqa: E402

MEMBER_BASES = (1_000, 200_000)
CHAIN_LENGTHS = (2, 50)
INSERT_BATCH = 10_000
PRICE_FEN = 19_900
STOCK = 10_000_000  # the catalog's maximum: no run ever runs out
ADDRESS = Address(name="张三", phone="13800001111", region="上海市静安区", detail="南京西路1号")


@dataclass(frozen=True)
class Operation:
    key: str
    label: str


OPERATIONS = (
    Operation("visit", "visit BOUND"),
    Operation("repeat", "repeat visit"),
    Operation("place", "placeOrder"),
    Operation("accrual", "accrual handler"),
    Operation("paid", "mark_paid (all)"),
)


# --- the data -----------------------------------------------------------------------------------


class MemberPool:
    """Ids (and phones) of members no run has touched yet: every measured visit is a first one."""

    def __init__(self) -> None:
        self._fresh: list[tuple[int, str]] = []

    def add(self, members: list[tuple[int, str]]) -> None:
        self._fresh.extend(members)

    def take(self) -> tuple[int, str]:
        if not self._fresh:
            raise BenchFailure("the member pool ran dry: raise the member base or lower --runs")
        return self._fresh.pop()

    def take_many(self, count: int) -> list[tuple[int, str]]:
        return [self.take() for _ in range(count)]


async def insert_members(first: int, count: int) -> list[tuple[int, str]]:
    """`count` members numbered from `first`, in big batches inside one transaction rather than
    200 000 commits: about half a minute, mostly spent building the model instances. Phones are
    unique so a guide can sign any of them up; sign-up dates spread over two years like a real
    base. Returns (id, phone) of the new rows: `bulk_create` does not set primary keys, so they
    are read back."""
    now = clock.now()
    async with transaction():
        before = await Member.all().order_by("-id").first().values_list("id", flat=True)
        for start in range(first, first + count, INSERT_BATCH):
            batch = []
            for number in range(start, min(start + INSERT_BATCH, first + count)):
                joined = now - timedelta(days=number % 730, minutes=number % 1440)
                batch.append(
                    Member(
                        nickname=f"会员{number:06d}",
                        phone=f"+86139{number:08d}",
                        source_channel=AcquisitionChannel.MINI_PROGRAM,
                        created_at=joined,
                        updated_at=joined,
                    )
                )
            await Member.bulk_create(batch)
        rows = await Member.filter(id__gt=before or 0).order_by("id").values_list("id", "phone")
    if len(rows) != count:
        raise BenchFailure(f"inserted {count} members, found {len(rows)}")
    return [(member_id, phone) for member_id, phone in rows]


@dataclass(frozen=True)
class Shop:
    """What every order needs: the SKU sold, and the guide (with their store) who serves."""

    sku_id: int
    product_id: int
    guide: Staff
    guide_distributor_id: int


async def open_shop() -> Shop:
    category = await catalog.create_category("基准类目", None)
    product = await catalog.create_product(
        catalog.ProductInput(
            title="分销基准商品",
            description="A bench product.",
            images=["https://img.example.com/bench.jpg"],
            category_id=category.id,
            status=ProductStatus.ON_SALE,
        ),
        [catalog.SkuInput(code="DIST-BENCH-1", price_fen=PRICE_FEN, stock=STOCK)],
    )
    sku_id = await Sku.get(code="DIST-BENCH-1").values_list("id", flat=True)
    store = await create_store(code="BENCH-S1", name="基准直营店", kind=StoreKind.DIRECT)
    guide = await create_staff(
        username="bench-guide",
        password_hash="not-a-real-hash",
        role=StaffRole.GUIDE,
        store_id=store.id,
        display_name="导购",
    )
    guide_distributor = await for_guide(guide)  # every active guide is a distributor
    if guide_distributor is None:
        raise BenchFailure("the guide did not become a distributor")
    return Shop(sku_id, product.id, guide, guide_distributor.id)


@dataclass(frozen=True)
class Chain:
    """An upline chain and the deepest distributor's product link, which every run visits."""

    length: int
    deepest: Distributor
    code: str


async def grow_chain(length: int, members: list[tuple[int, str]], product_id: int) -> Chain:
    """The production path, link by link: each member visits the previous distributor's link
    (BOUND), then enrolls as KOC, which snapshots that referrer as upline and extends the
    materialised ancestry."""
    previous: Distributor | None = None
    for member_id, _ in members[:length]:
        if previous is not None:
            link = await create_link(previous, LinkRequest(ShareTarget.HOME, ShareChannel.CHAT))
            visit = await record_share_visit(member_id, link.code)
            if visit.outcome != BindingOutcome.BOUND:
                raise BenchFailure(f"chain member {member_id}: {visit.outcome}, not BOUND")
        distributor = await enroll(member_id, DistributorKind.KOC, None)
        if previous is not None and distributor.upline_id != previous.id:
            raise BenchFailure(f"chain member {member_id} did not get its referrer as upline")
        previous = distributor
    assert previous is not None
    ancestors = [a for a in previous.ancestry.split("/") if a]
    if len(ancestors) != length - 1:
        raise BenchFailure(f"deepest of a {length}-chain has {len(ancestors)} ancestors")
    link = await create_link(
        previous, LinkRequest(ShareTarget.PRODUCT, ShareChannel.CHAT, target_id=product_id)
    )
    return Chain(length, previous, link.code)


# --- measuring ----------------------------------------------------------------------------------


@dataclass(eq=False)
class HandlerMeter:
    """Stands in for one OrderPaid handler to tell its statements and time apart from the rest of
    `mark_paid` (order update, sales counters, the other handlers)."""

    handler: Callable[[Any], Awaitable[None]]
    counter: StatementCounter | None = None
    statements: int = 0
    seconds: float = 0.0

    async def __call__(self, event: Any) -> None:
        before = self.counter.count if self.counter else 0
        started = time.perf_counter()
        await self.handler(event)
        self.seconds = time.perf_counter() - started
        self.statements = (self.counter.count if self.counter else 0) - before


@dataclass
class Cell:
    """One (member base, chain length) combination: statement counts of every counted run and
    wall times of every timed run, per operation."""

    members: int
    chain: int
    statements: dict[str, set[int]] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def record(self, figures: dict[str, float], counted: bool) -> None:
        for key, value in figures.items():
            if counted:
                self.statements.setdefault(key, set()).add(int(value))
            else:
                self.seconds.setdefault(key, []).append(value)

    def median_ms(self, key: str) -> float:
        return 1000 * statistics.median(self.seconds[key])


class Probe:
    """Runs one operation and reports either its statement count or its wall time."""

    def __init__(self, counted: bool, meter: HandlerMeter) -> None:
        self.counted = counted
        self.meter = meter
        self.figures: dict[str, float] = {}

    async def run(self, key: str, work: Callable[[], Awaitable[Any]]) -> Any:
        if not self.counted:
            started = time.perf_counter()
            result = await work()
            self.figures[key] = time.perf_counter() - started
            return result
        with counting_statements() as counter:
            self.meter.counter = counter
            try:
                result = await work()
            finally:
                self.meter.counter = None
        self.figures[key] = counter.count
        return result


async def paid(order_id: int) -> bool:
    """What a payment notification does to the order: `mark_paid` in the payment transaction."""
    async with transaction():
        return await mark_paid(await Order.get(id=order_id))


async def one_run(
    chain: Chain, shop: Shop, member: tuple[int, str], meter: HandlerMeter, counted: bool
) -> dict[str, float]:
    """A fresh member: visit, revisit, signed up in store by the guide, orders one item, pays.
    Every outcome is checked, so a figure is never that of a short cut."""
    member_id, phone = member
    probe = Probe(counted, meter)
    visit = await probe.run("visit", lambda: record_share_visit(member_id, chain.code))
    if visit.outcome != BindingOutcome.BOUND:
        raise BenchFailure(f"first visit of member {member_id}: {visit.outcome}, not BOUND")
    repeat = await probe.run("repeat", lambda: record_share_visit(member_id, chain.code))
    if repeat.outcome != BindingOutcome.ALREADY_BOUND:
        raise BenchFailure(f"repeat visit of member {member_id}: {repeat.outcome}")
    await sign_up_customer(shop.guide, phone)  # service relationship → the guide's store
    request = CheckoutRequest(
        lines=(CartLine(shop.sku_id, 1),), fulfilment=Fulfilment.DELIVERY, address=ADDRESS
    )
    placed = await probe.run("place", lambda: place_order(member_id, request, f"bench-{member_id}"))
    order = placed.order
    expected = (chain.deepest.id, chain.deepest.upline_id, shop.guide.id)
    got = (order.level1_distributor_id, order.level2_distributor_id, order.service_guide_id)
    if got != expected:
        raise BenchFailure(f"order {order.id} attributed to {got}, expected {expected}")
    if not await probe.run("paid", lambda: paid(order.id)):
        raise BenchFailure(f"order {order.id} was not awaiting payment")
    probe.figures["accrual"] = meter.statements if counted else meter.seconds
    earned = await CommissionEntry.filter(order_id=order.id).values_list("role", "distributor_id")
    beneficiaries = {
        BeneficiaryRole.LEVEL1: chain.deepest.id,
        BeneficiaryRole.LEVEL2: chain.deepest.upline_id,
        BeneficiaryRole.GUIDE_SERVICE: shop.guide_distributor_id,
    }
    if sorted(earned) != sorted(beneficiaries.items()):
        raise BenchFailure(f"order {order.id} accrued {sorted(earned)}, not {beneficiaries}")
    return probe.figures


async def measure(
    base: int, chains: list[Chain], shop: Shop, pool: MemberPool, meter: HandlerMeter, o: Options
) -> list[Cell]:
    """Per chain, warm-up runs first (each beneficiary's account is created on its first accrual,
    and caches fill), then the counted runs; the timed runs then go round the chains in turn, so
    drift on a shared machine hits every chain alike."""
    cells = [Cell(base, chain.length) for chain in chains]
    for cell, chain in zip(cells, chains, strict=True):
        for _ in range(o.warmup):
            await one_run(chain, shop, pool.take(), meter, counted=True)
        for _ in range(o.counted):
            cell.record(await one_run(chain, shop, pool.take(), meter, counted=True), True)
    for _ in range(o.runs):
        for cell, chain in zip(cells, chains, strict=True):
            cell.record(await one_run(chain, shop, pool.take(), meter, counted=False), False)
    return cells


@contextmanager
def metered_accrual() -> Iterator[HandlerMeter]:
    """The commission handler of OrderPaid, wrapped in a meter for the block. It runs last while
    metered instead of between the share-link counter and threshold enrollment: the three
    handlers are independent, so what each runs is the same in any order."""
    meter = HandlerMeter(accrual.on_order_paid)
    events.unsubscribe(events.OrderPaid, accrual.on_order_paid)
    events.subscribe(events.OrderPaid, meter)
    try:
        yield meter
    finally:
        events.unsubscribe(events.OrderPaid, meter)
        events.subscribe(events.OrderPaid, accrual.on_order_paid)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Options:
    postgres: str | None
    members: list[int]
    chains: list[int]
    runs: int
    counted: int
    warmup: int


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a throwaway database created (and dropped) on this PostgreSQL server "
        "instead of SQLite in a temp dir",
    )
    parser.add_argument(
        "--members",
        type=int,
        nargs="+",
        default=list(MEMBER_BASES),
        help="member bases to measure at, ascending (the base grows between them)",
    )
    parser.add_argument(
        "--chains",
        type=int,
        nargs="+",
        default=list(CHAIN_LENGTHS),
        help="upline chain lengths (distributors deep, at least 2 for a level 2)",
    )
    parser.add_argument("--runs", type=int, default=50, help="timed runs per combination")
    parser.add_argument("--counted", type=int, default=3, help="counted runs per combination")
    parser.add_argument("--warmup", type=int, default=1, help="discarded runs per combination")
    options = Options(**vars(parser.parse_args(argv)))
    if options.members != sorted(set(options.members)) or options.members[0] < 1:
        parser.error("--members: distinct positive sizes, ascending")
    if min(options.chains) < 2:
        parser.error("--chains: at least 2 (level 1 and its upline)")
    if options.runs < 1 or options.counted < 1 or options.warmup < 0:
        parser.error("--runs and --counted at least 1, --warmup at least 0")
    return options


@dataclass(frozen=True)
class Load:
    """How busy the machine was while operations ran: on a shared machine other work inflates
    the times (never the statement counts), and this says how much there was."""

    cores: int
    busy: float  # share of all cores' time
    own: float  # this process's share of it

    @classmethod
    def between(
        cls, before: MachineTicks | None, after: MachineTicks | None, own_s: float, wall_s: float
    ) -> Load | None:
        if before is None or after is None or after.total == before.total:
            return None
        cores = os.cpu_count() or 1
        busy = (after.busy - before.busy) / (after.total - before.total)
        return cls(cores, busy, own_s / (wall_s * cores))

    def __str__(self) -> str:
        busy, own = 100 * self.busy, 100 * self.own
        return f"{busy:.0f} % of {self.cores} cores busy, this process {own:.0f} %"


@dataclass
class Report:
    backend: str
    options: Options
    cells: list[Cell] = field(default_factory=list)
    insert_s: dict[int, float] = field(default_factory=dict)
    total_s: float = 0.0
    loads: dict[int, Load | None] = field(default_factory=dict)

    def print(self) -> None:
        o = self.options
        print(
            f"\ndistribution: SQL statements and median ms per operation | {self.backend} | "
            f"{o.counted} counted + {o.runs} timed runs per combination"
        )
        width = 15
        print(
            f"{'members':>8} {'chain':>5} " + " ".join(f"{op.label:>{width}}" for op in OPERATIONS)
        )
        print(f"{'':>8} {'':>5} " + " ".join(f"{'stmts':>6} {'ms':>8}" for _ in OPERATIONS))
        for cell in self.cells:
            columns = []
            for op in OPERATIONS:
                counts = "/".join(str(c) for c in sorted(cell.statements[op.key]))
                columns.append(f"{counts:>6} {cell.median_ms(op.key):>8.2f}")
            print(f"{cell.members:>8} {cell.chain:>5} " + " ".join(columns))
        inserts = ", ".join(f"{n} in {s:.1f} s" for n, s in self.insert_s.items())
        print(f"member bulk inserts: {inserts}; whole run {self.total_s:.1f} s")
        loads = [f"{n}: {load}" for n, load in self.loads.items() if load is not None]
        if loads:
            print(f"machine while measuring (per member base): {'; '.join(loads)}")
            print("(busy beyond this process is the database server and whatever else ran)")


def check(report: Report) -> list[str]:
    """A statement count that is not one and the same number everywhere fails the run."""
    problems = []
    for op in OPERATIONS:
        seen: dict[int, list[str]] = {}
        for cell in report.cells:
            for count in cell.statements.get(op.key, ()):
                seen.setdefault(count, []).append(f"{cell.members} members/{cell.chain}-chain")
        if len(seen) != 1:
            found = "; ".join(f"{c} at {', '.join(where)}" for c, where in sorted(seen.items()))
            problems.append(f"{op.label}: statement counts differ: {found}")
    return problems


async def run(options: Options, database_url: str, report: Report) -> None:
    started = time.perf_counter()
    config = AppConfig(database_url=database_url, jwt_secret=JWT_SECRET, env="development")
    await migrate(config)
    await Tortoise.init(config=tortoise_config(database_url))
    install_plugins()  # what the app does at start-up: OrderPaid reaches the commission handler
    try:
        with metered_accrual() as meter:
            shop = await open_shop()
            pool = MemberPool()
            chains: list[Chain] = []
            total = 0
            for base in options.members:
                inserting = time.perf_counter()
                pool.add(await insert_members(total, base - total))
                report.insert_s[base] = time.perf_counter() - inserting
                total = base
                if not chains:
                    for length in options.chains:
                        members = pool.take_many(length)
                        chains.append(await grow_chain(length, members, shop.product_id))
                if await Member.all().count() != base:
                    raise BenchFailure(f"the member base is not {base}")
                ticks, cpu, wall = machine_ticks(), time.process_time(), time.perf_counter()
                report.cells += await measure(base, chains, shop, pool, meter, options)
                report.loads[base] = Load.between(
                    ticks, machine_ticks(), time.process_time() - cpu, time.perf_counter() - wall
                )
        mismatches = await check_ledger()
        if mismatches:
            raise BenchFailure(f"{len(mismatches)} account(s) differ from their ledger sums")
        if await Order.filter(paid_at__isnull=True).exists():
            raise BenchFailure("an order was left unpaid")
    finally:
        await Tortoise.close_connections()
    report.total_s = time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    workdir = Path(tempfile.mkdtemp(prefix="siyu-bench-"))
    database_url = f"sqlite://{workdir / 'bench.db'}"
    backend = "SQLite"
    report = Report(backend, options)
    try:
        if options.postgres:
            database_url = asyncio.run(create_postgres_database(options.postgres))
            report.backend = "PostgreSQL"
        try:
            asyncio.run(run(options, database_url, report))
        finally:
            if options.postgres:
                asyncio.run(drop_postgres_database(options.postgres, database_url))
    except BenchFailure as failure:
        print(f"bench failed: {failure}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.print()
    problems = check(report)
    for problem in problems:
        print(f"bench failed: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
