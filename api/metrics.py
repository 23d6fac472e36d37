"""Prometheus metrics: GraphQL requests and latency per endpoint and operation.

Operation names come from clients, and every distinct label value is a series kept for the life
of the process: labels are bounded. Only documents that parsed and validated are labelled by
their operation (`query:Name`), cut to 64 characters; past 200 distinct labels per endpoint new
names count as `query:other`; a refused document is `invalid` and an unnamed operation
`query:anonymous`.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate

MAX_LABEL_CHARS = 64
MAX_OPERATION_LABELS = 200
INVALID = "invalid"

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
