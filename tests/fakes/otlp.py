"""A fake OpenTelemetry collector speaking OTLP/HTTP with binary protobuf.

It follows the OTLP specification (opentelemetry.io/docs/specs/otlp, "OTLP/HTTP"): the exporter
POSTs an `ExportTraceServiceRequest` encoded as protobuf to `/v1/traces` with
`Content-Type: application/x-protobuf`; a full success is status 200 with an
`ExportTraceServiceResponse` in the same encoding.
"""

from __future__ import annotations

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PROTOBUF = "application/x-protobuf"


class FakeCollector:
    """Keeps every export request it receives, decoded."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.app = Starlette(routes=[Route("/v1/traces", self.traces, methods=["POST"])])

    async def traces(self, request: Request) -> Response:
        if request.headers.get("content-type") != PROTOBUF:
            return Response(status_code=415)
        self.requests.append(ExportTraceServiceRequest.FromString(await request.body()))
        return Response(ExportTraceServiceResponse().SerializeToString(), media_type=PROTOBUF)

    def spans(self) -> list:
        """Every span received, with its resource's attributes: (resource, span)."""
        return [
            ({a.key: a.value.string_value for a in resource.resource.attributes}, span)
            for request in self.requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]
