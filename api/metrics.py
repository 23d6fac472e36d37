"""Prometheus metrics: HTTP routes, GraphQL operations, the database pool, the worker processes
and the business events, added up across every worker of `siyu serve`.

Several workers: prometheus-client's multiprocess mode. `siyu serve` points
`PROMETHEUS_MULTIPROC_DIR` at a directory cleaned at start (api/cli.py), every worker writes its
values there, and whichever worker answers `/metrics` sums the files of all of them
(`MultiProcessCollector`): counters of a worker that died stay counted, gauges of live workers
only (`livesum`). One process without the variable keeps its values in memory (tests).

Labels are bounded, since every distinct value is a series kept for the life of the process:
- GraphQL operations: only documents that parsed and validated are labelled (`query:Name`), cut
  to 64 characters; past 200 distinct labels per endpoint new names count as `query:other`; a
  refused document is `invalid` and an unnamed operation `query:anonymous`.
- HTTP routes: the route's template (`/payments/notify/{provider}`), never the raw path;
  `unmatched` for a path no route knows; methods outside the usual seven are `other`.
- Business counters: enum values (states, outcomes, roles) and configured provider names.

Process metrics (`process_*`): the default collector reads the process answering the scrape
only, so each live worker is reported apart, labelled `pid` (read from /proc/<pid> by the
scraping worker; Linux only, like the default collector). Per worker, because an aggregate of
memory or open files hides the one worker that leaks.

Database pool (`siyu_db_pool_*`, asyncpg on PostgreSQL): each worker samples its pool every
second and before answering a scrape; summed over live workers. SQLite has no pool (one
connection per process): no pool series at all.

Business counters move once the transaction that raised the event has committed
(`domain.db.after_commit`): a payment rolled back and retried by WeChat is counted once.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
)
from prometheus_client import generate_latest as _generate
from prometheus_client.metrics_core import Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise import connections

from distribution.events import CommissionAccrued, WithdrawalMoved
from distribution.models import BeneficiaryRole, WithdrawalStatus
from domain import events
from domain.db import after_commit
from domain.orders.models import RefundStatus

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
MAX_LABEL_CHARS = 64
MAX_OPERATION_LABELS = 200
INVALID = "invalid"
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
POOL_SAMPLE_SECONDS = 1.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

REGISTRY = CollectorRegistry()

# GraphQL operations


REQUESTS = Counter(
    "siyu_graphql_requests_total",
    "GraphQL operations executed",
    ["endpoint", "operation", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "siyu_graphql_request_seconds",
    "GraphQL operation latency",
    ["endpoint", "operation"],
    registry=REGISTRY,
    buckets=LATENCY_BUCKETS,
)


class OperationLabels:
    """The operation labels one endpoint has handed out (one endpoint per schema per process)."""

    def __init__(self) -> None:
        self._known: set[str] = set()

    def label(self, kind: str, name: str | None) -> str:
        """The label of a validated operation: `kind:name`, bounded in length and in number."""
        label = f"{kind}:{name or 'anonymous'}"[:MAX_LABEL_CHARS]
        if label in self._known:
            return label
        if len(self._known) >= MAX_OPERATION_LABELS:
            return f"{kind}:other"
        self._known.add(label)
        return label


_children: dict[tuple[Any, ...], Any] = {}


def child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, remembered: prometheus-client checks and locks on every call,
    and the hot paths label every request one of a few bounded ways (routes, statuses,
    operation labels)."""
    key = (metric, *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


def observe(endpoint: str, operation: str, seconds: float, had_errors: bool) -> None:
    outcome = "error" if had_errors else "ok"
    child(REQUESTS, endpoint, operation, outcome).inc()
    child(LATENCY, endpoint, operation).observe(seconds)


RESPONSE_CACHE = Counter(
    "siyu_graphql_response_cache_total",
    "Cacheable GraphQL reads by outcome: hit, miss, or not_modified (answered 304)",
    ["endpoint", "outcome"],
    registry=REGISTRY,
)
RESPONSE_CACHE_BYTES = Gauge(
    "siyu_graphql_response_cache_bytes",
    "Bytes held by the response caches of the live workers",
    ["endpoint"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)


def cache_outcome(endpoint: str, outcome: str) -> None:
    child(RESPONSE_CACHE, endpoint, outcome).inc()


# HTTP routes


HTTP_REQUESTS = Counter(
    "siyu_http_requests_total",
    "HTTP requests answered, by route template and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "siyu_http_request_seconds",
    "HTTP request latency (until the response's last byte), by route template",
    ["method", "route"],
    registry=REGISTRY,
    buckets=LATENCY_BUCKETS,
)


def route_template(scope: Scope) -> str:
    """The template of the route `scope` goes to (`/payments/notify/{provider}`), `unmatched`
    when none does; a route matching all but the method (405) still names it."""
    candidate = None
    for route in getattr(scope.get("app"), "routes", ()):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return _template(route)
        if match == Match.PARTIAL and candidate is None:
            candidate = route
    return _template(candidate) if candidate is not None else UNMATCHED


def _template(route: object) -> str:
    path = getattr(route, "path", UNMATCHED)
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


class RouteMetrics:
    """ASGI middleware: every HTTP request counted and timed under its route's template.

    The route is looked up before the app runs (routing rewrites the scope of mounted apps);
    a request that fails without answering counts as 500, like the error page it gets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["method"] in METHODS else "other"
        route = route_template(scope)
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            child(HTTP_REQUESTS, method, route, str(status)).inc()
            child(HTTP_LATENCY, method, route).observe(time.perf_counter() - started)


# Database pool


POOL_OPEN = Gauge(
    "siyu_db_pool_connections",
    "Open connections in the database pools of the live workers",
    ["connection"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "siyu_db_pool_in_use",
    "Pool connections lent out to a query or transaction, over the live workers",
    ["connection"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_WAITING = Gauge(
    "siyu_db_pool_waiting",
    "Tasks waiting for a pool connection (all lent out), over the live workers",
    ["connection"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
POOL_MAX = Gauge(
    "siyu_db_pool_max",
    "Connections the pools of the live workers may open (maxsize per worker, summed)",
    ["connection"],
    registry=REGISTRY,
    multiprocess_mode="livesum",
)


def sample_pool(name: str = "default") -> None:
    """Copy the asyncpg pool's state into the pool gauges; nothing without one (SQLite, or
    before the first connection). `waiting` reads the pool queue's waiters, which asyncpg
    does not expose publicly: 0 when that changes."""
    try:
        client = connections.get(name)
    except Exception:  # no Tortoise connections in this process (yet)
        return
    pool = getattr(client, "_pool", None)
    if pool is None or not hasattr(pool, "get_idle_size"):
        return
    size, idle = pool.get_size(), pool.get_idle_size()
    waiters = getattr(getattr(pool, "_queue", None), "_getters", ())
    POOL_OPEN.labels(name).set(size)
    POOL_IN_USE.labels(name).set(size - idle)
    POOL_WAITING.labels(name).set(sum(1 for waiter in waiters if not waiter.done()))
    POOL_MAX.labels(name).set(pool.get_max_size())


@contextlib.asynccontextmanager
async def sampling_pool() -> AsyncIterator[None]:
    """Sample the pool every `POOL_SAMPLE_SECONDS` while the block runs (the app's lifespan):
    another worker may answer the scrape, so each one keeps its own gauges current."""

    async def loop() -> None:
        while True:
            sample_pool()
            await asyncio.sleep(POOL_SAMPLE_SECONDS)

    task = asyncio.create_task(loop(), name="siyu-pool-metrics")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# Business events, counted after commit


ORDERS_PLACED = Counter(
    "siyu_orders_placed_total", "Orders placed (awaiting payment)", registry=REGISTRY
)
ORDERS_PAID = Counter("siyu_orders_paid_total", "Orders paid", registry=REGISTRY)
ORDERS_PAID_FEN = Counter(
    "siyu_orders_paid_fen_total", "What paid orders cost their members, in fen", registry=REGISTRY
)
ORDERS_CANCELLED = Counter(
    "siyu_orders_cancelled_total", "Unpaid orders cancelled", registry=REGISTRY
)
PAYMENT_NOTIFICATIONS = Counter(
    "siyu_payment_notifications_total",
    "Payment notifications recorded, by provider and outcome (PAID, REPEAT, PAID_AFTER_CANCEL,"
    " UNKNOWN_PAYMENT, AMOUNT_MISMATCH, BAD_SIGNATURE)",
    ["provider", "outcome"],
    registry=REGISTRY,
)
REFUNDS = Counter(
    "siyu_refunds_total",
    "Refund requests reaching a state: REQUESTED, REJECTED, REFUNDED (approval refunds at once)",
    ["state"],
    registry=REGISTRY,
)
REFUNDED_FEN = Counter(
    "siyu_refunded_fen_total", "Money refunded to members, in fen", registry=REGISTRY
)
COMMISSION_ACCRUED_FEN = Counter(
    "siyu_commission_accrued_fen_total",
    "Commission accrued on paid orders (PENDING entries), in fen, by beneficiary role",
    ["role"],
    registry=REGISTRY,
)
WITHDRAWALS = Counter(
    "siyu_withdrawals_total",
    "Withdrawals reaching a state: PENDING_REVIEW (requested), APPROVED, REJECTED, PAID,"
    " FAILED, RELEASED",
    ["state"],
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "siyu_job_runs_total",
    "Periodic job runs (scheduler or `siyu jobs`), failed ones included",
    ["job"],
    registry=REGISTRY,
)
OUTBOX_MESSAGES = Counter(
    "siyu_outbox_messages_total",
    "Outbox messages tried, by topic and outcome: sent, retried, deferred, skipped, dead",
    ["topic", "outcome"],
    registry=REGISTRY,
)
NOTIFICATIONS = Counter(
    "siyu_notifications_total",
    "Subscription messages tried, by event and outcome: sent, skipped, deferred, failed, retried",
    ["event", "outcome"],
    registry=REGISTRY,
)
JOB_FAILURES = Counter(
    "siyu_job_failures_total",
    "Periodic job runs that failed (scheduler or `siyu jobs`): alert on any increase",
    ["job"],
    registry=REGISTRY,
)


def _start_at_zero() -> None:
    """The series of every known state exist from the start (at 0), so the first event is an
    increase `rate()` sees and an absent series means a misspelt query, not a quiet business."""
    for state in RefundStatus:
        REFUNDS.labels(state.value)
    for state in WithdrawalStatus:
        WITHDRAWALS.labels(state.value)
    for role in BeneficiaryRole:
        COMMISSION_ACCRUED_FEN.labels(role.value)


_start_at_zero()


async def _on_order_placed(_: events.OrderPlaced) -> None:
    after_commit(ORDERS_PLACED.inc)


async def _on_order_paid(event: events.OrderPaid) -> None:
    amount = event.order.payable_fen
    after_commit(ORDERS_PAID.inc)
    after_commit(partial(ORDERS_PAID_FEN.inc, amount))


async def _on_order_cancelled(_: events.OrderCancelled) -> None:
    after_commit(ORDERS_CANCELLED.inc)


async def _on_payment_notified(event: events.PaymentNotified) -> None:
    after_commit(PAYMENT_NOTIFICATIONS.labels(event.provider, event.outcome).inc)


async def _on_refund_requested(_: events.RefundRequested) -> None:
    after_commit(REFUNDS.labels("REQUESTED").inc)


async def _on_refund_rejected(_: events.RefundRejected) -> None:
    after_commit(REFUNDS.labels("REJECTED").inc)


async def _on_item_refunded(event: events.ItemRefunded) -> None:
    amount = event.amount_fen
    after_commit(REFUNDS.labels("REFUNDED").inc)
    after_commit(partial(REFUNDED_FEN.inc, amount))


async def _on_commission_accrued(event: CommissionAccrued) -> None:
    after_commit(partial(COMMISSION_ACCRUED_FEN.labels(event.role).inc, event.amount_fen))


async def _on_withdrawal_moved(event: WithdrawalMoved) -> None:
    after_commit(WITHDRAWALS.labels(event.status).inc)


SUBSCRIPTIONS: tuple[tuple[type, Callable], ...] = (
    (events.OrderPlaced, _on_order_placed),
    (events.OrderPaid, _on_order_paid),
    (events.OrderCancelled, _on_order_cancelled),
    (events.PaymentNotified, _on_payment_notified),
    (events.RefundRequested, _on_refund_requested),
    (events.RefundRejected, _on_refund_rejected),
    (events.ItemRefunded, _on_item_refunded),
    (CommissionAccrued, _on_commission_accrued),
    (WithdrawalMoved, _on_withdrawal_moved),
)
"""What api/plugins.py subscribes: handlers run in the event's transaction and only defer the
count to its commit."""


# Worker processes and the exposition


def multiprocess_directory() -> str | None:
    """Where the workers keep their values, or None for one process in memory."""
    return os.environ.get(MULTIPROC_VARIABLE) or None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


def live_workers(directory: str) -> list[int]:
    """The pids of the workers alive, from their `live*` gauge files. Files of a worker that
    died without its shutdown (killed) are marked dead here, so its gauges stop counting."""
    pids = set()
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        found = _LIVE_FILE.search(Path(path).name)
        if found:
            pids.add(int(found.group(1)))
    alive = []
    for pid in sorted(pids):
        if _pid_alive(pid):
            alive.append(pid)
        else:
            multiprocess.mark_process_dead(pid, directory)
    return alive


class WorkerProcesses(Collector):
    """prometheus-client's process metrics for each worker, labelled `pid`."""

    def __init__(self, pids: Callable[[], Iterable[int]]) -> None:
        self._pids = pids

    def collect(self) -> Iterable[Metric]:
        merged: dict[str, Metric] = {}
        for pid in self._pids():
            collector = ProcessCollector(pid=lambda pid=pid: pid, registry=None)
            for metric in collector.collect():
                target = merged.setdefault(
                    metric.name, Metric(metric.name, metric.documentation, metric.type)
                )
                for sample in metric.samples:
                    target.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        return list(merged.values())


WORKERS = Gauge(
    "siyu_workers",
    "Worker processes serving on this host",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
WORKERS.set(1)

if multiprocess_directory() is None:
    REGISTRY.register(WorkerProcesses(lambda: [os.getpid()]))


def prepare_multiprocess_directory(directory: str, *, serving_here: bool) -> None:
    """Create `directory` and remove the values a previous start left there, so a restart
    begins from zero like a single process. `serving_here` (one worker: this process serves)
    keeps this process's own files, opened when the metrics were defined."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    own = f"_{os.getpid()}.db"
    for path in Path(directory).glob("*.db"):
        if not (serving_here and path.name.endswith(own)):
            path.unlink(missing_ok=True)


def mark_this_worker_dead() -> None:
    """At a worker's shutdown: its `live` gauges stop counting (its counters stay summed)."""
    directory = multiprocess_directory()
    if directory is not None:
        multiprocess.mark_process_dead(os.getpid(), directory)


def exposition() -> tuple[bytes, str]:
    """The text format, summed over every worker in multiprocess mode."""
    sample_pool()
    directory = multiprocess_directory()
    if directory is None:
        return _generate(REGISTRY), CONTENT_TYPE_LATEST
    live_workers(directory)  # first: a dead worker's gauges must not be summed
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    # Read again after the gauges: a worker started in between is counted in both.
    registry.register(WorkerProcesses(lambda: live_workers(directory)))
    return _generate(registry), CONTENT_TYPE_LATEST
