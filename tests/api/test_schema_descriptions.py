"""What the schema tells a client must match what the service does."""

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType

from api.admin.schema import schema as admin_schema
from api.shop.schema import schema as shop_schema
from domain.errors import ErrorCode
from domain.org.models import StaffRole

TIER_FIELDS = '{ __type(name: "Tier") { fields { name description } } }'


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_tier_discount_is_described_as_a_share_of_the_price_not_the_list_price(api, path):
    # the tier discount applies to the SKU's price; the list price (划线价) is display only
    client = api.shop() if path == "/graphql" else (await api.staff(StaffRole.HQ_ADMIN)).client

    fields = (await client.data(TIER_FIELDS))["__type"]["fields"]

    assert {f["name"]: f["description"] for f in fields}["discountBp"] == (
        "Share of the price (not the list price 划线价) a member of this tier pays:"
        " 9800 = pays 98%, 2% off."
    )


def undescribed(schema) -> list[str]:
    """What a client looks up first and finds no description for: root fields and their
    arguments, input fields, enums and their values."""
    graphql_schema = schema._schema
    missing = []
    for root in (graphql_schema.query_type, graphql_schema.mutation_type):
        for name, field in root.fields.items():
            if not (field.description or "").strip():
                missing.append(f"{root.name}.{name}")
            missing += [
                f"{root.name}.{name}({arg})"
                for arg, argument in field.args.items()
                if not (argument.description or "").strip()
            ]
    for type_ in graphql_schema.type_map.values():
        if type_.name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            missing += [
                f"{type_.name}.{name}"
                for name, field in type_.fields.items()
                if not (field.description or "").strip()
            ]
        if isinstance(type_, GraphQLEnumType):
            if not (type_.description or "").strip():
                missing.append(type_.name)
            missing += [
                f"{type_.name}.{name}"
                for name, value in type_.values.items()
                if not (value.description or "").strip()
            ]
    return missing


@pytest.mark.parametrize("schema", [shop_schema, admin_schema], ids=["shop", "admin"])
def test_every_root_field_argument_input_field_and_enum_value_is_described(schema):
    assert undescribed(schema) == []


def test_every_error_code_says_when_it_is_answered():
    values = admin_schema._schema.type_map["ErrorCode"].values

    assert set(values) == {code.value for code in ErrorCode}
    assert values["DAILY_WITHDRAWAL_LIMIT"].description == (
        "requestWithdrawal: withdraw.daily_max_count requests were already made today"
        " (Asia/Shanghai)."
    )


ROOT_FIELDS = '{ __type(name: "Mutation") { fields { name description } } }'


async def test_an_admin_field_names_the_roles_the_capability_table_gives_it(api):
    client = (await api.staff(StaffRole.HQ_ADMIN)).client

    fields = (await client.data(ROOT_FIELDS))["__type"]["fields"]

    described = {f["name"]: f["description"] for f in fields}
    assert described["shipOrder"].endswith(
        "\n\nWho: HQ_ADMIN (all), HQ_OPERATOR (all), STORE_MANAGER (own store);"
        " capability ORDER_SHIP."
    )
    assert described["staffLogin"].startswith("Log a staff member in")
    assert "Who:" not in described["staffLogin"]


async def test_a_shop_enum_value_is_described_over_http(api):
    data = await api.shop().data(
        '{ __type(name: "OrderStatus") { enumValues { name description } } }'
    )

    values = {v["name"]: v["description"] for v in data["__type"]["enumValues"]}
    assert values["CLOSED"] == "Closed (已关闭): every item fully refunded."
