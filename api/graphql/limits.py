"""Hard limits on GraphQL documents (SPEC §14): tokens, depth, aliases, mutations and cost.

Everything but the token limit is a validation rule that depends only on the document and the
schema, never on variables or data, so a validation result cached per document stays right for
every request that reuses it.

Cost approximates the fields resolved in the worst case: 1 per field, times the page for
connections (`first`, the default page without it, the largest page for a variable) and a short
multiplier for plain lists. The budget (20 000) is about 0.3 s of graphql-core work here, and a
100-product storefront page with SKUs costs about 11 000.

Introspection is bounded by the schema rather than by data, and MaxIntrospectionDepthRule (in
graphql-core's specified_rules) bounds its nesting of lists. Its fields therefore cost one each
and `__schema` / `__type` count as one level of depth: otherwise the introspection query
GraphiQL sends (15 levels deep through `ofType`) would be refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from graphql import (
    SKIP,
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    Undefined,
    ValidationRule,
    VisitorAction,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_introspection_type,
    is_list_type,
    is_object_type,
    parse,
    value_from_ast,
)
from graphql.validation import ASTValidationContext

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000
MAX_MUTATIONS = 5
MAX_COST = 20_000
MAX_PAGE = 100
# A connection asked for without `first` gets the resolvers' default page.
DEFAULT_PAGE = 20
# Plain lists in this API are short by design (a product's SKUs, a SKU's spec values, a
# category's children); anything that grows with the data is a connection with `first`.
SHORT_LIST = 5
# A report (a type named `...Report`) holds at most `first` rows, 100 when omitted; like a
# connection, its cost is its page times its sub-selection, and its row list is not counted
# again. Reports aggregate in SQL, so their cost in the database is bounded by the period
# filter (at most 366 days), not by the page.
REPORT_PAGE = 100

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


def parse_document(query: str) -> DocumentNode:
    """Parse under the token limit, which bounds the parser's work before anything else runs.

    `max_tokens` (unlike `max_lexical_tokens`) also counts comments, so padding a document with
    comments does not get around it. Going over it is reported with its own code.
    """
    try:
        return parse(query, max_tokens=MAX_TOKENS, no_location=False)
    except GraphQLSyntaxError as error:
        if f"more than {MAX_TOKENS} tokens" in error.message:
            error.extensions = {"code": "TOO_MANY_TOKENS"}
        raise


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> int:
    """The cost the budget was checked against, for `extensions.cost` in the response."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    return _Measurer(schema, document).operation(operation).cost


def _error(message: str, code: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


class _Measure(NamedTuple):
    depth: int
    cost: int


_NOTHING = _Measure(0, 0)


class _Measurer:
    """Depth and cost of a document's operations, measuring each fragment once.

    Measuring a fragment once keeps the work linear however often it is spread, and doing it in
    dependency order keeps long fragment chains off the Python stack.
    """

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self._schema = schema
        self._fragments: dict[str, _Measure] = {}
        for fragment in _dependency_order(document):
            parent = schema.get_type(fragment.type_condition.name.value)
            self._fragments[fragment.name.value] = self._selections(fragment.selection_set, parent)

    def operation(self, operation: OperationDefinitionNode) -> _Measure:
        parent = self._schema.get_root_type(operation.operation)
        return self._selections(operation.selection_set, parent)

    def _selections(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> _Measure:
        depth = cost = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                measure = self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self._schema.get_type(condition.name.value) if condition else parent
                measure = self._selections(selection.selection_set, inner)
            else:
                # A spread that closes a fragment cycle has no measure yet; NoFragmentCyclesRule
                # reports the cycle.
                measure = self._fragments.get(selection.name.value, _NOTHING)
            depth = max(depth, measure.depth)
            cost += measure.cost
        return _Measure(depth, cost)

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> _Measure:
        name = node.name.value
        if name == "__typename":
            return _Measure(0, 1)
        field = (
            parent.fields.get(name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        children = _NOTHING
        if node.selection_set:
            inner = get_named_type(field.type) if field else None
            children = self._selections(node.selection_set, inner)
        depth = 1 if name in _INTROSPECTION_ROOTS else 1 + children.depth
        return _Measure(depth, 1 + _page_size(node, parent, field) * children.cost)


def _page_size(node: FieldNode, parent: GraphQLNamedType | None, field: GraphQLField | None) -> int:
    """The most times a field's sub-selection can run."""
    first = next((arg.value for arg in node.arguments or () if arg.name.value == "first"), None)
    if first is not None:
        page = value_from_ast(first, GraphQLInt)
        # A variable takes the worst case, the largest page resolvers accept: validation is
        # cached per document while variables change per request. An invalid literal is
        # reported by ValuesOfCorrectTypeRule.
        if page is Undefined:
            return MAX_PAGE
        if page is not None:
            # Clamped so that a negative page cannot offset the cost of other fields.
            return max(page, 0)
    if field is None or parent is None or is_introspection_type(parent):
        return 1
    # The lists of a connection (edges, nodes) or a report hold its page, already counted.
    if parent.name.endswith(("Connection", "Report")):
        return 1
    returned = get_nullable_type(field.type)
    if is_object_type(returned) and returned.name.endswith("Connection"):
        return DEFAULT_PAGE
    if is_object_type(returned) and returned.name.endswith("Report"):
        return REPORT_PAGE
    if is_list_type(returned):
        return SHORT_LIST
    return 1


def _dependency_order(document: DocumentNode) -> list[FragmentDefinitionNode]:
    """The document's fragments, each after the fragments it spreads; a cycle is cut anywhere.

    Iterative, since a chain of fragments can be much longer than Python's recursion limit.
    """
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    order: list[FragmentDefinitionNode] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack = [(fragments[root], _spread_names(fragments[root].selection_set))]
        while stack:
            fragment, spreads = stack[-1]
            name = next(spreads, None)
            if name is None:
                stack.pop()
                order.append(fragment)
            elif name in fragments and name not in seen:
                seen.add(name)
                stack.append((fragments[name], _spread_names(fragments[name].selection_set)))
    return order


def _spread_names(selection_set: SelectionSetNode) -> Iterator[str]:
    """Fragments spread directly in a selection set, not through other fragments."""
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif selection.selection_set:
                pending.append(selection.selection_set)


class ComplexityLimitRule(ValidationRule):
    """Depth and cost bound the work of one operation: resolver calls, loader rounds, rows."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> VisitorAction:
        measurer = _Measurer(self.context.schema, node)
        for operation in node.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            depth, cost = measurer.operation(operation)
            if depth > MAX_DEPTH:
                message = f"Query depth {depth} exceeds the limit of {MAX_DEPTH}."
                self.report_error(_error(message, "QUERY_TOO_COMPLEX", operation))
            if cost > MAX_COST:
                message = f"Query cost {cost} exceeds the budget of {MAX_COST}."
                self.report_error(_error(message, "QUERY_TOO_COMPLEX", operation))
        return SKIP


class AliasLimitRule(ASTValidationRule):
    """Aliases let one request repeat a field many times, e.g. to guess codes or passwords."""

    def __init__(self, context: ASTValidationContext) -> None:
        super().__init__(context)
        self._aliases = 0

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        if node.alias:
            self._aliases += 1

    def leave_document(self, *_args: Any) -> None:
        if self._aliases > MAX_ALIASES:
            message = f"Too many aliases ({self._aliases}); the limit is {MAX_ALIASES}."
            self.report_error(_error(message, "TOO_MANY_ALIASES"))


class MutationLimitRule(ASTValidationRule):
    """Each mutation is a transaction: a request must not batch many of them."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        if node.operation is not OperationType.MUTATION:
            return
        # Fields with the same response key are merged and run once.
        keys: set[str] = set()
        expanded: set[str] = set()
        pending = [node.selection_set]
        while pending:
            for selection in pending.pop().selections:
                if isinstance(selection, FieldNode):
                    if selection.name.value != "__typename":
                        keys.add((selection.alias or selection.name).value)
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif selection.name.value not in expanded:
                    expanded.add(selection.name.value)
                    fragment = self.context.get_fragment(selection.name.value)
                    if fragment:
                        pending.append(fragment.selection_set)
        if len(keys) > MAX_MUTATIONS:
            message = (
                f"Too many mutations in one request ({len(keys)}); the limit is {MAX_MUTATIONS}."
            )
            self.report_error(_error(message, "TOO_MANY_MUTATIONS", node))


LIMIT_RULES: list[type[ASTValidationRule]] = [
    ComplexityLimitRule,
    AliasLimitRule,
    MutationLimitRule,
]
