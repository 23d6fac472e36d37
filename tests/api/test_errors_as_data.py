"""One wrapper turns a DomainError into an answer (SPEC 14): resolvers never catch it, error
fields name the argument as the client wrote it, an illegal transition names the state."""

import re
from pathlib import Path

import pytest
import strawberry

from api.admin.schema import schema as admin_schema
from api.graphql.errors import ErrorsAsData, UserError
from api.shop.schema import schema as shop_schema
from domain.orders.models import Order, OrderStatus
from domain.org.models import StaffRole
from tests.support.catalog import make_category, make_product
from tests.support.orders import PLACE, delivery, new_key, order_pk, place_ok

API = Path(__file__).resolve().parents[2] / "api"
SHIP = """
mutation($id: ID!) {
  shipOrder(orderId: $id, carrier: "SF", trackingNumber: "1") {
    order { status } errors { code field message }
  }
}
"""


async def _sku():
    product = await make_product(await make_category(), (5000,), stock=10)
    return (await product.skus.all())[0]


def test_no_resolver_catches_domain_error():
    """`ErrorsAsData` is the one place; a copied `except DomainError` that forgets to return a
    payload turns a refusal into "Unexpected error."."""
    catching = [
        str(path.relative_to(API))
        for folder in ("admin", "shop")
        for path in sorted((API / folder).glob("*.py"))
        if re.search(r"except\s*\(?[\w, ]*DomainError", path.read_text())
    ]

    assert catching == []


def test_every_root_field_of_both_schemas_answers_domain_errors_through_the_wrapper():
    missing = [
        f"{schema_name}.{field.name}"
        for schema_name, schema in (("admin", admin_schema), ("shop", shop_schema))
        for root in (schema.query, schema.mutation)
        for field in root.__strawberry_definition__.fields
        if not any(isinstance(e, ErrorsAsData) for e in field.extensions)
    ]

    assert missing == []


def test_a_payload_without_defaults_is_refused_when_the_schema_is_built():
    @strawberry.type
    class HalfPayload:
        count: int
        errors: list[UserError]

    async def resolve() -> HalfPayload:
        return HalfPayload(count=1, errors=[])

    @strawberry.type
    class Query:
        half: HalfPayload = strawberry.field(resolver=resolve, extensions=[ErrorsAsData()])

    with pytest.raises(TypeError, match=r"HalfPayload: \['count'\] need defaults"):
        strawberry.Schema(query=Query)


async def test_an_illegal_transition_names_the_argument_and_the_current_state(api):
    member = await api.member()
    order = await place_ok(member.client, delivery((await _sku(), 1)))
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    result = (await operator.client.data(SHIP, {"id": order["id"]}))["shipOrder"]

    assert result["order"] is None
    [error] = result["errors"]
    assert (error["code"], error["field"]) == ("INVALID_STATE", "orderId")
    assert error["message"].endswith("(order is PENDING_PAYMENT; shipping needs PAID)")
    assert (await Order.get(id=order_pk(order))).status == OrderStatus.PENDING_PAYMENT


async def test_errors_inside_an_input_name_its_path_from_the_argument(api):
    member = await api.member()
    sku = await _sku()

    result = await member.client.data(
        PLACE, {"input": delivery((sku, 1), (sku, 100)), "key": new_key()}
    )

    assert result["placeOrder"]["errors"] == [
        {"code": "OUT_OF_RANGE", "field": "input.lines.1.quantity"}
    ]
    assert await Order.all().count() == 0


async def test_a_share_code_too_long_is_refused_not_shortened(api):
    member = await api.member()
    sku = await _sku()

    result = await member.client.data(
        PLACE, {"input": delivery((sku, 1), shareCode="A" * 33), "key": new_key()}
    )

    assert result["placeOrder"] == {
        "created": False,
        "order": None,
        "errors": [{"code": "INVALID_SHARE_CODE", "field": "input.shareCode"}],
    }
    assert await Order.all().count() == 0


async def test_a_query_lookup_answers_null_and_a_bad_filter_bad_user_input(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)

    missing = await operator.client.gql('{ member(id: "not-an-id") { id } }')
    bad = await operator.client.gql(
        '{ members(filter: {keyword: "%s"}) { totalCount } }' % ("k" * 65)
    )

    assert (missing["data"], "errors" in missing) == ({"member": None}, False)
    assert bad["data"] is None
    assert [e["extensions"] for e in bad["errors"]] == [
        {"code": "BAD_USER_INPUT", "userError": {"code": "TOO_LONG", "field": "filter.keyword"}}
    ]
