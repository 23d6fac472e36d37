"""Hard limits on GraphQL documents (SPEC §14): tokens, depth, aliases, mutations and cost.

Everything but the token limit is a validation rule that depends only on the document and the
schema, never on variables or data, so a validation result cached per document stays right for
every request that reuses it.

Cost approximates the fields resolved in the worst case: 1 per field, times the page for
connections (`first`, the default page without it) and a short multiplier for plain lists. The
budget (20 000) is about 0.3 s of graphql-core work here, and a 100-product storefront page with
SKUs costs about 11 000.

`first: $first` costs the page the request actually sends (at most the largest page resolvers
accept). The document's part stays cached with its validation: measuring a document yields a
small polynomial in its page variables (`Cost`), and each request only evaluates it with its
variables, a handful of multiplications. The cached validation refuses a document whose cost is
over budget whatever its variables (every page variable at 0); `request_cost_error` refuses a
request whose variables take it over.

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
    VariableNode,
    VisitorAction,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_introspection_type,
    is_list_type,
    is_object_type,
    parse,
    value_from_ast,
    value_from_ast_untyped,
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


# A page variable: (variable name, the page a field gets when the variable is omitted or null).
PageVariable = tuple[str, int]
# A product of page variables, sorted so equal products share one key.
Monomial = tuple[PageVariable, ...]
# Past this many distinct products (only contrived documents get near it) a cost stops tracking
# variables and takes their worst case, the largest page.
MAX_COST_TERMS = 64


class Cost:
    """A cost as a polynomial in page variables: coefficient per product of variables.

    `{(): 41}` is a constant 41; `{(): 1, (("first", 20),): 2}` is 1 + 2 x $first.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Monomial, int]) -> None:
        self.terms = terms

    @classmethod
    def constant(cls, value: int) -> Cost:
        return cls({(): value} if value else {})

    def plus(self, other: Cost) -> Cost:
        terms = dict(self.terms)
        for monomial, coefficient in other.terms.items():
            terms[monomial] = terms.get(monomial, 0) + coefficient
        return Cost(terms)._bounded()

    def times(self, page: int | PageVariable) -> Cost:
        if isinstance(page, int):
            return Cost({m: c * page for m, c in self.terms.items() if c * page})
        terms: dict[Monomial, int] = {}
        for monomial, coefficient in self.terms.items():
            key = tuple(sorted((*monomial, page)))
            terms[key] = terms.get(key, 0) + coefficient
        return Cost(terms)._bounded()

    @property
    def least(self) -> int:
        """The cost with every page variable at 0: no request can cost less."""
        return self.terms.get((), 0)

    def evaluate(self, variables: dict[str, Any] | None, defaults: dict[str, Any]) -> int:
        """The cost of a request sending `variables` (defaults: the operation's own)."""
        sent = variables or {}
        total = 0
        for monomial, coefficient in self.terms.items():
            for name, omitted in monomial:
                value = sent[name] if name in sent else defaults.get(name)
                coefficient *= _page_of(value, omitted)
            total += coefficient
        return total

    def _bounded(self) -> Cost:
        if len(self.terms) <= MAX_COST_TERMS:
            return self
        worst = sum(c * MAX_PAGE ** len(m) for m, c in self.terms.items())
        return Cost.constant(worst)


def _page_of(value: Any, omitted: int) -> int:
    """The page a variable's value asks for, as resolvers will read it: the field's default
    when null, clamped to 0..MAX_PAGE (resolvers refuse more), the worst case when it is not an
    integer (coercion then fails and nothing runs)."""
    if value is None:
        return omitted
    if isinstance(value, bool) or not isinstance(value, int):
        return MAX_PAGE
    return min(max(value, 0), MAX_PAGE)


class OperationCost(NamedTuple):
    """What a request's cost needs from the cached document: the polynomial and the
    operation's variable defaults."""

    cost: Cost
    defaults: dict[str, Any]
    node: OperationDefinitionNode | None

    def evaluate(self, variables: dict[str, Any] | None) -> int:
        return self.cost.evaluate(variables, self.defaults)


def operation_cost_formula(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> OperationCost:
    """Measured once per document and operation (cached with the validation)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return OperationCost(Cost.constant(0), {}, None)
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return OperationCost(_Measurer(schema, document).operation(operation).cost, defaults, operation)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None = None,
) -> int:
    """The cost of running `operation_name` with `variables`, for `extensions.cost`."""
    return operation_cost_formula(schema, document, operation_name).evaluate(variables)


def request_cost_error(formula: OperationCost, cost: int) -> GraphQLError | None:
    """The refusal of a request whose variables take its operation over the budget."""
    if cost <= MAX_COST:
        return None
    message = f"Query cost {cost} exceeds the budget of {MAX_COST}."
    return _error(message, "QUERY_TOO_COMPLEX", formula.node)


def _error(message: str, code: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


class _Measure(NamedTuple):
    depth: int
    cost: Cost


_NOTHING = _Measure(0, Cost.constant(0))


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
        depth = 0
        cost = Cost.constant(0)
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
            cost = cost.plus(measure.cost)
        return _Measure(depth, cost)

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> _Measure:
        name = node.name.value
        if name == "__typename":
            return _Measure(0, Cost.constant(1))
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
        page = _page_size(node, parent, field)
        return _Measure(depth, Cost.constant(1).plus(children.cost.times(page)))


def _page_size(
    node: FieldNode, parent: GraphQLNamedType | None, field: GraphQLField | None
) -> int | PageVariable:
    """The most times a field's sub-selection can run: a number, or the variable sent as
    `first` with the page the field gets without it."""
    first = next((arg.value for arg in node.arguments or () if arg.name.value == "first"), None)
    if isinstance(first, VariableNode):
        return (first.name.value, _page_without_first(parent, field))
    if first is not None:
        page = value_from_ast(first, GraphQLInt)
        # An invalid literal is reported by ValuesOfCorrectTypeRule.
        if page is Undefined:
            return MAX_PAGE
        if page is not None:
            # Clamped so that a negative page cannot offset the cost of other fields.
            return max(page, 0)
    return _page_without_first(parent, field)


def _page_without_first(parent: GraphQLNamedType | None, field: GraphQLField | None) -> int:
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
            # Over budget whatever the variables; the rest is judged per request.
            if cost.least > MAX_COST:
                message = f"Query cost {cost.least} exceeds the budget of {MAX_COST}."
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
