"""GraphQL over HTTP, following the GraphQL-over-HTTP specification including its SHOULD rules.

The engine parses and validates each distinct document once (cached with its cost), then runs
graphql-core directly against the strawberry-built schema. Skipping per-request extension
machinery is what keeps the storefront fast (bench/storefront.py).

- POST with a JSON body (no batching: a JSON array is refused) and GET for queries only: a
  mutation over GET is answered 405 with `Allow: POST`.
- `application/graphql-response+json` when the client accepts it: parse and validation failures
  are then 400 without a `data` entry. Under legacy `application/json` they are 200.
- Hard limits (SPEC 14): body <= 1 MiB, tokens, depth, aliases, mutations, cost; the cost of
  every executed operation is reported in `extensions.cost`.
- Unexpected errors are masked ("Unexpected error.") and logged with the request id.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    specified_rules,
    validate,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api import metrics
from api.graphql.errors import ClientError
from api.graphql.limits import LIMIT_RULES, operation_cost, parse_document

log = logging.getLogger("siyu.graphql")

MAX_BODY_BYTES = 1024 * 1024
CACHE_SIZE = 512
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
UNEXPECTED = "Unexpected error."


@dataclass(frozen=True)
class PreparedDocument:
    """A parsed document with its validation errors, cached by query text."""

    document: DocumentNode | None
    errors: list[GraphQLError]


class RequestError(Exception):
    """A request that is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _graphql_error(message: str) -> dict[str, Any]:
    return {"message": message}


class GraphQLEndpoint:
    """An ASGI endpoint serving one schema."""

    def __init__(
        self,
        schema: strawberry.Schema,
        name: str,
        context_factory: Callable[[Request], Any],
        graphiql: bool,
    ):
        self.schema = schema
        self.graphql_schema = schema._schema
        self.name = name
        self.context_factory = context_factory
        self.graphiql = graphiql
        self._cache: OrderedDict[str, PreparedDocument] = OrderedDict()

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            return JSONResponse(
                {"errors": [_graphql_error("Use GET or POST.")]},
                status_code=405,
                headers={"Allow": "GET, POST"},
            )
        if request.method == "GET" and self._wants_ide(request):
            return HTMLResponse(get_graphql_ide_html())
        try:
            media_type = self._negotiate(request.headers.get("accept"))
            params = await self._params(request)
        except RequestError as exc:
            return JSONResponse(
                {"errors": [_graphql_error(exc.message)]},
                status_code=exc.status,
                headers=exc.headers,
            )
        return await self._run(request, params, media_type)

    def _wants_ide(self, request: Request) -> bool:
        return (
            self.graphiql
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    @staticmethod
    def _negotiate(accept: str | None) -> str:
        if not accept:
            return JSON
        ranked: list[tuple[float, int, str]] = []
        for position, part in enumerate(accept.split(",")):
            media, *options = (p.strip() for p in part.split(";"))
            quality = 1.0
            for option in options:
                if option.startswith("q="):
                    try:
                        quality = float(option[2:])
                    except ValueError:
                        quality = 0.0
            if media in (GRAPHQL_RESPONSE, JSON, "application/*", "*/*") and quality > 0:
                chosen = GRAPHQL_RESPONSE if media == GRAPHQL_RESPONSE else JSON
                ranked.append((-quality, position, chosen))
        if not ranked:
            raise RequestError(406, f"Acceptable media types: {GRAPHQL_RESPONSE}, {JSON}.")
        return min(ranked)[2]

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            for key in ("variables", "extensions"):
                if key in params:
                    params[key] = self._json(params[key], key)
            return self._checked(params)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise RequestError(415, "POST bodies must be application/json.")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise RequestError(413, "Request body exceeds 1 MiB.")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_BODY_BYTES:
                raise RequestError(413, "Request body exceeds 1 MiB.")
        parsed = self._json(bytes(body), "body")
        if isinstance(parsed, list):
            raise RequestError(400, "Batching is not supported.")
        if not isinstance(parsed, dict):
            raise RequestError(400, "The body must be a JSON object.")
        return self._checked(parsed)

    @staticmethod
    def _json(raw: str | bytes, what: str) -> Any:
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise RequestError(400, f"`{what}` is not valid JSON.") from None

    @staticmethod
    def _checked(params: dict[str, Any]) -> dict[str, Any]:
        query = params.get("query")
        if not isinstance(query, str) or not query.strip():
            raise RequestError(400, "`query` must be a non-empty string.")
        if params.get("variables") is not None and not isinstance(params["variables"], dict):
            raise RequestError(400, "`variables` must be an object.")
        name = params.get("operationName")
        if name is not None and not isinstance(name, str):
            raise RequestError(400, "`operationName` must be a string.")
        if params.get("extensions") is not None and not isinstance(params["extensions"], dict):
            raise RequestError(400, "`extensions` must be an object.")
        return params

    def _prepare(self, query: str) -> PreparedDocument:
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        try:
            document = parse_document(query)
        except GraphQLError as error:
            prepared = PreparedDocument(None, [error])
        else:
            errors = validate(self.graphql_schema, document, rules=[*specified_rules, *LIMIT_RULES])
            prepared = PreparedDocument(document, list(errors))
        self._cache[query] = prepared
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return prepared

    async def _run(self, request: Request, params: dict[str, Any], media_type: str) -> Response:
        started = time.perf_counter()
        prepared = self._prepare(params["query"])
        operation_name = params.get("operationName")
        if prepared.errors or prepared.document is None:
            return self._request_errors(prepared.errors, media_type)
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is None:
            error = GraphQLError("Could not determine which operation to run.")
            return self._request_errors([error], media_type)
        if request.method == "GET" and operation.operation != OperationType.QUERY:
            return JSONResponse(
                {"errors": [_graphql_error("Only queries may be sent with GET; use POST.")]},
                status_code=405,
                headers={"Allow": "POST"},
                media_type=media_type,
            )
        label = self._label(operation)
        cost = operation_cost(self.graphql_schema, prepared.document, operation_name)
        result = await execute(
            self.graphql_schema,
            prepared.document,
            context_value=self.context_factory(request),
            variable_values=params.get("variables"),
            operation_name=operation_name,
            executor_class=StrawberryGraphQLCoreExecutionContext,
            is_awaitable=optimized_is_awaitable,
        )
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [self._public(e, request) for e in result.errors]
        payload["extensions"] = {"cost": cost}
        status = 200
        if result.data is None and result.errors and media_type == GRAPHQL_RESPONSE:
            # Variable coercion failed before execution: a request error under this media type.
            status = 400 if all(e.path is None for e in result.errors) else 200
            if status == 400:
                payload.pop("data")
        metrics.observe(self.name, label, time.perf_counter() - started, bool(result.errors))
        return JSONResponse(payload, status_code=status, media_type=media_type)

    @staticmethod
    def _label(operation: OperationDefinitionNode) -> str:
        name = operation.name.value if operation.name else "anonymous"
        return f"{operation.operation.value}:{name}"

    @staticmethod
    def _request_errors(errors: list[GraphQLError], media_type: str) -> Response:
        payload = {"errors": [e.formatted for e in errors]}
        status = 400 if media_type == GRAPHQL_RESPONSE else 200
        return JSONResponse(payload, status_code=status, media_type=media_type)

    def _public(self, error: GraphQLError, request: Request) -> dict[str, Any]:
        original = error.original_error
        # Errors without a path come from coercing the client's own variables: theirs to see.
        if original is None or isinstance(original, ClientError) or error.path is None:
            formatted = error.formatted
            if isinstance(original, ClientError):
                formatted["extensions"] = dict(original.extensions or {})
            return formatted
        log.error(
            "unexpected error in resolver",
            exc_info=original,
            extra={"request_id": getattr(request.state, "request_id", None), "path": error.path},
        )
        masked = GraphQLError(UNEXPECTED, nodes=error.nodes, path=error.path)
        return {**masked.formatted, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
