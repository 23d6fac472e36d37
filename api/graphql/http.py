"""GraphQL over HTTP, following the GraphQL-over-HTTP specification including its SHOULD rules.

The engine parses and validates each distinct document once (cached with its costs), then runs
graphql-core directly against the strawberry-built schema. Skipping per-request extension
machinery is what keeps the storefront fast (bench/storefront.py).

- POST with a JSON body (no batching: a JSON array is refused) and GET for queries only: a
  mutation over GET is answered 405 with `Allow: POST`.
- Persisted queries (api/graphql/persisted.py): Apollo's APQ, and an allow-list mode in which
  only the deploy-time manifest's documents run.
- Public catalog reads may be answered from a response cache (api/graphql/response_cache.py);
  an anonymous GET carries `ETag` and `Cache-Control`, and `If-None-Match` answers 304.
- `application/graphql-response+json` when the client accepts it: parse, validation and
  variable failures are then 400. Under legacy `application/json` (also the answer to no Accept
  header) they are 200. Either way such a response has no `data` entry: nothing was executed.
- Hard limits (SPEC 14): body <= 1 MiB, tokens, depth, aliases, mutations, cost; the cost of
  every executed operation is reported in `extensions.cost`.
- Unexpected errors are masked ("Unexpected error.") and logged with the request id.
- An endpoint may refuse introspection (`__schema`, `__type`) to anonymous callers: the admin
  endpoint does in production, so the admin API's shape is not handed to the world; the shop
  schema stays introspectable (the mini-program and its tooling are public anyway).
- Metrics label an operation only once its document validated (api/metrics.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
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
    visit,
)
from graphql.language import FieldNode, Visitor
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.execution.is_awaitable import optimized_is_awaitable

from api import metrics, tracing
from api.graphql.errors import ClientError, InvalidArgument, Unauthenticated
from api.graphql.graphiql import graphiql_page
from api.graphql.lean import LeanExecutionContext
from api.graphql.limits import (
    LIMIT_RULES,
    OperationCost,
    operation_cost_formula,
    parse_document,
    request_cost_error,
)
from api.graphql.persisted import PersistedQueries, PersistedQueryError, sha256_hex
from api.graphql.response_cache import (
    ANONYMOUS,
    HIT,
    MISS,
    NOT_MODIFIED,
    PUBLIC_HEADERS,
    Lookup,
    ResponseCache,
    matches,
)
from domain.errors import DomainError

log = logging.getLogger("siyu.graphql")

MAX_BODY_BYTES = 1024 * 1024
CACHE_SIZE = 512
# A parsed document keeps all its tokens, up to ~300 bytes per character of query text: the
# cache is bounded by text too, or distinct large documents would hold about a GiB.
CACHE_CHARS = 256 * 1024
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
UNEXPECTED = "Unexpected error."


@dataclass(frozen=True)
class PreparedDocument:
    """A parsed document with its validation errors and its operations' costs (each a formula
    in the page variables, evaluated per request), cached by query text."""

    document: DocumentNode | None
    errors: list[GraphQLError]
    costs: dict[str | None, OperationCost] = field(default_factory=dict)
    introspects: bool = False
    # Per operation name: the response cache's policy (response_cache.cache_policy).
    cache_policies: dict[str | None, bool | None] = field(default_factory=dict)


class _IntrospectionFinder(Visitor):
    found = False

    def enter_field(self, node: FieldNode, *_: Any) -> Any:
        if node.name.value in ("__schema", "__type"):
            self.found = True
            return self.BREAK
        return None


def _introspects(document: DocumentNode) -> bool:
    """Whether any operation of the document asks for the schema (`__typename` does not)."""
    finder = _IntrospectionFinder()
    visit(document, finder)
    return finder.found


class RequestError(Exception):
    """A request that is not a well-formed GraphQL-over-HTTP request."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _graphql_error(message: str) -> dict[str, Any]:
    return {"message": message}


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


class _JSONResponse(JSONResponse):
    """JSON as UTF-8; with ASCII escapes when the answer holds a lone surrogate, which UTF-8
    cannot encode: a client's invalid variable value is echoed in its error message."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


def _respond(
    payload: dict[str, Any],
    media_type: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    # The spec asks for the encoding in Content-Type; Starlette adds it to text/* types only.
    return _JSONResponse(
        payload, status_code=status, headers=headers, media_type=f"{media_type}; charset=utf-8"
    )


def _specificity(media_range: str, media_type: str) -> int:
    """How closely an Accept range names a type: 0 when it does not match it at all."""
    if media_range == media_type:
        return 3
    if media_range == media_type.split("/")[0] + "/*":
        return 2
    return 1 if media_range == "*/*" else 0


def _quality(value: str) -> float:
    try:
        quality = float(value)
    except ValueError:
        return 0.0
    # Out of range (or NaN) is malformed: not acceptable rather than preferred.
    return quality if 0.0 <= quality <= 1.0 else 0.0


class GraphQLEndpoint:
    """An ASGI endpoint serving one schema."""

    def __init__(
        self,
        schema: strawberry.Schema,
        name: str,
        context_factory: Callable[[Request], Any],
        graphiql: bool,
        introspection_needs_token: bool = False,
        persisted: PersistedQueries | None = None,
        response_cache: ResponseCache | None = None,
    ):
        self.schema = schema
        self.graphql_schema = schema._schema
        self.name = name
        self.context_factory = context_factory
        self.graphiql = graphiql
        self.introspection_needs_token = introspection_needs_token
        self.persisted = persisted or PersistedQueries()
        self.response_cache = (
            response_cache if response_cache is not None and response_cache.enabled else None
        )
        self._cache: OrderedDict[str, PreparedDocument] = OrderedDict()
        self._cached_chars = 0
        self._labels = metrics.OperationLabels()

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "POST"):
            return _respond(
                {"errors": [_graphql_error("Use GET or POST.")]},
                JSON,
                405,
                {"Allow": "GET, POST"},
            )
        if request.method == "GET" and self._wants_ide(request):
            title = f"{self.name} API"
            return HTMLResponse(graphiql_page(title, request.scope.get("root_path", "")))
        try:
            media_type = self._negotiate(request.headers.get("accept"))
        except RequestError as exc:
            return self._refused(exc, JSON)
        try:
            params = await self._params(request)
        except RequestError as exc:
            # In the negotiated type: the client may accept nothing else.
            return self._refused(exc, media_type)
        except PersistedQueryError as exc:
            error = GraphQLError(exc.message, extensions={"code": exc.code})
            if exc.status is None:
                return self._request_errors([error], media_type)
            return _respond({"errors": [error.formatted]}, media_type, exc.status)
        return await self._run(request, params, media_type)

    @staticmethod
    def _refused(exc: RequestError, media_type: str) -> Response:
        return _respond(
            {"errors": [_graphql_error(exc.message)]}, media_type, exc.status, exc.headers
        )

    def _wants_ide(self, request: Request) -> bool:
        return (
            self.graphiql
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    @staticmethod
    def _negotiate(accept: str | None) -> str:
        """The response media type for an Accept header (RFC 9110, section 12.5.1).

        Each type we serve takes the quality of the most specific range that matches it, so
        `application/json;q=0, */*` still gets graphql-response+json. At equal quality the type
        listed first wins; when only wildcards name them, application/json, as for no header.
        """
        if not accept:
            return JSON
        # media type -> (specificity, quality, position) of the range that decides it
        decided: dict[str, tuple[int, float, int]] = {}
        for position, part in enumerate(accept.lower().split(",")):
            media_range, *params = (p.strip() for p in part.split(";"))
            quality = 1.0
            for param in params:
                name, _, value = param.partition("=")
                if name.strip() == "q":
                    quality = _quality(value.strip())
            for media_type in (GRAPHQL_RESPONSE, JSON):
                specificity = _specificity(media_range, media_type)
                if specificity > decided.get(media_type, (0,))[0]:
                    decided[media_type] = (specificity, quality, position)
        ranked = sorted(
            (-quality, position, media_type != JSON, media_type)
            for media_type, (_, quality, position) in decided.items()
            if quality > 0
        )
        if not ranked:
            raise RequestError(406, f"Acceptable media types: {GRAPHQL_RESPONSE}, {JSON}.")
        return ranked[0][3]

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
        """Parsed JSON, or a 400 for anything that is not JSON: bad syntax or encoding, NaN and
        Infinity (Python's extensions), nesting too deep for the parser (RecursionError)."""
        try:
            return json.loads(raw, parse_constant=_not_json)
        except (ValueError, RecursionError):
            raise RequestError(400, f"`{what}` is not valid JSON.") from None

    def _checked(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("extensions") is not None and not isinstance(params["extensions"], dict):
            raise RequestError(400, "`extensions` must be an object.")
        params["query"], params["hash"] = self.persisted.document(params)
        query = params["query"]
        if not isinstance(query, str) or not query.strip():
            raise RequestError(400, "`query` must be a non-empty string.")
        if params.get("variables") is not None and not isinstance(params["variables"], dict):
            raise RequestError(400, "`variables` must be an object.")
        name = params.get("operationName")
        if name is not None and not isinstance(name, str):
            raise RequestError(400, "`operationName` must be a string.")
        # An empty name stands for no name (GraphQL over HTTP, GET); no operation is named "".
        params["operationName"] = name or None
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
            prepared = PreparedDocument(document, list(errors), introspects=_introspects(document))
        # A document too large to share the budget is prepared again each time instead.
        if len(query) <= CACHE_CHARS // 16:
            self._cache[query] = prepared
            self._cached_chars += len(query)
            while len(self._cache) > CACHE_SIZE or self._cached_chars > CACHE_CHARS:
                self._cached_chars -= len(self._cache.popitem(last=False)[0])
        return prepared

    async def _run(self, request: Request, params: dict[str, Any], media_type: str) -> Response:
        started = time.perf_counter()
        prepared = self._prepare(params["query"])
        operation_name = params.get("operationName")
        if prepared.errors or prepared.document is None:
            # The label never comes from a refused document: its names are anyone's text.
            metrics.observe(self.name, metrics.INVALID, time.perf_counter() - started, True)
            return self._request_errors(prepared.errors, media_type)
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is None:
            error = GraphQLError("Could not determine which operation to run.")
            return self._request_errors([error], media_type)
        if request.method == "GET" and operation.operation != OperationType.QUERY:
            return _respond(
                {"errors": [_graphql_error("Only queries may be sent with GET; use POST.")]},
                media_type,
                405,
                {"Allow": "POST"},
            )
        context = self.context_factory(request)
        if (
            prepared.introspects
            and self.introspection_needs_token
            and not (await context.viewer()).authenticated
        ):
            return self._request_errors([Unauthenticated()], media_type)
        formula = prepared.costs.get(operation_name)
        if formula is None:
            formula = operation_cost_formula(self.graphql_schema, prepared.document, operation_name)
            prepared.costs[operation_name] = formula
        cost = formula.evaluate(params.get("variables"))
        over_budget = request_cost_error(formula, cost)
        if over_budget is not None:
            return self._request_errors([over_budget], media_type)
        name = operation.name.value if operation.name else None
        label = self._labels.label(operation.operation.value, name)
        request.scope.setdefault("state", {})["operation"] = label
        lookup = await self._cache_lookup(request, params, media_type, prepared, operation, context)
        if isinstance(lookup, Response):
            metrics.observe(self.name, label, time.perf_counter() - started, False)
            return lookup
        with tracing.operation_span(operation.operation.value, name):
            result = execute(
                self.graphql_schema,
                prepared.document,
                context_value=context,
                variable_values=params.get("variables"),
                operation_name=operation_name,
                executor_class=LeanExecutionContext,
                is_awaitable=optimized_is_awaitable,
            )
            # Synchronous when no resolver is async (`{ __typename }`) or variables fail
            # coercion.
            if optimized_is_awaitable(result):
                result = await result
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            # Variables failed coercion and nothing ran: a request error, so no `data` either.
            return self._request_errors(result.errors, media_type)
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [self._public(e, request) for e in result.errors]
        payload["extensions"] = {"cost": cost}
        metrics.observe(self.name, label, time.perf_counter() - started, bool(result.errors))
        response = _respond(payload, media_type)
        if lookup is None or result.errors:
            return response
        assert self.response_cache is not None  # a lookup comes from it
        etag = self.response_cache.put(lookup.key, lookup.version, lookup.read_at, response.body)
        return self._cached_answer(request, lookup.public, etag, response)

    async def _cache_lookup(
        self,
        request: Request,
        params: dict[str, Any],
        media_type: str,
        prepared: PreparedDocument,
        operation: OperationDefinitionNode,
        context: Any,
    ) -> Lookup | Response | None:
        """A stored answer (200, or 304 to an anonymous GET that has it), the lookup to store
        a fresh answer under, or None when this read may not be cached (response_cache.py)."""
        cache = self.response_cache
        if cache is None:
            return None
        operation_name = params.get("operationName")
        if operation_name not in prepared.cache_policies:
            prepared.cache_policies[operation_name] = cache.policy(operation)
        members_too = prepared.cache_policies[operation_name]
        if members_too is None:
            return None
        read_at = time.monotonic()
        if members_too:
            viewer, keep_bp, version = await context.viewer_and_pricing()
            anonymous = viewer.member_id is None
        else:
            anonymous = (await context.viewer()).member_id is None
            if not anonymous:
                return None
            keep_bp, version = await context.price_keep_bp_and_catalog_version()
        lookup = await cache.lookup(
            params["hash"] or sha256_hex(params["query"]),
            operation_name,
            params.get("variables"),
            ANONYMOUS if anonymous else keep_bp,
            version,
            read_at,
            public=anonymous and request.method == "GET" and "authorization" not in request.headers,
        )
        if lookup.found is None:
            metrics.cache_outcome(self.name, MISS)
            return lookup
        stored = Response(lookup.found.body, media_type=f"{media_type}; charset=utf-8")
        answer = self._cached_answer(request, lookup.public, lookup.found.etag, stored)
        metrics.cache_outcome(self.name, NOT_MODIFIED if answer.status_code == 304 else HIT)
        return answer

    @staticmethod
    def _cached_answer(request: Request, public: bool, etag: str, response: Response) -> Response:
        """`response`, with the headers that let a CDN keep it when it is public, or 304 when
        the client holds it already."""
        if not public:
            return response
        headers = {"ETag": etag, **PUBLIC_HEADERS}
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        response.headers.update(headers)
        return response

    @staticmethod
    def _request_errors(errors: list[GraphQLError], media_type: str) -> Response:
        status = 400 if media_type == GRAPHQL_RESPONSE else 200
        return _respond({"errors": [e.formatted for e in errors]}, media_type, status)

    def _public(self, error: GraphQLError, request: Request) -> dict[str, Any]:
        original = error.original_error
        if original is None or isinstance(original, ClientError):
            formatted = error.formatted
            if isinstance(original, ClientError):
                formatted["extensions"] = dict(original.extensions or {})
            return formatted
        if isinstance(original, DomainError):
            # Bad input a query's resolver did not turn into a payload: the client's mistake,
            # answered like a refused filter (BAD_USER_INPUT with the UserError), not masked.
            return {
                **error.formatted,
                "message": original.message,
                "extensions": {
                    "code": InvalidArgument.code,
                    "userError": {"code": original.code.value, "field": original.field},
                },
            }
        log.error(
            "unexpected error in resolver",
            exc_info=original,
            extra={"request_id": getattr(request.state, "request_id", None), "path": error.path},
        )
        masked = GraphQLError(UNEXPECTED, nodes=error.nodes, path=error.path)
        return {**masked.formatted, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
