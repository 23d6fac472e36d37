"""Prometheus metrics: GraphQL requests and latency per endpoint and operation."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate

REGISTRY = CollectorRegistry()

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
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def observe(endpoint: str, operation: str, seconds: float, had_errors: bool) -> None:
    outcome = "error" if had_errors else "ok"
    REQUESTS.labels(endpoint, operation, outcome).inc()
    LATENCY.labels(endpoint, operation).observe(seconds)


def exposition() -> tuple[bytes, str]:
    return _generate(REGISTRY), CONTENT_TYPE_LATEST


JOB_FAILURES = Counter(
    "siyu_job_failures_total",
    "Periodic job runs that failed (scheduler or `siyu jobs`): alert on any increase",
    ["job"],
    registry=REGISTRY,
)
