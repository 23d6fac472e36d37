"""OpenTelemetry tracing: off by default, on with the standard `OTEL_*` environment variables.

When it is on (see `exporters_from_environment` for the switch), the service records:
- a SERVER span per HTTP request, every route alike, named `METHOD route-template`
  (`POST /graphql`, `GET /qr/{code}.png`): never the raw path or the query string, which can
  carry ids, tokens or GraphQL variables. An incoming W3C `traceparent` (and `tracestate`) is
  honoured, so the request span is a child of the caller's span; `OTEL_PROPAGATORS` may change
  the format, as the SDK documents;
- a span per GraphQL operation, named `query Name` from the operation's type and name, never
  its document or variables;
- a CLIENT span per SQL statement, with the statement text as the driver receives it: the ORM
  and domain/sql.py bind every value as a parameter, and the few literals a statement's text
  may still hold (a `LIMIT 1`, a quoted constant) are replaced by `?`, so no bound value and
  no literal reaches a span.

Statements are traced where both the ORM and the hand-written statements meet: the methods of
Tortoise's SQLite and asyncpg clients that run a statement, wrapped once per class, plus
domain/sql.py's `stream`, which reads through the raw connection. A statement is traced only
inside a recording span (a request's): the scheduler's lease renewals every few seconds would
otherwise be a flood of lone root spans.

When it is off nothing is installed: no tracer provider, no middleware, no wrapper around the
database client; what remains on a request's path is one `is None` test per GraphQL operation.

The request id of the access log and the trace id are linkable both ways: the access line
carries `trace_id`, the request span carries `siyu.request_id`.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode, format_trace_id
from starlette.routing import BaseRoute, Match, Mount

from api.config import ConfigError

TRACER_NAME = "siyu"
DEFAULT_SERVICE_NAME = "siyu"
# The only OTLP transport installed (requirements.lock): opentelemetry-exporter-otlp-proto-http.
OTLP_PROTOCOL = "http/protobuf"
_OFF = contextlib.nullcontext()


class Tracing:
    """One installed tracer provider with the instrumentation installed for it."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer = provider.get_tracer(TRACER_NAME)
        self._restore: list[tuple[Any, str, Any]] = []

    def patch(self, owner: Any, attribute: str, replacement: Any) -> None:
        """Replace `owner.attribute`, to be put back by `uninstall`."""
        self._restore.append((owner, attribute, vars(owner)[attribute]))
        setattr(owner, attribute, replacement)

    def unpatch(self) -> None:
        while self._restore:
            owner, attribute, original = self._restore.pop()
            setattr(owner, attribute, original)


_active: Tracing | None = None


def active() -> Tracing | None:
    """The installed tracing, or None when tracing is off."""
    return _active


def exporters_from_environment(environ: Mapping[str, str]) -> list[SpanExporter]:
    """The span exporters the environment asks for; none means tracing is off.

    Tracing is on when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, `console`, or both,
    comma-separated; `none` is none) or, if it is unset, when an OTLP endpoint is set
    (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); and
    `OTEL_SDK_DISABLED` is not `true`. The specification's default exporter is `otlp`, but
    sending spans to localhost:4318 because nothing was configured is not "off by default".
    The OTLP exporter reads its own variables (endpoint, headers, timeout, compression). An
    exporter or OTLP protocol this installation lacks refuses to start, rather than dropping
    every span in silence.
    """
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = [
        name.strip().lower()
        for name in environ.get("OTEL_TRACES_EXPORTER", "").split(",")
        if name.strip()
    ]
    if not named and (
        environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        named = ["otlp"]
    exporters: list[SpanExporter] = []
    for name in dict.fromkeys(named):
        if name == "none":
            continue
        if name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name == "otlp":
            exporters.append(_otlp_exporter(environ))
        else:
            raise ConfigError(f"OTEL_TRACES_EXPORTER: {name!r} is not one of otlp, console, none")
    return exporters


def _otlp_exporter(environ: Mapping[str, str]) -> SpanExporter:
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", OTLP_PROTOCOL
    )
    if protocol.strip().lower() != OTLP_PROTOCOL:
        raise ConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL: only {OTLP_PROTOCOL} is installed")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def start(environ: Mapping[str, str]) -> Tracing | None:
    """Tracing as the environment configures it, installed once per process (every app of a
    process shares it); None when it is off. The provider becomes the global one, so that a
    plugin's `trace.get_tracer(...)` joins the same traces."""
    if _active is not None:
        return _active
    exporters = exporters_from_environment(environ)
    if not exporters:
        return None
    tracing = install([BatchSpanProcessor(exporter) for exporter in exporters])
    trace.set_tracer_provider(tracing.provider)
    return tracing


def install(processors: Iterable[SpanProcessor]) -> Tracing:
    """A tracer provider feeding `processors`, with the SQL statements traced. The resource
    takes `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`; the sampler `OTEL_TRACES_SAMPLER`
    (default: the caller's decision, else every trace), as the SDK reads them; the service is
    named `siyu` unless they name it."""
    global _active
    if _active is not None:
        raise RuntimeError("tracing is already installed")
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    for processor in processors:
        provider.add_span_processor(processor)
    tracing = Tracing(provider)
    _trace_statements(tracing)
    _active = tracing
    return tracing


def uninstall() -> None:
    """Put the database client back as it was and flush and stop the provider."""
    global _active
    tracing, _active = _active, None
    if tracing is not None:
        tracing.unpatch()
        tracing.provider.shutdown()


def operation_span(
    operation_type: str, operation_name: str | None
) -> contextlib.AbstractContextManager[Any]:
    """A span around one GraphQL operation (a shared no-op context when tracing is off)."""
    tracing = _active
    if tracing is None:
        return _OFF
    attributes = {"graphql.operation.type": operation_type}
    if operation_name:
        attributes["graphql.operation.name"] = operation_name
    name = f"{operation_type} {operation_name}" if operation_name else operation_type
    return tracing.tracer.start_as_current_span(name, attributes=attributes)


# --- HTTP requests -------------------------------------------------------------------------


class _HeaderGetter(Getter[Mapping[str, list[str]]]):
    """Reads a propagator's fields from a request's headers (names in lower case, as ASGI
    gives them)."""

    def get(self, carrier: Mapping[str, list[str]], key: str) -> list[str] | None:
        return carrier.get(key.lower())

    def keys(self, carrier: Mapping[str, list[str]]) -> list[str]:
        return list(carrier)


_HEADERS = _HeaderGetter()


def route_template(routes: Sequence[BaseRoute], scope: Mapping[str, Any]) -> str | None:
    """The template of the route that serves `scope` (`/qr/{code}.png`), or None."""
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.NONE:
            continue
        path = getattr(route, "path", None)
        if path is None:
            return None
        return f"{path}/{{path}}" if isinstance(route, Mount) else path
    return None


class TracingMiddleware:
    """Outermost middleware: one SERVER span per HTTP request, a child of the caller's span
    when the request carries a `traceparent`. The trace id goes into `scope["state"]` for the
    access line; the request id comes back onto the span."""

    def __init__(self, app, tracing: Tracing, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.tracer = tracing.tracer
        self.routes = routes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier: dict[str, list[str]] = {}
        for name, value in scope["headers"]:
            carrier.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
        parent = propagate.extract(carrier, getter=_HEADERS)
        method = scope["method"]
        route = route_template(self.routes, scope)
        attributes = {"http.request.method": method, "url.scheme": scope.get("scheme", "http")}
        if route is not None:
            attributes["http.route"] = route
        name = f"{method} {route}" if route else method
        with self.tracer.start_as_current_span(
            name, context=parent, kind=SpanKind.SERVER, attributes=attributes
        ) as span:
            state = scope.setdefault("state", {})
            span_context = span.get_span_context()
            if span_context.is_valid:
                state["trace_id"] = format_trace_id(span_context.trace_id)
            status = 500

            async def send_with_status(message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await self.app(scope, receive, send_with_status)
            finally:
                span.set_attribute("http.response.status_code", status)
                if state.get("request_id"):
                    span.set_attribute("siyu.request_id", state["request_id"])
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))


# --- SQL statements ------------------------------------------------------------------------

# Quoted identifiers are kept; string literals and numbers outside identifiers and
# placeholders (`$1`, `?1`) become `?`.
_LITERAL = re.compile(
    r"""("(?:[^"]|"")*")|'(?:[^']|'')*'|(?<![\w$?."])-?\d+(?:\.\d+)?(?![\w"])""",
)
_TARGET = re.compile(
    r"""^\s*(?:(?:SELECT|WITH)\b.*?\bFROM|INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)""",
    re.IGNORECASE | re.DOTALL,
)
_PARENTHESISED = re.compile(r"\([^()]*\)")
_STATEMENT_METHODS = (
    "execute_query",
    "execute_query_dict",
    "execute_insert",
    "execute_many",
    "execute_script",
)


@functools.lru_cache(maxsize=2048)
def describe_statement(text: str) -> tuple[str, str, str]:
    """A statement's span name (`SELECT orders`), operation and text without literals; cached:
    statements are few texts run many times."""
    sanitized = _LITERAL.sub(lambda m: m.group(1) or "?", text)
    words = sanitized.split(None, 1)
    operation = words[0].upper() if words else ""
    # The target is the outer statement's table: sub-selects (parenthesised) are set aside.
    outer, inner = sanitized, ""
    while outer != inner:
        outer, inner = _PARENTHESISED.sub("", outer), outer
    target = _TARGET.match(outer)
    name = f"{operation} {target.group(1)}" if target else operation
    return name, operation, sanitized


def _traced_statement(
    tracing: Tracing, method: Callable[..., Any], system: str
) -> Callable[..., Any]:
    tracer = tracing.tracer

    @functools.wraps(method)
    async def traced(client: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not trace.get_current_span().is_recording():
            return await method(client, query, *args, **kwargs)
        name, operation, text = describe_statement(query)
        attributes: dict[str, Any] = {
            "db.system.name": system,
            "db.operation.name": operation,
            "db.query.text": text,
        }
        if method.__name__ == "execute_many" and args:
            attributes["db.operation.batch.size"] = len(args[0])
        with tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes):
            return await method(client, query, *args, **kwargs)

    return traced


def _statement_clients() -> list[tuple[type, str]]:
    """Tortoise's client classes the configured databases use, with their `db.system.name`;
    each transaction wrapper overrides some methods of its client, so both are listed."""
    from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
    from tortoise.backends.base_postgres.client import BasePostgresClient
    from tortoise.backends.sqlite.client import SqliteClient, SqliteTransactionWrapper

    return [
        (SqliteClient, "sqlite"),
        (SqliteTransactionWrapper, "sqlite"),
        (BasePostgresClient, "postgresql"),
        (AsyncpgDBClient, "postgresql"),
        (TransactionWrapper, "postgresql"),
    ]


def _trace_statements(tracing: Tracing) -> None:
    """Wrap every statement method each client class defines itself (inherited ones are
    wrapped where they are defined, so a statement makes one span)."""
    from domain import sql

    for client, system in _statement_clients():
        for name in _STATEMENT_METHODS:
            method = vars(client).get(name)
            if method is not None and not getattr(method, "__isabstractmethod__", False):
                tracing.patch(client, name, _traced_statement(tracing, method, system))
    tracing.patch(sql, "stream", _traced_stream(tracing, sql.stream))


def _traced_stream(
    tracing: Tracing, stream: Callable[..., AsyncIterator[tuple[Any, ...]]]
) -> Callable[..., AsyncIterator[tuple[Any, ...]]]:
    """domain/sql.py's `stream` with a span from the first row to the last. The span is not
    made current: an async generator's context is not its consumer's."""
    from domain import sql

    tracer = tracing.tracer

    @functools.wraps(stream)
    async def traced(statement: sql.Sql, batch: int, **params: Any) -> AsyncIterator[Any]:
        if not trace.get_current_span().is_recording():
            async for row in stream(statement, batch, **params):
                yield row
            return
        postgres = sql.is_postgres()
        name, operation, text = describe_statement(statement.render(postgres)[0])
        span = tracer.start_span(
            name,
            context=otel_context.get_current(),
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": "postgresql" if postgres else "sqlite",
                "db.operation.name": operation,
                "db.query.text": text,
            },
        )
        try:
            async for row in stream(statement, batch, **params):
                yield row
        except Exception as error:
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR))
            raise
        finally:
            span.end()

    return traced
