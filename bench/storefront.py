"""Storefront benchmark: the GraphQL product page against a bare Starlette baseline, uncached,
from the response cache, and revalidated to 304.

Why: strawberry on graphql-core was measured here at 4.5x slower than a bare JSONResponse of the
same query (ARCHITECTURE.md, "Known pitfalls"), so the storefront's hot path was built to close
that gap (issue 18: the lean read path, then a response cache). This script keeps the claims
honest on every run:

- one fresh database (SQLite under a temp dir, or a throwaway PostgreSQL database), migrated and
  filled through the domain services like production data would be;
- three uvicorn servers on loopback, one worker each: bench/bare_storefront.py (the same lean
  statements and JSON without GraphQL), the real app with its response cache off (`graphql`)
  and the real app as deployed (`cached`);
- their answers compared once (exit 1 when they differ), then requests per second measured for
  every target in alternating rounds so machine noise hits all alike: the page as a tier member
  from each server, the cached page for an anonymous GET, and that GET revalidated
  (If-None-Match, answered 304); plus 100-product pages for the marginal CPU per product;
- the SQL statements of each path counted in-process: the uncached page for three page sizes
  must not grow with the page (exit 1 when it does).

Ratios are to the bare route's throughput, pooled over all rounds and per round (min/median/max
of round i against the bare route's round i): on a shared machine the ratio is the figure that
load does not move.

The load is made by raw keep-alive connections (bench/common.py's KeepAliveClient) with the
generator's garbage collector off while it runs: with httpx the generator took a whole core of
the two, so the servers were measured fighting it for CPU. It now takes about a quarter of a
core and each server is the bottleneck of its own figure.

Run `.venv/bin/python bench/storefront.py` (`make bench`), again with `--postgres URL`; `--help`
lists the knobs.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable from a checkout
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from api.cli import migrate  # noqa: E402
from api.config import AppConfig  # noqa: E402
from bench.common import (  # noqa: E402
    HOST,
    JWT_SECRET,
    BenchFailure,
    KeepAliveClient,
    NoAnswer,
    Server,
    counting_statements,
    create_postgres_database,
    drop_postgres_database,
    load_catalog,
    login,
    new_client,
    server_env,
)
from domain import clock  # noqa: E402
from domain.db import tortoise_config  # noqa: E402
from domain.money import share  # noqa: E402
from loyalty.models import MemberLoyalty, Tier  # noqa: E402

MEMBER_CODE = "dev:bench-member"
MEMBER_TIER = "V1"
SQL_PAGE_SIZES = (5, 20, 100)

PRODUCT_PAGE = """
query ProductPage {
  products(first: __FIRST__) {
    edges {
      cursor
      node {
        id title images
        price { fen formatted }
        memberPrice { fen formatted }
        category { id name }
        skus { id code specs { name value } price { fen } memberPrice { fen } stock }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def product_page(first: int) -> str:
    return PRODUCT_PAGE.replace("__FIRST__", str(first))


# --- the database -------------------------------------------------------------------------------


async def grant_tier(member_id: int, code: str) -> int:
    """Put the member at tier `code` (so member prices differ from list prices); its bp kept."""
    tier = await Tier.get(code=code)
    moment = clock.now()
    updated = await MemberLoyalty.filter(member_id=member_id).update(
        tier_id=tier.id, growth=tier.threshold_growth, updated_at=moment
    )
    if not updated:
        await MemberLoyalty.create(
            member_id=member_id, tier=tier, growth=tier.threshold_growth, updated_at=moment
        )
    return tier.discount_bp


# --- the requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request, encoded once so the load generator spends little CPU per request."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None

    async def send(self, client: httpx.AsyncClient, base_url: str = "") -> httpx.Response:
        return await client.request(
            self.method, base_url + self.path, headers=self.headers, content=self.body
        )


def graphql_call(token: str, first: int) -> Call:
    return Call(
        "POST",
        "/graphql",
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        json.dumps({"query": product_page(first)}).encode(),
    )


def anonymous_call(first: int, etag: str | None = None) -> Call:
    """The page as an anonymous GET (what a CDN sees); with `etag`, revalidated."""
    query = urllib.parse.urlencode({"query": product_page(first)})
    headers = {"If-None-Match": etag} if etag else {}
    return Call("GET", f"/graphql?{query}", headers)


def bare_call(token: str, first: int) -> Call:
    return Call("GET", f"/products?first={first}", {"Authorization": f"Bearer {token}"})


CALLS: dict[str, Callable[[str, int], Call]] = {"graphql": graphql_call, "bare": bare_call}


@dataclass(frozen=True)
class Target:
    name: str
    server: Server
    call: Call
    status: int = 200

    async def send(self, client: httpx.AsyncClient) -> httpx.Response:
        return await self.call.send(client, self.server.base_url)


async def fetch_json(client: httpx.AsyncClient, target: Target) -> dict[str, Any]:
    response = await target.send(client)
    try:
        body = response.json()
    except ValueError:
        body = {"errors": ["not JSON"]}
    if response.status_code != 200 or body.get("errors"):
        raise BenchFailure(f"{target.name} answered {response.status_code}: {response.text[:600]}")
    return body


def first_difference(left: Any, right: Any, path: str) -> str | None:
    """Where two JSON values first differ (graphql vs bare), for a failure that says why."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(left.keys() | right.keys()):
            if key not in left or key not in right:
                return f"{path}.{key}: present on one side only"
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items vs {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right else f"{path}: graphql {left!r} vs bare {right!r}"


def compare(graphql: dict[str, Any], bare: dict[str, Any], keep_bp: int) -> str:
    """Both answers carry the same data, and member prices are the tier's, not list prices."""
    page = graphql["data"]["products"]
    difference = first_difference(graphql["data"], bare["data"], "data")
    if difference:
        raise BenchFailure(f"answers differ at {difference}")
    discounted = 0
    for edge in page["edges"]:
        node = edge["node"]
        for priced in (node, *node["skus"]):
            expected = share(priced["price"]["fen"], keep_bp)
            if priced["memberPrice"]["fen"] != expected:
                raise BenchFailure(f"member price of {node['id']} is not the tier's ({keep_bp} bp)")
            discounted += expected != priced["price"]["fen"]
    if not discounted:
        raise BenchFailure("no member price differs from its list price: the tier did not apply")
    return f"identical data, {len(page['edges'])} products, tier member prices ({keep_bp} bp kept)"


# --- counting SQL in-process --------------------------------------------------------------------


async def count_sql(
    config: AppConfig, token: str, sizes: tuple[int, ...]
) -> tuple[dict[int, int], dict[str, int]]:
    """Statements per request of the uncached GraphQL page for each page size, and of the bare
    route, the cached page (a member's, an anonymous GET's) and the 304, at the bench's size.

    The apps run in this process on the bench's own Tortoise connection, through ASGI (no
    sockets), each warmed by one request first (which fills the cache of the cached app).
    """
    from api.app import create_app
    from bench.bare_storefront import create_app as create_bare_app

    uncached = config.model_copy(update={"response_cache_bytes": 0})
    apps = {
        "graphql": create_app(uncached, manage_database=False),
        "cached": create_app(config, manage_database=False),
        "bare": create_bare_app(config, manage_database=False),
    }
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
        for name, app in apps.items()
    }

    async def statements(app: str, call: Call, status: int = 200) -> int:
        await call.send(clients[app])  # warm
        with counting_statements() as counter:
            response = await call.send(clients[app])
        if response.status_code != status or (status == 200 and "errors" in response.json()):
            raise BenchFailure(f"in-process {app} answered {response.text[:600]}")
        return counter.count

    size = sizes[1]
    try:
        graphql = {n: await statements("graphql", graphql_call(token, n)) for n in sizes}
        etag = (await anonymous_call(size).send(clients["cached"])).headers.get("etag", "")
        others = {
            "bare": await statements("bare", bare_call(token, size)),
            "cached": await statements("cached", graphql_call(token, size)),
            "anonymous": await statements("cached", anonymous_call(size)),
            "304": await statements("cached", anonymous_call(size, etag), 304),
        }
        return graphql, others
    finally:
        for client in clients.values():
            await client.aclose()


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Round:
    """One server's share of one round: wall time, and CPU on both sides of the socket."""

    requests: int
    seconds: float
    latencies: list[float]
    failures: int
    server_cpu_s: float | None
    client_cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


async def hammer(clients: list[KeepAliveClient], target: Target, seconds: float) -> Round:
    """Each client sending back to back for `seconds`; a failed request is counted."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    call = target.call

    async def one_client(client: KeepAliveClient) -> None:
        nonlocal failures
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, body = await client.request(call.method, call.path, call.headers, call.body)
            except NoAnswer:  # a dead or stuck server: counted, and this client stops
                failures += 1
                return
            latencies.append(time.perf_counter() - started)
            if status != target.status or b'"errors"' in body:
                failures += 1

    cpu_before = target.server.cpu_seconds()
    client_cpu_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(one_client(client) for client in clients))
    elapsed = time.perf_counter() - started
    cpu_after = target.server.cpu_seconds()
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Round(
        len(latencies),
        elapsed,
        latencies,
        failures,
        server_cpu,
        time.process_time() - client_cpu_before,
    )


@dataclass
class Totals:
    """A server's rounds pooled: throughput is all requests over all measured time."""

    name: str
    rounds: list[Round] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.rounds)

    @property
    def rps(self) -> float:
        return self.requests / sum(r.seconds for r in self.rounds)

    @property
    def failures(self) -> int:
        return sum(r.failures for r in self.rounds)

    def latency_ms(self, quantile: float) -> float:
        latencies = sorted(x for r in self.rounds for x in r.latencies)
        return 1000 * latencies[min(len(latencies) - 1, int(quantile * len(latencies)))]

    @property
    def median_ms(self) -> float:
        return 1000 * statistics.median(x for r in self.rounds for x in r.latencies)

    @property
    def server_cpu_ms(self) -> float | None:
        cpu = [r.server_cpu_s for r in self.rounds]
        if any(c is None for c in cpu):
            return None
        return 1000 * sum(c for c in cpu if c is not None) / self.requests

    @property
    def client_cpu_share(self) -> float:
        return sum(r.client_cpu_s for r in self.rounds) / sum(r.seconds for r in self.rounds)


async def measure(
    targets: list[Target], concurrency: int, seconds: float, rounds: int, warmup: float
) -> list[Totals]:
    """Alternating rounds (A B, B A, A B, ...) so drift on a noisy machine hits both alike.

    The load generator shares the machine's cores with the servers, so it is kept cheap: raw
    keep-alive connections (bench/common.py) and no garbage collection while it runs (what it
    allocates per request is freed by reference counting; httpx spent over a third of a core
    collecting here)."""
    totals = [Totals(t.name) for t in targets]
    clients = [[KeepAliveClient(HOST, t.server.port) for _ in range(concurrency)] for t in targets]
    gc.collect()
    gc.disable()
    try:
        for pool, target in zip(clients, targets, strict=True):
            await hammer(pool, target, warmup)
        for number in range(rounds):
            order = list(range(len(targets)))
            if number % 2:
                order.reverse()
            for i in order:
                totals[i].rounds.append(await hammer(clients[i], targets[i], seconds))
    finally:
        gc.enable()
        for pool in clients:
            for client in pool:
                await client.__aexit__()
    return totals


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Options:
    postgres: str | None
    concurrency: int
    seconds: float
    rounds: int
    warmup: float
    categories: int
    products: int
    page: int
    seed: int


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on a throwaway database created (and dropped) on this PostgreSQL server "
        "instead of SQLite (one dialect per process: Tortoise caches SQL per model)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="clients per server")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per server first")
    parser.add_argument("--categories", type=int, default=10)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument(
        "--page", type=int, default=20, help=f"products per page under load (< {MARGINAL_PAGE})"
    )
    parser.add_argument("--seed", type=int, default=20_240_601)
    return Options(**vars(parser.parse_args(argv)))


MARGINAL_PAGE = 100


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    return f"{ordered[0]:.0f}/{statistics.median(ordered):.0f}/{ordered[-1]:.0f}"


@dataclass
class Report:
    backend: str
    options: Options
    skus: int = 0
    setup_s: float = 0.0
    verified: str = ""
    sql: dict[int, int] = field(default_factory=dict)
    other_sql: dict[str, int] = field(default_factory=dict)
    totals: list[Totals] = field(default_factory=list)

    def by_name(self, name: str) -> Totals:
        return next(t for t in self.totals if t.name == name)

    def ratio(self, name: str) -> tuple[float, list[float]]:
        """Throughput against the bare route's: pooled, and round by round."""
        target, bare = self.by_name(name), self.by_name("bare")
        rounds = [a.rps / b.rps for a, b in zip(target.rounds, bare.rounds, strict=True)]
        return target.rps / bare.rps, rounds

    def marginal_ms(self, name: str) -> float | None:
        """Server CPU per extra product: the slope between the page and a 100-product page."""
        small, large = self.by_name(name).server_cpu_ms, self.by_name(f"{name} x100").server_cpu_ms
        if small is None or large is None:
            return None
        return (large - small) / (MARGINAL_PAGE - self.options.page)

    def print(self) -> None:
        o = self.options
        print(
            f"\nstorefront products(first: {o.page}) | {self.backend} | {o.products} products, "
            f"{self.skus} SKUs | {o.concurrency} clients, {o.rounds} rounds x {o.seconds:g} s "
            "per target"
        )
        print(f"responses: {self.verified}")
        print(
            f"{'target':<13} {'req/s':>8} {'min/median/max per round':>26} {'vs bare':>8} "
            f"{'min/median/max':>17} {'p50 ms':>7} {'CPU ms/req':>10} {'failed':>6}"
        )
        for t in self.totals:
            spread = _spread([r.rps for r in t.rounds])
            pooled, rounds = self.ratio(t.name)
            ratios = _spread([100 * r for r in rounds])
            cpu = t.server_cpu_ms
            print(
                f"{t.name:<13} {t.rps:>8.1f} {spread:>26} {100 * pooled:>7.0f}% {ratios:>16}% "
                f"{t.median_ms:>7.1f} {'n/a' if cpu is None else f'{cpu:.2f}':>10} "
                f"{t.failures:>6}"
            )
        for name in ("graphql", "bare"):
            marginal = self.marginal_ms(name)
            shown = "n/a" if marginal is None else f"{marginal:.3f} ms"
            print(f"marginal CPU per extra product, {name}: {shown}")
        self.print_targets()
        counts = ", ".join(f"first={n}: {c}" for n, c in self.sql.items())
        others = ", ".join(f"{name}: {count}" for name, count in self.other_sql.items())
        print(
            f"SQL statements per request: graphql (uncached) {counts}; at first={o.page}: {others}"
        )
        share = max(t.client_cpu_share for t in self.totals)
        print(
            f"load generator CPU: up to {100 * share:.0f} % of one core; setup {self.setup_s:.1f} s"
        )

    def print_targets(self) -> None:
        """Issue 18's targets, each with the figure that decides it."""
        uncached, _ = self.ratio("graphql")
        cached, _ = self.ratio("cached")
        marginal = self.marginal_ms("graphql")
        lines = [
            (f"uncached page >= 70 % of the bare route: {100 * uncached:.0f} %", uncached >= 0.7),
            (f"cached page >= 150 % of the bare route: {100 * cached:.0f} %", cached >= 1.5),
        ]
        cpu_304, cpu_cached = (
            self.by_name("304").server_cpu_ms,
            self.by_name("cached").server_cpu_ms,
        )
        if cpu_304 is not None and cpu_cached is not None:
            lines.append(
                (
                    f"a 304 cheaper than the cached page: {cpu_304:.2f} vs {cpu_cached:.2f} ms CPU",
                    cpu_304 < cpu_cached,
                )
            )
        if marginal is not None:
            lines.append((f"marginal CPU <= 0.1 ms/product: {marginal:.3f}", marginal <= 0.1))
        for text, met in lines:
            print(f"target {'met' if met else 'NOT met'}: {text}")


async def run(options: Options, database_url: str, workdir: Path, report: Report) -> None:
    started = time.perf_counter()
    config = AppConfig(database_url=database_url, jwt_secret=JWT_SECRET, env="development")
    await migrate(config)
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        report.skus = await load_catalog(options.categories, options.products, options.seed)
        env = server_env(database_url)
        bare = Server("bare", "bench.bare_storefront:create_app", env, workdir / "bare.log")
        graphql = Server(
            "graphql",
            "api.app:create_app",
            {**env, "RESPONSE_CACHE_BYTES": "0"},
            workdir / "graphql.log",
        )
        cached = Server("cached", "api.app:create_app", env, workdir / "cached.log")
        servers = [bare, graphql, cached]
        try:
            for server in servers:
                server.start()
            async with new_client(2) as client:
                for server in servers:
                    await server.wait_ready(client)
                token, member_id = await login(client, graphql.base_url, MEMBER_CODE)
                keep_bp = await grant_tier(member_id, MEMBER_TIER)
                page = options.page
                answers = [
                    await fetch_json(client, Target(name, server, call))
                    for name, server, call in (
                        ("graphql", graphql, graphql_call(token, page)),
                        ("bare", bare, bare_call(token, page)),
                        ("cached", cached, graphql_call(token, page)),
                    )
                ]
                report.verified = compare(answers[0], answers[1], keep_bp)
                if answers[2]["data"] != answers[0]["data"]:
                    raise BenchFailure("the cached page differs from the uncached one")
                first = await anonymous_call(page).send(client, cached.base_url)
                etag = first.headers.get("etag")
                if first.status_code != 200 or not etag:
                    raise BenchFailure(f"the anonymous GET has no ETag: {first.headers}")
            report.setup_s = time.perf_counter() - started
            report.sql, report.other_sql = await count_sql(config, token, SQL_PAGE_SIZES)
            targets = [
                Target("bare", bare, bare_call(token, page)),
                Target("graphql", graphql, graphql_call(token, page)),
                Target("cached", cached, graphql_call(token, page)),
                Target("anonymous", cached, anonymous_call(page)),
                Target("304", cached, anonymous_call(page, etag), 304),
                Target("bare x100", bare, bare_call(token, MARGINAL_PAGE)),
                Target("graphql x100", graphql, graphql_call(token, MARGINAL_PAGE)),
            ]
            report.totals = await measure(
                targets, options.concurrency, options.seconds, options.rounds, options.warmup
            )
        finally:
            for server in servers:
                server.stop()
    finally:
        await Tortoise.close_connections()


def check(report: Report) -> list[str]:
    """What makes the run a failure even though it produced figures."""
    problems = []
    if len(set(report.sql.values())) != 1:
        problems.append(f"SQL per request grows with the page: {report.sql}")
    for totals in report.totals:
        if totals.failures:
            problems.append(f"{totals.name}: {totals.failures} failed requests under load")
    return problems


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    workdir = Path(tempfile.mkdtemp(prefix="siyu-bench-"))
    database_url = f"sqlite://{workdir / 'bench.db'}"
    backend = "SQLite"
    try:
        if options.postgres:
            database_url = asyncio.run(create_postgres_database(options.postgres))
            backend = "PostgreSQL"
        report = Report(backend, options)
        try:
            asyncio.run(run(options, database_url, workdir, report))
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
