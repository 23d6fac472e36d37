"""A precompiled completion of plain object subtrees: the storefront's lean read path.

Why: graphql-core completes a result one field at a time (a resolve info, a resolver call and
a completion per field, plus strawberry's wrapper around each attribute read). A 20-product
page has ~600 such fields, and that was ~40 % of the page's CPU (issue 18). Most of a storefront
result is made of fields that only read an attribute: for those, the selection set is turned
once into a small plan (response key, attribute, completer) and every later object of that
type and selection is completed by running the plan: a Python function generated for that
selection, one dict display that reads each attribute once, a leaf passed through when it is
already what its scalar serializes to (a `str` for String and ID, an `int` for Long, a 32-bit
`int` for Int) and
completed by graphql-core's own leaf completion otherwise.

A plan is made for an object type when every selected field of it, and of every object below
it, is a plain attribute (strawberry's basic field: no resolver, no extension), the type has no
`is_type_of`, and no selection below carries a directive (whose outcome could depend on the
variables). Anything else is completed by graphql-core as before, so results are the same;
`bench/lean_executor.py` measured this against graphql-core's default resolvers on plain
objects (~10x less CPU per page). One difference, for bugs only: a value a plain field should
not hold (null in a non-null field, a scalar that does not serialize) fails the compiled object
as a whole, with the error located at it rather than at the leaf.

Plans are cached by the identity of the field nodes they were made from; a plan keeps its nodes
alive, so an identity is never reused while its plan is cached. The cache is an LRU: documents
come and go (the endpoint's document cache is bounded too).

Fused views: a resolver may return a plain view that stands in for a type (`stands_in_for`),
whose attributes are `Derived`: a Python expression over the view rather than a method. A plan
for that type then has a branch for that view class that inlines the expressions, and inlines
the plans of the objects below it whose fields are all derived too (a SKU's prices, its specs):
a product with its SKUs is completed by one function, with no call per attribute or per nested
object. The property a `Derived` defines is compiled from the same expression, so what
strawberry's resolvers read and what the plan inlines cannot differ. Nested values are computed
before their own null check there, so a null where the schema says non-null fails the compiled
object as a whole (as above), possibly with another message.
"""

from __future__ import annotations

import itertools
import keyword
import re
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    FieldNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    InlineFragmentNode,
    SelectionSetNode,
    is_leaf_type,
)
from graphql.execution.executor import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

PLAN_CACHE_SIZE = 1024

Complete = Callable[[Any], Any]
_NOT_COMPILABLE = object()
# Scalars whose serialize is the identity for a value of the exact Python type.
_IDENTITY_FOR = {GraphQLString.name: str, GraphQLID.name: str, GraphQLBoolean.name: bool}


class Derived(property):
    """A view's attribute computed by `expression`, Python over the view named `self` (and the
    `names` it uses, each starting with `_`): a property for every reader, inlined by plans.

    `view`: the value stands in for an object type, made by `view(result)` (`many`: a list,
    each item made so); `made`: the result is that view (or list of them) already. A view class
    must answer every derived expression the same whether `self` is the view or the raw value
    it was made from (a tuple or int subclass does), because fused plans skip making it."""

    def __init__(
        self,
        expression: str,
        names: dict[str, Any] | None = None,
        *,
        view: type | None = None,
        many: bool = False,
        made: bool = False,
    ) -> None:
        self.expression = expression
        self.names = names or {}
        self.view = view
        self.many = many
        if not all(name.startswith("_") for name in self.names):
            raise ValueError("a derived expression's names start with _ (plans use the others)")
        raw = eval(f"lambda self: {expression}", dict(self.names))  # noqa: S307 (our own text)
        if view is None or made:
            getter = raw
        elif many:
            getter = lambda source: list(map(view, raw(source)))  # noqa: E731
        else:
            getter = lambda source: view(raw(source))  # noqa: E731
        super().__init__(getter)

    def on(self, source: str) -> str:
        """The expression with `source` (a variable of the generated code) for the view."""
        return _SELF.sub(source, self.expression)


_SELF = re.compile(r"\bself\b")
_views: dict[str, list[type]] = {}


def stands_in_for(type_name: str) -> Callable[[type], type]:
    """Class decorator: instances of the class may be returned where `type_name` is expected,
    and plans for that type get a fused branch for it."""

    def register(view: type) -> type:
        _views.setdefault(type_name, []).append(view)
        return view

    return register


def _derived(view: type, attribute: str) -> Derived | None:
    for klass in view.__mro__:
        found = vars(klass).get(attribute)
        if found is not None:
            return found if isinstance(found, Derived) else None
    return None


class _Scope:
    """Where generated code binds values: statements of the function, or `for` clauses of a
    list comprehension (`for v in [x]` is a plain assignment there, since Python 3.9)."""

    def __init__(self, clauses: bool) -> None:
        self.clauses = clauses
        self.bindings: list[str] = []

    def bind(self, variable: str, expression: str) -> None:
        if self.clauses:
            self.bindings.append(f"for {variable} in [{expression}]")
        else:
            self.bindings.append(f"{variable} = {expression}")


class _Fusion:
    """Renders a fused branch: the fields of one plan over a view, nested plans inlined."""

    def __init__(self, helpers: dict[str, Any]) -> None:
        self.helpers = helpers
        self._numbers = itertools.count()

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self._numbers)}"

    def use(self, derived: Derived) -> None:
        for name, value in derived.names.items():
            if self.helpers.setdefault(name, value) is not value:
                raise ValueError(f"derived name {name} means two things")

    def fusable(self, plan: Plan, view: type) -> bool:
        """Whether `plan` can be inlined over a raw value of `view`: every field derived."""
        for _, attribute, expression in plan.fields:
            if attribute is None:
                continue
            derived = _derived(view, attribute)
            if derived is None or not self.value_fusable(expression, derived):
                return False
        return True

    def value_fusable(self, expression: Expression, derived: Derived) -> bool:
        if derived.view is None:
            return True
        target = _fused_target(expression, derived.many)
        return target is not None and self.fusable(target, derived.view)

    def object(self, plan: Plan, view: type, source: str, scope: _Scope, top: bool) -> str:
        """The dict display completing `source` (a variable holding the view, or at `top` the
        view object itself, whose non-derived attributes are then read as usual)."""
        entries = []
        for key, attribute, expression in plan.fields:
            if attribute is None:
                entries.append(f"{key!r}: {expression!r}")
                continue
            value = self.name("v")
            derived = _derived(view, attribute)
            if derived is None or not self.value_fusable(expression, derived):
                assert top, "only a view object has attributes to read"
                scope.bind(value, _attribute(source, attribute))
                entries.append(f"{key!r}: {expression.render(value, self.helpers)}")
                continue
            self.use(derived)
            scope.bind(value, derived.on(source))
            entries.append(f"{key!r}: {self.value(expression, derived, value, scope)}")
        return "{" + ", ".join(entries) + "}"

    def value(self, expression: Expression, derived: Derived, value: str, scope: _Scope) -> str:
        if derived.view is None:
            return expression.render(value, self.helpers)
        target = _fused_target(expression, derived.many)
        assert target is not None and isinstance(expression, NonNull)
        fail = _helper(self.helpers, partial(_null_error, expression.where))
        if not derived.many:
            inner = self.object(target, derived.view, value, scope, top=False)
            return f"({inner} if {value} is not None else {fail}())"
        item = self.name("i")
        clauses = _Scope(clauses=True)
        inner = self.object(target, derived.view, item, clauses, top=False)
        loop = " ".join([f"for {item} in {value}", *clauses.bindings])
        return f"([{inner} {loop}] if {value} is not None else {fail}())"


def _fused_target(expression: Expression, many: bool) -> Plan | None:
    """The plan a derived view value goes through, when its shape can be fused: a non-null
    object, or a non-null list of non-null objects."""
    if not isinstance(expression, NonNull):
        return None
    inner = expression.inner
    if many:
        if not (isinstance(inner, ListOf) and isinstance(inner.inner, NonNull)):
            return None
        inner = inner.inner.inner
    return inner.plan if isinstance(inner, Object) else None


class Plan:
    """How to complete one object type for one selection: a function generated from the
    selection (`source`), one dict display reading each attribute once, leaves inlined where
    the value is already what the scalar serializes to; first a fused branch for each view
    standing in for the type. `nodes` keeps the field nodes alive (see the module's
    docstring)."""

    __slots__ = ("complete", "fields", "nodes", "source")

    def __init__(
        self, type_name: str, fields: list[tuple[str, str | None, Any]], nodes: tuple[Any, ...]
    ):
        """`fields`: (response key, attribute or None for `__typename`, Expression or name)."""
        self.nodes = nodes
        self.fields = fields
        helpers: dict[str, Any] = {}
        lines = ["def complete(source):"]
        fusion = _Fusion(helpers)
        for view in _views.get(type_name, ()):
            scope = _Scope(clauses=False)
            fused = fusion.object(self, view, "source", scope, top=True)
            lines.append(f"    if type(source) is {_helper(helpers, view)}:")
            lines.extend(f"        {binding}" for binding in scope.bindings)
            lines.append(f"        return {fused}")
        reads, entries = [], []
        for number, (key, attribute, expression) in enumerate(fields):
            if attribute is None:
                entries.append(f"{key!r}: {expression!r}")
                continue
            value = f"v{number}"
            reads.append(f"    {value} = {_attribute('source', attribute)}")
            entries.append(f"{key!r}: {expression.render(value, helpers)}")
        self.source = "\n".join([*lines, *reads, "    return {" + ", ".join(entries) + "}"])
        exec(self.source, helpers)  # noqa: S102 (text built here from schema names only)
        self.complete: Complete = helpers["complete"]

    def __call__(self, source: Any) -> dict[str, Any]:
        return self.complete(source)  # type: ignore[no-any-return]


def _attribute(name: str, attribute: str) -> str:
    if attribute.isidentifier() and not keyword.iskeyword(attribute):
        return f"{name}.{attribute}"
    return f"getattr({name}, {attribute!r})"


class Expression:
    """How one value of a field's type becomes its result, rendered as Python source."""

    def render(self, value: str, helpers: dict[str, Any]) -> str:
        raise NotImplementedError


def _helper(helpers: dict[str, Any], function: Any) -> str:
    name = f"h{len(helpers)}"
    helpers[name] = function
    return name


class Leaf(Expression):
    """graphql-core's own leaf completion (a nullish serialization is an error), skipped for a
    value of the exact Python type the scalar serializes to itself."""

    def __init__(self, return_type: Any):
        self.complete = partial(Executor.complete_leaf_value, return_type)
        exact = _IDENTITY_FOR.get(return_type.name)
        if exact is None and return_type.serialize is int:  # Long and its kind
            exact = int
        self.exact = exact
        self.bounded = return_type.name == GraphQLInt.name

    def render(self, value: str, helpers: dict[str, Any]) -> str:
        call = f"{_helper(helpers, self.complete)}({value})"
        if self.bounded:  # Int: a 32-bit int is itself; anything else goes the long way
            return (
                f"({value} if type({value}) is int and "
                f"{GRAPHQL_MIN_INT} <= {value} <= {GRAPHQL_MAX_INT} else {call})"
            )
        if self.exact is None:
            return call
        return f"({value} if type({value}) is {_helper(helpers, self.exact)} else {call})"


class NonNull(Expression):
    def __init__(self, inner: Expression, where: str):
        self.inner = inner
        self.where = where

    def render(self, value: str, helpers: dict[str, Any]) -> str:
        fail = _helper(helpers, partial(_null_error, self.where))
        return f"({self.inner.render(value, helpers)} if {value} is not None else {fail}())"


class Nullable(Expression):
    def __init__(self, inner: Expression):
        self.inner = inner

    def render(self, value: str, helpers: dict[str, Any]) -> str:
        return f"(None if {value} is None else {self.inner.render(value, helpers)})"


class ListOf(Expression):
    def __init__(self, inner: Expression, depth: int):
        self.inner = inner
        self.item = f"item{depth}"

    def render(self, value: str, helpers: dict[str, Any]) -> str:
        return f"[{self.inner.render(self.item, helpers)} for {self.item} in {value}]"


class Object(Expression):
    def __init__(self, plan: Plan):
        self.plan = plan

    def render(self, value: str, helpers: dict[str, Any]) -> str:
        return f"{_helper(helpers, self.plan.complete)}({value})"


def _null_error(where: str) -> Any:
    raise TypeError(f"Cannot return null for non-nullable field {where}.")


_plans: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def _has_directives(selection_set: SelectionSetNode | None, fragments: dict[str, Any]) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if selection.directives:
            return True
        if isinstance(selection, FieldNode | InlineFragmentNode):
            if _has_directives(selection.selection_set, fragments):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or _has_directives(fragment.definition.selection_set, fragments):
                return True
    return False


class LeanExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, completing plain object subtrees by compiled plans."""

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(return_type, field_details_list)
        if plan is _NOT_COMPILABLE:
            return super().complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )
        return plan(result)

    def _plan(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        key = (return_type.name, *(id(details.node) for details in field_details_list))
        plan = _plans.get(key)
        if plan is None:
            plan = self._compile(return_type, field_details_list)
            _plans[key] = plan
            while len(_plans) > PLAN_CACHE_SIZE:
                _plans.popitem(last=False)
        return plan

    def _compile(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        if return_type.is_type_of is not None or any(
            details.fragment_variable_values is not None
            or _has_directives(details.node.selection_set, self.fragments)
            for details in field_details_list
        ):
            return _NOT_COMPILABLE
        grouped = self.collect_subfields(return_type, field_details_list).grouped_field_set
        fields: list[tuple[str, str | None, Any]] = []
        for response_key, sub_details in grouped.items():
            name = sub_details[0].node.name.value
            if name == "__typename":
                fields.append((response_key, None, return_type.name))
                continue
            field = return_type.fields.get(name)
            definition = (
                field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF) if field else None
            )
            if field is None or definition is None or not definition.is_basic_field:
                return _NOT_COMPILABLE
            complete = self._completer(field.type, sub_details, f"{return_type.name}.{name}", 0)
            if complete is _NOT_COMPILABLE:
                return _NOT_COMPILABLE
            fields.append((response_key, definition.python_name, complete))
        nodes = tuple(details.node for details in field_details_list)
        return Plan(return_type.name, fields, nodes)

    def _completer(
        self, field_type: GraphQLOutputType, sub_details: Any, where: str, depth: int
    ) -> Any:
        """An Expression for a value of `field_type` (None checked here), or _NOT_COMPILABLE."""
        if isinstance(field_type, GraphQLNonNull):
            inner = self._present(field_type.of_type, sub_details, where, depth)
            return inner if inner is _NOT_COMPILABLE else NonNull(inner, where)
        inner = self._present(field_type, sub_details, where, depth)
        return inner if inner is _NOT_COMPILABLE else Nullable(inner)

    def _present(
        self, field_type: GraphQLOutputType, sub_details: Any, where: str, depth: int
    ) -> Any:
        """An Expression for a value known not to be None."""
        if isinstance(field_type, GraphQLList):
            inner = self._completer(field_type.of_type, sub_details, where, depth + 1)
            return inner if inner is _NOT_COMPILABLE else ListOf(inner, depth)
        if is_leaf_type(field_type):
            return Leaf(field_type)
        if isinstance(field_type, GraphQLObjectType):
            plan = self._plan(field_type, sub_details)
            return plan if plan is _NOT_COMPILABLE else Object(plan)
        return _NOT_COMPILABLE
