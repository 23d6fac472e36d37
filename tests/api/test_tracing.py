"""OpenTelemetry tracing (issue 12, item 4): off by default; when on, a span per HTTP request
(a child of the caller's `traceparent`), per GraphQL operation and per SQL statement, none of
them holding a variable, a bound value or a raw path."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id
from tortoise.backends.sqlite.client import SqliteClient

from api import tracing
from api.config import ConfigError
from api.logs import JsonFormatter
from domain import sql
from domain.members.models import Member
from domain.org.models import StaffRole
from tests.fakes.otlp import FakeCollector
from tests.fakes.serving import serving
from tests.support.api import ApiFactory

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"
PHONE = "+8613800000177"
SIGN_UP = """
mutation SignUpCustomer($phone: String!) {
  signUpCustomer(phone: $phone) { created member { id } errors { code } }
}
"""
OTEL_VARIABLES = (
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_SERVICE_NAME",
)


@pytest.fixture(autouse=True)
def _registry_restored():
    """Statements a test makes leave domain/sql.py's registry as it was."""
    before = dict(sql.REGISTRY)
    yield
    sql.REGISTRY.clear()
    sql.REGISTRY.update(before)


@pytest.fixture
def no_otel_environment(monkeypatch):
    for name in OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def exporter(db, no_otel_environment):
    """Tracing installed with the SDK's in-memory exporter, for one test."""
    memory = InMemorySpanExporter()
    tracing.install([SimpleSpanProcessor(memory)])
    yield memory
    tracing.uninstall()


@pytest.fixture
def traced_api(exporter) -> ApiFactory:
    return ApiFactory()


def by_name(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    [span] = [s for s in spans if s.name == name]
    return span


def descends_from(span: ReadableSpan, ancestor: ReadableSpan, spans: list[ReadableSpan]) -> bool:
    by_id = {s.context.span_id: s for s in spans}
    while span.parent is not None:
        if span.parent.span_id == ancestor.context.span_id:
            return True
        parent = by_id.get(span.parent.span_id)
        if parent is None:
            return False
        span = parent
    return False


async def test_a_graphql_request_is_a_child_of_the_callers_trace_down_to_its_statements(
    traced_api, exporter, caplog
):
    guide = await traced_api.staff(StaffRole.GUIDE)
    exporter.clear()
    guide.client.headers["traceparent"] = TRACEPARENT

    with caplog.at_level(logging.INFO, logger="siyu.access"):
        body = await guide.client.data(SIGN_UP, {"phone": PHONE})

    assert body["signUpCustomer"]["created"] is True
    spans = list(exporter.get_finished_spans())
    request = by_name(spans, "POST /admin/graphql")
    assert request.kind is SpanKind.SERVER
    assert format_trace_id(request.context.trace_id) == TRACE_ID
    assert format_span_id(request.parent.span_id) == CALLER_SPAN_ID
    assert request.parent.is_remote is True
    assert request.attributes["http.route"] == "/admin/graphql"
    assert request.attributes["http.response.status_code"] == 200

    operation = by_name(spans, "mutation SignUpCustomer")
    assert operation.parent.span_id == request.context.span_id
    assert dict(operation.attributes) == {
        "graphql.operation.type": "mutation",
        "graphql.operation.name": "SignUpCustomer",
    }

    statements = [s for s in spans if "db.query.text" in s.attributes]
    assert statements, "no SQL span"
    assert all(s.kind is SpanKind.CLIENT for s in statements)
    assert all(descends_from(s, operation, spans) for s in statements)
    assert {s.context.trace_id for s in spans} == {int(TRACE_ID, 16)}
    assert Member._meta.db_table == "member"
    insert = by_name(spans, "INSERT member")
    assert insert.attributes["db.operation.name"] == "INSERT"
    assert insert.attributes["db.query.text"].startswith('INSERT INTO "member"')
    # The phone was bound to the insert, and appears in no span at all.
    everything = "".join(span.to_json() for span in spans)
    assert PHONE not in everything and "13800000177" not in everything
    assert await Member.filter(phone=PHONE).count() == 1

    [record] = [r for r in caplog.records if r.name == "siyu.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["trace_id"] == TRACE_ID
    assert request.attributes["siyu.request_id"] == line["request_id"]


async def test_without_a_traceparent_a_request_starts_its_own_trace(traced_api, exporter):
    response = await traced_api.shop().post("{ __typename }")

    assert response.status_code == 200
    request = by_name(list(exporter.get_finished_spans()), "POST /graphql")
    operation = by_name(list(exporter.get_finished_spans()), "query")
    assert request.parent is None
    assert operation.parent.span_id == request.context.span_id


async def test_rest_routes_are_named_by_their_template_never_their_path(traced_api, exporter):
    health = await traced_api.http.get("/healthz")
    qr = await traced_api.http.get("/qr/not-a-real-code.png?scene=13800000177")
    missing = await traced_api.http.get("/no/such/route?token=secret")
    get_query = await traced_api.http.get("/graphql", params={"query": "{ __typename }"})

    assert (health.status_code, missing.status_code, get_query.status_code) == (200, 404, 200)
    spans = list(exporter.get_finished_spans())
    servers = sorted(
        (s.name, s.attributes.get("http.route"), s.attributes["http.response.status_code"])
        for s in spans
        if s.kind is SpanKind.SERVER
    )
    assert servers == sorted(
        [
            ("GET /healthz", "/healthz", 200),
            ("GET /qr/{code}.png", "/qr/{code}.png", qr.status_code),
            ("GET", None, 404),
            ("GET /graphql", "/graphql", 200),
        ]
    )
    everything = "".join(span.to_json() for span in spans)
    for raw in ("not-a-real-code", "13800000177", "secret", "/no/such/route", "__typename"):
        assert raw not in everything


async def test_statements_outside_a_request_make_no_lone_spans(exporter):
    await Member.all().count()
    await sql.fetch(sql.Sql("tests.tracing.one", "SELECT 1 AS one"))

    assert exporter.get_finished_spans() == ()


async def test_a_streamed_statement_is_one_span_without_its_literals(exporter):
    statement = sql.Sql(
        "tests.tracing.stream",
        "SELECT id FROM member WHERE phone <> '13800000177' AND id > :after LIMIT 5",
    )
    with tracing.active().tracer.start_as_current_span("job") as job:
        rows = [row async for row in sql.stream(statement, 2, after=0)]

    assert rows == []
    spans = list(exporter.get_finished_spans())
    stream = by_name(spans, "SELECT member")
    assert stream.parent.span_id == job.get_span_context().span_id
    text = stream.attributes["db.query.text"]
    assert text.startswith("SELECT id FROM member WHERE phone <> ? AND id > ")
    assert text.endswith("LIMIT ?")
    assert "13800000177" not in text


def test_a_statement_keeps_its_placeholders_and_quoted_names_and_loses_its_literals():
    assert tracing.describe_statement(
        'SELECT "t1"."id" FROM "order_2026" "t1" WHERE "t1"."phone"=$1 AND "x"=\'a\'\'b\' '
        "AND n IN (?1, ?2) AND m > -3.5 LIMIT 10"
    ) == (
        "SELECT order_2026",
        "SELECT",
        'SELECT "t1"."id" FROM "order_2026" "t1" WHERE "t1"."phone"=$1 AND "x"=? '
        "AND n IN (?1, ?2) AND m > ? LIMIT ?",
    )
    assert tracing.describe_statement('UPDATE "orders" SET "paid"=1 WHERE "id"=$1')[0] == (
        "UPDATE orders"
    )
    assert tracing.describe_statement(
        'SELECT "id",(SELECT "jti" FROM "revoked" WHERE "x"=?) FROM "staff" WHERE "id"=?'
    )[0] == ("SELECT staff")
    assert tracing.describe_statement("BEGIN")[0] == "BEGIN"


async def test_tracing_off_installs_nothing(db, no_otel_environment, caplog):
    original = SqliteClient.execute_query
    stream = sql.stream

    api = ApiFactory()
    with caplog.at_level(logging.INFO, logger="siyu.access"):
        response = await api.http.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"traceparent": TRACEPARENT}
        )

    assert response.status_code == 200
    assert tracing.active() is None
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert SqliteClient.execute_query is original and sql.stream is stream
    assert tracing.TracingMiddleware not in [m.cls for m in api.app.user_middleware]
    assert tracing.operation_span("query", None) is tracing.operation_span("mutation", "X")
    assert not trace.get_current_span().is_recording()
    [record] = [r for r in caplog.records if r.name == "siyu.access"]
    assert "trace_id" not in json.loads(JsonFormatter().format(record))


async def test_uninstalling_puts_the_database_client_back(db, no_otel_environment):
    original, stream = SqliteClient.execute_query, sql.stream
    tracing.install([])
    assert SqliteClient.execute_query is not original and sql.stream is not stream
    tracing.uninstall()
    assert SqliteClient.execute_query is original and sql.stream is stream
    assert tracing.active() is None


@pytest.mark.parametrize(
    ("environment", "exporters"),
    [
        ({}, []),
        ({"OTEL_SERVICE_NAME": "siyu-prod"}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, [OTLPSpanExporter]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, [OTLPSpanExporter]),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, [OTLPSpanExporter]),
        ({"OTEL_TRACES_EXPORTER": "console, otlp"}, [ConsoleSpanExporter, OTLPSpanExporter]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, []),
        ({"OTEL_SDK_DISABLED": "TRUE", "OTEL_TRACES_EXPORTER": "otlp"}, []),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "console"}, [ConsoleSpanExporter]),
    ],
)
def test_the_standard_variables_switch_tracing_on(environment, exporters):
    found = tracing.exporters_from_environment(environment)
    assert [type(exporter) for exporter in found] == exporters


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"OTEL_TRACES_EXPORTER": "jaeger"}, "OTEL_TRACES_EXPORTER: 'jaeger'"),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            "only http/protobuf is installed",
        ),
    ],
)
def test_an_exporter_that_is_not_installed_refuses_to_start(environment, message):
    with pytest.raises(ConfigError, match=message):
        tracing.exporters_from_environment(environment)


async def test_spans_reach_an_otlp_collector_configured_by_the_environment(
    db, no_otel_environment, monkeypatch
):
    collector = FakeCollector()
    async with serving(collector.app) as url:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "siyu-test")
        [otlp] = tracing.exporters_from_environment({"OTEL_EXPORTER_OTLP_ENDPOINT": url})
        installed = tracing.install([BatchSpanProcessor(otlp)])
        try:
            api = ApiFactory()
            response = await api.http.get("/healthz", headers={"traceparent": TRACEPARENT})
        finally:
            # Shutting down flushes the batch over HTTP from another thread, to this loop.
            await asyncio.to_thread(tracing.uninstall)

    assert response.status_code == 200
    assert installed.provider.resource.attributes["service.name"] == "siyu-test"
    [(resource, span)] = collector.spans()
    assert resource["service.name"] == "siyu-test"
    assert span.name == "GET /healthz"
    assert span.trace_id.hex() == TRACE_ID
    assert span.parent_span_id.hex() == CALLER_SPAN_ID
