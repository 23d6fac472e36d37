import pytest
from graphql import (
    GraphQLSyntaxError,
    build_schema,
    get_introspection_query,
    specified_rules,
    validate,
)

from api.graphql.limits import (
    DEFAULT_PAGE,
    LIMIT_RULES,
    MAX_COST,
    MAX_COST_TERMS,
    MAX_PAGE,
    MAX_TOKENS,
    SHORT_LIST,
    operation_cost,
    operation_cost_formula,
    parse_document,
)

SCHEMA = build_schema(
    """
    type Query {
      node: Node
      items(first: Int): ItemConnection!
      tags: [String!]!
    }

    type Node {
      id: ID!
      child: Node
      children(first: Int): [Node!]!
    }

    type Item {
      id: ID!
      name: String!
    }

    type ItemConnection {
      edges: [ItemEdge!]!
      nodes: [Item!]!
      totalCount: Int!
    }

    type ItemEdge {
      node: Item!
      cursor: String!
    }

    type Mutation {
      touch: Int
    }
    """
)

TOO_COMPLEX = {"code": "QUERY_TOO_COMPLEX"}


def errors(query: str) -> list[tuple[str, dict]]:
    document = parse_document(query)
    return [
        (error.message, error.extensions)
        for error in validate(SCHEMA, document, [*specified_rules, *LIMIT_RULES])
    ]


def cost(query: str, operation_name: str | None = None, variables: dict | None = None) -> int:
    return operation_cost(SCHEMA, parse_document(query), operation_name, variables)


def chain(depth: int, leaf: str = "id") -> str:
    """`node { child { ... { leaf } } }`, `depth` levels deep counting the leaf."""
    return "node " + "{ child " * (depth - 2) + "{ " + leaf + " }" + " }" * (depth - 2)


# Depth


def test_depth_at_the_limit_passes() -> None:
    assert errors("{ " + chain(12) + " }") == []


def test_depth_over_the_limit_is_refused() -> None:
    assert errors("{ " + chain(13) + " }") == [
        ("Query depth 13 exceeds the limit of 12.", TOO_COMPLEX)
    ]


def test_typename_adds_no_depth() -> None:
    # 12 levels of fields, then __typename as a 13th.
    assert errors("{ " + chain(13, leaf="__typename") + " }") == []


def test_depth_follows_fragments_and_inline_fragments() -> None:
    # node (1) > child (2) > the fragment's 10 levels (3..12) > one more through `... on Node`.
    fragment = "fragment Deep on Node { " + chain(10).replace("node", "child", 1) + " }"
    assert errors("{ node { child { ...Deep } } } " + fragment) == []
    assert errors("{ node { child { ... on Node { child { ...Deep } } } } } " + fragment) == [
        ("Query depth 13 exceeds the limit of 12.", TOO_COMPLEX)
    ]


def test_fragment_cycle_is_reported_and_does_not_hang() -> None:
    query = """
      { node { ...A } }
      fragment A on Node { child { ...B } }
      fragment B on Node { child { ...A } }
    """
    assert errors(query) == [("Cannot spread fragment 'A' within itself via 'B'.", {})]


def test_long_fragment_chain_does_not_exhaust_the_stack() -> None:
    # About the longest chain the token limit lets through: followed on the Python stack at a few
    # frames per link, it would pass the recursion limit. graphql-core then aborts validation
    # (its own nesting limit is 200), but only after the limit rules have reported.
    count = 450
    fragments = " ".join(
        f"fragment F{i} on Node {{ child {{ ...F{i + 1} }} }}" for i in range(count - 1)
    )
    query = "{ node { ...F0 } } " + fragments + f" fragment F{count - 1} on Node {{ id }}"
    # node, a child in each fragment but the last, then id: one level and one cost each.
    assert errors(query) == [
        (f"Query depth {count + 1} exceeds the limit of 12.", TOO_COMPLEX),
        ("Validation aborted.", {}),
    ]
    assert cost(query) == count + 1


# Aliases


def aliases(count: int) -> str:
    return " ".join(f"a{i}: tags" for i in range(count))


def test_aliases_at_the_limit_pass() -> None:
    assert errors("{ " + aliases(30) + " }") == []


def test_aliases_over_the_limit_are_refused() -> None:
    assert errors("{ " + aliases(31) + " }") == [
        ("Too many aliases (31); the limit is 30.", {"code": "TOO_MANY_ALIASES"})
    ]


def test_aliases_in_fragments_count() -> None:
    query = "{ ...F " + aliases(30) + " } fragment F on Query { extra: tags }"
    assert errors(query) == [
        ("Too many aliases (31); the limit is 30.", {"code": "TOO_MANY_ALIASES"})
    ]


# Mutations


def mutations(count: int) -> str:
    return " ".join(f"m{i}: touch" for i in range(count))


def test_mutations_at_the_limit_pass() -> None:
    assert errors("mutation { " + mutations(5) + " __typename }") == []


def test_mutations_over_the_limit_are_refused() -> None:
    assert errors("mutation { " + mutations(6) + " }") == [
        ("Too many mutations in one request (6); the limit is 5.", {"code": "TOO_MANY_MUTATIONS"})
    ]


def test_mutations_in_fragments_count() -> None:
    query = """
      mutation { a: touch ...M ... on Mutation { b: touch } }
      fragment M on Mutation { c: touch d: touch e: touch f: touch }
    """
    assert errors(query) == [
        ("Too many mutations in one request (6); the limit is 5.", {"code": "TOO_MANY_MUTATIONS"})
    ]


def test_repeated_response_key_runs_once() -> None:
    assert errors("mutation { " + "touch " * 6 + "}") == []


def test_mutation_fragment_cycle_does_not_hang() -> None:
    query = "mutation { ...M } fragment M on Mutation { touch ...M }"
    assert errors(query) == [("Cannot spread fragment 'M' within itself.", {})]


# Cost


def test_cost_of_a_connection_page() -> None:
    # items: 1 + 10 (first) * edges
    # edges: 1 + 1 * node, since a connection's lists hold the page already counted
    # node:  1 + 1 * (id 1 + name 1) = 3, so edges = 4 and items = 1 + 10 * 4 = 41.
    assert cost("{ items(first: 10) { edges { node { id name } } } }") == 41


def test_cost_without_first_takes_the_default_page() -> None:
    # A connection without `first`: 1 + 20 * totalCount (1), the resolvers' default page.
    assert cost("{ items { totalCount } }") == 1 + DEFAULT_PAGE
    # node (1) + children, a plain (short) list: 1 + 5 * id (1).
    assert cost("{ node { children { id } } }") == 1 + 1 + SHORT_LIST
    # A list of scalars has no sub-selection to multiply.
    assert cost("{ tags __typename }") == 2


def test_first_as_a_variable_costs_the_page_the_request_sends() -> None:
    # 1 + page * nodes (1 + 1 * id)
    query = "query ($n: Int) { items(first: $n) { nodes { id } } }"
    assert cost("{ items(first: 5) { nodes { id } } }") == 1 + 5 * 2
    assert cost(query, variables={"n": 5}) == 1 + 5 * 2
    assert cost("{ items(first: null) { nodes { id } } }") == 1 + DEFAULT_PAGE * 2


def test_a_page_variable_left_out_or_null_costs_the_fields_own_default() -> None:
    query = (
        "query ($n: Int) { items(first: $n) { nodes { id } } node { children(first: $n) { id } } }"
    )
    # items 1 + 20 * 2, node 1 + children (1 + 5 * 1): a plain list's default is SHORT_LIST.
    expected = 1 + DEFAULT_PAGE * 2 + 1 + 1 + SHORT_LIST
    assert cost(query) == expected
    assert cost(query, variables={}) == expected
    assert cost(query, variables={"n": None}) == expected


def test_a_page_variable_is_bounded_by_the_largest_page() -> None:
    query = "query ($n: Int) { items(first: $n) { nodes { id } } }"
    assert cost(query, variables={"n": 100}) == 1 + MAX_PAGE * 2
    assert cost(query, variables={"n": 5000}) == 1 + MAX_PAGE * 2
    assert cost(query, variables={"n": -50}) == 1
    # Not an integer: coercion refuses it and nothing runs, but it is costed as the worst case.
    assert cost(query, variables={"n": "many"}) == 1 + MAX_PAGE * 2
    assert cost(query, variables={"n": True}) == 1 + MAX_PAGE * 2


def test_a_page_variable_takes_the_operations_default_unless_sent() -> None:
    query = "query ($n: Int = 7) { items(first: $n) { nodes { id } } }"
    assert cost(query) == 1 + 7 * 2
    assert cost(query, variables={"n": 3}) == 1 + 3 * 2
    assert cost(query, variables={"n": None}) == 1 + DEFAULT_PAGE * 2


def test_nested_page_variables_multiply() -> None:
    query = """query ($a: Int, $b: Int) {
      node { children(first: $a) { children(first: $b) { id } ...F } }
    } fragment F on Node { children(first: $a) { id } }"""
    # node 1 + children (1 + a * (children (1 + b * 1) + F's children (1 + a * 1)))
    assert cost(query, variables={"a": 10, "b": 3}) == 1 + 1 + 10 * ((1 + 3) + (1 + 10))
    assert cost(query, variables={"a": 0, "b": 100}) == 2


def test_a_document_over_budget_whatever_its_variables_is_refused_by_validation() -> None:
    # With the page variable at 0: node (1 + children (1 + 19999 * 1)) + items 1 = 20002.
    query = (
        "query ($n: Int) { node { children(first: 19999) { id } } items(first: $n) { totalCount } }"
    )
    assert errors(query) == [("Query cost 20002 exceeds the budget of 20000.", TOO_COMPLEX)]
    # Under budget with the smallest page, it is judged per request instead.
    assert (
        errors("query ($n: Int) { node { children(first: $n) { children(first: $n) { id } } } }")
        == []
    )


def test_contrived_page_variables_fall_back_to_the_worst_case() -> None:
    # 70 distinct variables: more products than a cost tracks, so some count a full page.
    names = [f"v{i}" for i in range(70)]
    query = (
        "query ("
        + ", ".join(f"${n}: Int" for n in names)
        + ") { "
        + " ".join(f"{n}: items(first: ${n}) {{ totalCount }}" for n in names)
        + " }"
    )
    formula = operation_cost_formula(SCHEMA, parse_document(query), None)
    assert len(formula.cost.terms) <= MAX_COST_TERMS
    assert formula.evaluate({n: 1 for n in names}) > 70 * (1 + 1)  # never below the real cost
    assert formula.evaluate({n: 100 for n in names}) == 70 * (1 + MAX_PAGE)


def test_negative_first_does_not_lower_the_cost() -> None:
    assert cost("{ items(first: -50) { nodes { id } } tags }") == 1 + 1


def test_fragments_cost_once_per_use() -> None:
    query = "{ a: node { ...F } b: node { ...F } } fragment F on Node { id child { id } }"
    # Each node: 1 + (id 1 + child (1 + id 1)) = 4.
    assert cost(query) == 8


def test_cost_at_the_budget_passes_and_over_it_is_refused() -> None:
    # node (1) + children (1 + first * id 1).
    assert cost("{ node { children(first: 19998) { id } } }") == MAX_COST
    assert errors("{ node { children(first: 19998) { id } } }") == []
    assert errors("{ node { children(first: 19999) { id } } }") == [
        ("Query cost 20001 exceeds the budget of 20000.", TOO_COMPLEX)
    ]


def test_nested_lists_over_the_budget_are_refused() -> None:
    # node 1 + children (1 + 100 * children (1 + 100 * id 1)) = 10102 per level pair.
    query = "{ node { children(first: 100) { children(first: 100) { children { id } } } } }"
    # 1 + (1 + 100 * (1 + 100 * (1 + 5 * 1))) = 60102.
    assert errors(query) == [("Query cost 60102 exceeds the budget of 20000.", TOO_COMPLEX)]


def test_operation_cost_selects_the_operation() -> None:
    query = "query Small { tags } query Large { items { totalCount } }"
    assert cost(query, "Small") == 1
    assert cost(query, "Large") == 1 + DEFAULT_PAGE
    assert cost(query, "Missing") == 0
    assert cost(query, None) == 0


# Introspection


def test_graphiql_introspection_query_passes() -> None:
    assert errors(get_introspection_query()) == []


def test_nested_introspection_lists_are_refused() -> None:
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    # Left to graphql-core's MaxIntrospectionDepthRule, which the depth limit relies on.
    assert errors(query) == [("Maximum introspection depth exceeded", {})]


# Tokens


def test_document_at_the_token_limit_parses() -> None:
    # `{`, MAX_TOKENS - 2 fields and `}`.
    document = parse_document("{ " + "a " * (MAX_TOKENS - 2) + "}")
    assert len(document.definitions[0].selection_set.selections) == MAX_TOKENS - 2


def test_document_over_the_token_limit_is_refused() -> None:
    with pytest.raises(GraphQLSyntaxError, match="more than 5000 tokens") as refused:
        parse_document("{ " + "a " * (MAX_TOKENS - 1) + "}")
    assert refused.value.extensions == {"code": "TOO_MANY_TOKENS"}


def test_comments_count_as_tokens() -> None:
    with pytest.raises(GraphQLSyntaxError, match="more than 5000 tokens"):
        parse_document("{ a }" + "\n#" * (MAX_TOKENS - 2))
