"""Every root field of both schemas, called with random and malformed variables (issue 11):
no answer is INTERNAL_SERVER_ERROR, "Unexpected error." or a 5xx, nothing is logged at ERROR,
and a refused request writes nothing (row counts of every table).

The schema is walked, not listed: a field added later is fuzzed without touching this file.
Variables follow each argument's declared type, salted with what attackers send: lone
surrogates, NUL and control characters, bidi overrides, SQL, overlong text, global IDs of the
wrong type or past 64 bits, forged base64, out-of-range numbers, impossible dates, lists past the
limits and, now and then, a value of the wrong JSON type altogether. Each field is called as an
anonymous user and as a member (shop) or HQ_ADMIN and a guide (admin). Derandomized and bounded:
CI is reproducible and the file stays well under a minute per backend.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.admin.schema import schema as admin_schema
from api.shop.schema import schema as shop_schema
from distribution.distributors import for_guide
from domain.org.models import StaffRole
from loyalty.audience.filters import AudienceFilter
from loyalty.audience.segments import create_segment
from loyalty.audience.tags import create_tag
from tests.support.api import ApiFactory, Client, make_store
from tests.support.catalog import make_category, make_product
from tests.support.fingerprint import row_counts
from tests.support.orders import delivery, place_ok

# Bounded for `make test`; FUZZ_EXAMPLES=100 for a longer hunt, FUZZ_RANDOM=1 for new seeds.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
OMITTED = object()

NASTY_TEXT = [
    "\ud800",
    "a\x00b",
    "\u202egnp.exe",
    "' OR 1=1 --",
    "A" * 300,
    "\x1b[31m\x85\x7f",
    "x\udfffy\u2066",
    "",
    "   ",
    "9" * 40,
    "-1",
    "😀名字\n\t",
    "%s%n{0}",
    "dev:",
    "dev:\x00",
    "null",
]
BIG_NUMBERS = [0, -1, 1, 2**31 - 1, -(2**31), 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**63, 10**30]
PKS = [1, 2, 3, 0, -1, 2**63 - 1, 2**63, 10**25]
WRONG_TYPES: list[Any] = [123, 1.5, "text", True, [], {}, [None], {"a": 1}]
FORGED_CURSORS: list[list[Any]] = [
    [1, "1 OR 1=1"],
    ["1 OR 1=1"],
    [2**63, 1],
    [2**63],
    ["2026-01-01T00:00:00", 1],
    ["9999-12-31T23:59:59-23:59", 1],
    ["2026-01-01T00:00:00+00:00", "x"],
    [None, 1],
    [1],
]


def _rarely(
    rare: st.SearchStrategy[Any], usual: st.SearchStrategy[Any], one_in: int = 4
) -> st.SearchStrategy[Any]:
    """`rare` one time in `one_in`, else `usual` (st.one_of would pick each half the time)."""
    return st.sampled_from([True] + [False] * (one_in - 1)).flatmap(
        lambda pick_rare: rare if pick_rare else usual
    )


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()


def _cursor_of(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


PLAIN_TEXT = st.text(
    st.characters(categories=["L", "N"], max_codepoint=0x9FFF), min_size=1, max_size=12
)
NASTY = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=20),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x3000), max_size=20),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
)
VALID_DATES = st.dates().map(lambda d: d.isoformat())
VALID_TIMES = st.datetimes().map(lambda d: d.isoformat() + "+08:00")
ODD_DATES = st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "x", ""])
ODD_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2026-01-01T00:00:00",
        "2026-01-01T25:00:00Z",
        "x",
    ]
)
ODD_INTS = st.one_of(
    st.sampled_from([0, -1, 100, 101, 2**31 - 1, -(2**31), 2**31]),
    st.integers(-(2**31), 2**31 - 1),
)
ODD_LONGS = st.one_of(
    st.sampled_from(BIG_NUMBERS), st.integers(), st.sampled_from(["12", "1e3", "x"])
)
CURSOR_KEYS = st.one_of(
    st.sampled_from(BIG_NUMBERS), NASTY, ODD_TIMES, st.sampled_from([None, True, 1.5, [], {}])
)
FORGED_CURSOR = st.one_of(
    st.sampled_from(FORGED_CURSORS), st.lists(CURSOR_KEYS, min_size=1, max_size=3)
).map(_cursor_of)


def _plausible_text(name: str) -> st.SearchStrategy[str]:
    """What a well-meaning client would send in a field of that name."""
    lowered = name.lower()
    if "phone" in lowered:
        return st.sampled_from(["13800001111", "+8613900002222"])
    if "url" in lowered or lowered == "images":
        return st.just("https://example.com/a.png")
    if lowered == "code":
        return st.sampled_from(["dev:fuzz", "V1", "123456"])
    if "tiercode" in lowered:
        return st.sampled_from(["V0", "V1", "V2", "V3", "GOLD", "VIP-PLATINUM"])
    return PLAIN_TEXT


@dataclass
class Generator:
    """Strategies for the variables of one schema's arguments, by GraphQL input type.

    A plausible generator sends what a well-meaning client would, except for the things no
    client can be trusted with (cursors, ids of rows that may not exist), so a call gets past
    the shallow checks; a nasty one salts every value, one in four, with what attackers send.
    An ID is mostly forged for the types its name suggests (`orderId`, `cancelOrder(id)` ->
    Order), so forged pks reach the lookups instead of stopping at the type check."""

    nasty: bool
    type_names: list[str]
    node_types: list[str]
    _cache: dict[str, st.SearchStrategy[Any]] = field(default_factory=dict)

    def value(
        self, graphql_type: GraphQLInputType, owner: str, name: str
    ) -> st.SearchStrategy[Any]:
        """A value for an argument's type: null only where the type allows it."""
        if isinstance(graphql_type, GraphQLNonNull):
            return self._non_null(graphql_type.of_type, owner, name)
        return _rarely(st.none(), self._non_null(graphql_type, owner, name))

    def _salted(self, plausible: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]):
        return _rarely(odd, plausible) if self.nasty else plausible

    def _id_types(self, owner: str, name: str) -> list[str]:
        base = name.removesuffix("s").removesuffix("Id")
        text = (owner if base in ("", "id") else base).lower()
        found = [t for t in self.node_types if t.lower() in text or text in t.lower()]
        return found or self.node_types

    def _global_id(self, owner: str, name: str) -> st.SearchStrategy[str]:
        likely = st.sampled_from(self._id_types(owner, name))
        every = st.sampled_from(self.type_names)
        existing = st.builds(lambda t, pk: _b64(f"{t}:{pk}"), likely, st.sampled_from(PKS))
        forged = st.one_of(
            st.builds(lambda t, pk: _b64(f"{t}:{pk}"), likely, st.sampled_from(PKS)),
            st.builds(lambda t, pk: _b64(f"{t}:{pk}"), every, st.sampled_from(PKS)),
            NASTY,
            NASTY.map(_b64),
        )
        return self._salted(existing, forged)

    def _non_null(
        self, graphql_type: GraphQLInputType, owner: str, name: str
    ) -> st.SearchStrategy[Any]:
        if isinstance(graphql_type, GraphQLList):
            item = self.value(graphql_type.of_type, owner, name)
            few = st.lists(item, max_size=3)
            return self._salted(few, item.map(lambda v: [v] * 101))
        if isinstance(graphql_type, GraphQLInputObjectType):
            return st.deferred(lambda: self._input_object(graphql_type, owner))
        if isinstance(graphql_type, GraphQLEnumType):
            return st.sampled_from(list(graphql_type.values))
        assert isinstance(graphql_type, GraphQLScalarType)
        if graphql_type.name == "ID":
            return self._global_id(owner, name)
        if name == "after":
            return self._salted(FORGED_CURSOR, NASTY)
        return self._scalar(graphql_type.name, name)

    def _input_object(
        self, graphql_type: GraphQLInputObjectType, owner: str
    ) -> st.SearchStrategy[Any]:
        key = f"{owner}:{graphql_type.name}"
        if key not in self._cache:
            required, optional = {}, {}
            for name, input_field in graphql_type.fields.items():
                strategy = self.value(input_field.type, owner, name)
                if isinstance(input_field.type, GraphQLNonNull):
                    required[name] = strategy
                else:
                    optional[name] = strategy
            self._cache[key] = st.fixed_dictionaries(required, optional=optional)
        return self._cache[key]

    def _scalar(self, scalar: str, name: str) -> st.SearchStrategy[Any]:
        match scalar:
            case "String":
                return self._salted(_plausible_text(name), NASTY)
            case "Int":
                return self._salted(st.integers(1, 50), ODD_INTS)
            case "Long":
                return self._salted(st.integers(1, 100_000), ODD_LONGS)
            case "Float":
                odd = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.just(1e308))
                return self._salted(st.floats(0, 100), odd)
            case "Boolean":
                return st.booleans()
            case "Date":
                return self._salted(VALID_DATES, ODD_DATES)
            case "DateTime":
                return self._salted(VALID_TIMES, ODD_TIMES)
            case "JSON":
                return JSON_VALUES
        raise AssertionError(f"no strategy for scalar {scalar}")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | NASTY,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(NASTY, children, max_size=3),
    max_leaves=6,
)


@dataclass(frozen=True)
class RootField:
    operation: str
    name: str
    arguments: dict[str, GraphQLInputType]
    document: str


def _selection(output: Any) -> str:
    named = get_named_type(output)
    if not isinstance(named, GraphQLObjectType):
        return "" if isinstance(named, GraphQLScalarType | GraphQLEnumType) else "{ __typename }"
    if "errors" in named.fields:
        return "{ __typename errors { code field message } }"
    return "{ __typename }"


def root_fields(schema: GraphQLSchema) -> list[RootField]:
    """One document per root field, each argument a variable of its declared type."""
    found = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, root_field in root.fields.items():
            arguments = {arg: definition.type for arg, definition in root_field.args.items()}
            declared = ", ".join(f"${arg}: {kind}" for arg, kind in arguments.items())
            passed = ", ".join(f"{arg}: ${arg}" for arg in arguments)
            document = (
                f"{operation}{f'({declared})' if declared else ''} "
                f"{{ {name}{f'({passed})' if passed else ''} {_selection(root_field.type)} }}"
            )
            found.append(RootField(operation, name, arguments, document))
    return found


def _object_type_names(*schemas: GraphQLSchema) -> list[str]:
    names = {
        name
        for schema in schemas
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLObjectType) and not name.startswith("__")
    }
    return sorted(names | {"Nope", ""})


SHOP = shop_schema._schema
ADMIN = admin_schema._schema
TYPE_NAMES = _object_type_names(SHOP, ADMIN)
NODE_TYPES = sorted(
    {
        name.removesuffix("Node")
        for schema in (SHOP, ADMIN)
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLObjectType) and "id" in kind.fields
    }
)
PLAUSIBLE = Generator(False, TYPE_NAMES, NODE_TYPES)
MALICIOUS = Generator(True, TYPE_NAMES, NODE_TYPES)


def _arguments(generator: Generator, root_field: RootField) -> st.SearchStrategy[dict[str, Any]]:
    values = {}
    for name, kind in root_field.arguments.items():
        strategy = generator.value(kind, root_field.name, name)
        if not isinstance(kind, GraphQLNonNull):
            strategy = _rarely(st.just(OMITTED), strategy)
        values[name] = strategy
    return st.fixed_dictionaries(values).map(
        lambda given: {k: v for k, v in given.items() if v is not OMITTED}
    )


def variables_for(root_field: RootField) -> st.SearchStrategy[dict[str, Any]]:
    """Every non-null argument, and each nullable one given (maybe null) or left out: half the
    calls plausible, half salted; one call in eight has an argument of the wrong JSON type
    (rare: such a call stops at coercion)."""
    plausible = _arguments(PLAUSIBLE, root_field)
    malicious = _arguments(MALICIOUS, root_field)
    if not root_field.arguments:
        return plausible
    wrong = st.builds(
        lambda given, name, value: {**given, name: value},
        plausible,
        st.sampled_from(sorted(root_field.arguments)),
        st.sampled_from(WRONG_TYPES),
    )
    return st.sampled_from(["plausible"] * 4 + ["malicious"] * 3 + ["wrong"]).flatmap(
        lambda kind: {"plausible": plausible, "malicious": malicious, "wrong": wrong}[kind]
    )


# --- callers and the checks ----------------------------------------------------------------------


@dataclass
class Caller:
    """A role calling one endpoint; a session the fuzzed call ended (logout, a password change,
    a One-ID merge) is opened again for the next call."""

    api: ApiFactory
    role: str
    endpoint: str
    client: Client | None = None

    async def open(self) -> None:
        if self.role == "anonymous":
            self.client = self.api.shop() if self.endpoint == "shop" else self.api.admin()
        elif self.role == "member":
            self.client = (await self.api.member()).client
        else:
            session = await self.api.staff(StaffRole(self.role))
            # Every active guide is a distributor (SPEC 6); the row is made on first need, so
            # a guide's first refused link request would make it: made here instead.
            await for_guide(session.staff)
            self.client = session.client

    async def call(self, document: str, variables: dict[str, Any]) -> tuple[int, Any]:
        assert self.client is not None
        headers = {"Content-Type": "application/json"}
        if self.client.token:
            headers["Authorization"] = f"Bearer {self.client.token}"
        # ASCII escapes: the only way to send a lone surrogate inside JSON.
        body = json.dumps({"query": document, "variables": variables}, allow_nan=False)
        response = await self.client.http.post(
            self.client.path, content=body.encode(), headers=headers
        )
        assert response.headers["content-type"].endswith("json; charset=utf-8"), response.text
        return response.status_code, response.json()


def _refused(root: RootField, answer: dict[str, Any]) -> bool:
    if answer.get("errors"):
        return True
    payload = (answer.get("data") or {}).get(root.name)
    return isinstance(payload, dict) and bool(payload.get("errors"))


def _unauthenticated(answer: dict[str, Any]) -> bool:
    codes = {(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []}
    return "UNAUTHENTICATED" in codes


# A refused staff login records the failure: that is the throttle (SPEC 13), not a leak.
WRITES_WHEN_REFUSED = {("admin", "staffLogin"): {"login_failure"}}


async def check(
    caller: Caller, endpoint: str, root: RootField, variables: dict[str, Any]
) -> list[str]:
    before = await row_counts()
    status, answer = await caller.call(root.document, variables)
    after = await row_counts()
    problems = []
    where = f"{endpoint} {root.name} as {caller.role} with {variables!r}"
    text = json.dumps(answer)
    if status >= 500 or "INTERNAL_SERVER_ERROR" in text or "Unexpected error." in text:
        problems.append(f"{where}: {status} {text[:300]}")
    if _refused(root, answer):
        allowed = WRITES_WHEN_REFUSED.get((endpoint, root.name), set())
        changed = {t for t in before if before[t] != after[t] and t not in allowed}
        if changed:
            problems.append(f"{where}: refused but wrote {sorted(changed)}: {text[:200]}")
    if caller.role != "anonymous" and _unauthenticated(answer):
        await caller.open()
    return problems


async def _seed(api: ApiFactory) -> None:
    """A little of everything, so ids 1..3 of the common types exist."""
    category = await make_category()
    product = await make_product(category, (1000, 2000))
    sku = (await product.skus.all())[0]
    await make_store()
    for name in ("孕期", "高价值", "老客"):
        await create_tag(name, "fuzz")
    await create_segment("fuzz", AudienceFilter(), "fuzz")
    shopper = await api.member()
    await place_ok(shopper.client, delivery((sku, 1)))


FIELDS = {"shop": root_fields(SHOP), "admin": root_fields(ADMIN)}
ROLES = {
    "shop": ("anonymous", "member"),
    "admin": ("anonymous", StaffRole.HQ_ADMIN.value, StaffRole.GUIDE.value),
}
# The roles that reach the most code get more calls (a guide and anyone anonymous are mostly
# refused at the door).
CALLS_PER_EXAMPLE = {"member": 3, StaffRole.HQ_ADMIN.value: 3}
CASES = [(endpoint, root) for endpoint, roots in FIELDS.items() for root in roots]


async def _callers(api: ApiFactory, endpoint: str) -> list[Caller]:
    """The seeded database's callers, made at the test's first example: the database lives as
    long as the test, across examples."""
    callers = getattr(api, "fuzz_callers", None)
    if callers is None:
        await _seed(api)
        callers = [Caller(api, role, endpoint) for role in ROLES[endpoint]]
        for caller in callers:
            await caller.open()
        api.fuzz_callers = callers  # type: ignore[attr-defined]
    return callers


@pytest.mark.parametrize(
    ("endpoint", "root"), CASES, ids=[f"{endpoint}.{root.name}" for endpoint, root in CASES]
)
@settings(
    max_examples=EXAMPLES,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    deadline=None,
    database=None,
    # No shrinking: the database changes from one example to the next, so a shrunk example
    # would not replay; the report names the role and the variables of each problem.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_root_field_refuses_bad_input_cleanly(api, caplog, endpoint, root, data):
    problems: list[str] = []
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        for caller in await _callers(api, endpoint):
            for _ in range(CALLS_PER_EXAMPLE.get(caller.role, 1)):
                variables = data.draw(variables_for(root))
                problems += await check(caller, endpoint, root, variables)
    problems += [f"logged at ERROR: {r.getMessage()}" for r in caplog.records]
    assert not problems, "\n".join(problems)


def test_the_walk_covers_every_root_field():
    """A guard on the walk itself: both schemas' roots, queries and mutations."""
    names = {(endpoint, f.operation, f.name) for endpoint, fs in FIELDS.items() for f in fs}
    for endpoint, schema in (("shop", SHOP), ("admin", ADMIN)):
        for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
            assert root is not None
            for name in root.fields:
                assert (endpoint, operation, name) in names
    assert ("admin", "mutation", "createSegment") in names
    assert ("shop", "mutation", "updateProfile") in names


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
