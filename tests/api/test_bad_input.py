"""Bad input is a clear error that changes nothing (issue 11, finding 4): never "Unexpected
error.", never a 5xx, never a traceback logged at ERROR for the client's mistake."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from domain.members.models import Member
from domain.orders.models import Order, OrderStatus
from domain.org.models import StaffRole
from loyalty.audience.models import Segment
from tests.support.api import Client
from tests.support.catalog import make_category, make_product
from tests.support.fingerprint import row_counts
from tests.support.orders import ADDRESS, PLACE, delivery, place_ok

HUGE_ORDER_ID = base64.b64encode(b"Order:9999999999999999999999999").decode()
FORGED_CURSOR = base64.urlsafe_b64encode(json.dumps([1, "1 OR 1=1"]).encode()).decode()


@pytest.fixture(autouse=True)
def no_error_logged(caplog):
    """A client's mistake is not the server's: nothing is logged at ERROR."""
    with caplog.at_level(logging.ERROR):
        yield
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def escaped(client: Client, query: str, variables: dict) -> dict:
    """`data` of a request whose JSON body escapes non-ASCII text (`"\\ud800"`): the only way
    to send a lone surrogate, which UTF-8 cannot encode."""
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
    response = await client.http.post(
        client.path,
        content=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {client.token}"},
    )
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "errors" not in payload, payload["errors"]
    return payload["data"]


async def _sku():
    product = await make_product(await make_category(), (1000,))
    return (await product.skus.all())[0]


# --- global IDs beyond 64 bits -----------------------------------------------------------------


async def test_an_order_id_beyond_64_bits_is_invalid_id_and_changes_nothing(api):
    shopper = await api.member()
    order = await place_ok(shopper.client, delivery((await _sku(), 1)))
    admin = await api.staff(StaffRole.HQ_ADMIN)
    before = await row_counts()

    cancel = await shopper.client.data(
        "mutation($id: ID!) { cancelOrder(orderId: $id) { order { id } errors { code field } } }",
        {"id": HUGE_ORDER_ID},
    )
    assert cancel["cancelOrder"] == {
        "order": None,
        "errors": [{"code": "INVALID_ID", "field": "orderId"}],
    }
    shop_read = await shopper.client.data(
        "query($id: ID!) { order(id: $id) { id } }", {"id": HUGE_ORDER_ID}
    )
    assert shop_read == {"order": None}
    admin_read = await admin.client.data(
        "query($id: ID!) { order(id: $id) { id } }", {"id": HUGE_ORDER_ID}
    )
    assert admin_read == {"order": None}

    assert await row_counts() == before
    assert (await Order.get(number=order["number"])).status == OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize(
    ("pk", "accepted"),
    [
        (str(2**63 - 1), True),
        (str(2**63), False),
        ("0", False),
        ("-1", False),
        ("+1", False),
        ("1_0", False),
        (" 1", False),
        ("٣", False),  # an Arabic-Indic digit: int() takes it, an id never has one
    ],
)
async def test_global_id_pks_are_ascii_digits_within_64_bits(api, pk, accepted):
    shopper = await api.member()
    order_id = base64.b64encode(f"Order:{pk}".encode()).decode()
    body = await shopper.client.data(
        "mutation($id: ID!) { cancelOrder(orderId: $id) { errors { code field } } }",
        {"id": order_id},
    )
    # A well-formed id of an order that does not exist is NOT_FOUND.
    expected = "NOT_FOUND" if accepted else "INVALID_ID"
    assert body["cancelOrder"]["errors"] == [{"code": expected, "field": "orderId"}]


async def test_an_id_with_a_lone_surrogate_is_invalid_id(api):
    shopper = await api.member()
    body = await escaped(
        shopper.client,
        "mutation($id: ID!) { cancelOrder(orderId: $id) { errors { code field } } }",
        {"id": "\ud800"},
    )
    assert body["cancelOrder"]["errors"] == [{"code": "INVALID_ID", "field": "orderId"}]


# --- forged cursors ----------------------------------------------------------------------------

PRODUCTS = """
query($after: String) {
  products(sort: PRICE_ASC, first: 5, after: $after) { edges { node { id } } }
}
"""


@pytest.mark.parametrize(
    "values",
    [
        [1, "1 OR 1=1"],
        ["1 OR 1=1", 1],
        [1, 2**63],
        [True, 1],
        [1.5, 1],
        [None, 1],
        [1],
        [1, 2, 3],
        {"a": 1},
    ],
)
async def test_a_forged_cursor_is_bad_user_input(api, values):
    await _sku()
    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
    body = await api.shop().gql(PRODUCTS, {"after": cursor})
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [{"code": "BAD_USER_INPUT"}]
    assert body["errors"][0]["message"] == "Invalid cursor. / 游标无效"


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
        base64.urlsafe_b64encode(json.dumps(["not a time", 1]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", 1]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["9999-12-31T23:59:59-23:59", 1]).encode()).decode(),
    ],
)
async def test_a_malformed_datetime_cursor_is_bad_user_input(api, cursor):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    body = await admin.client.gql(
        "query($after: String) { orders(after: $after) { edges { node { id } } } }",
        {"after": cursor},
    )
    assert body["data"] is None
    assert [e["extensions"] for e in body["errors"]] == [{"code": "BAD_USER_INPUT"}]


async def test_a_cursor_the_server_made_still_pages(api):
    skus = [await _sku() for _ in range(3)]
    assert len(skus) == 3
    first = await api.shop().data(
        "{ products(sort: PRICE_ASC, first: 2) { edges { cursor node { id } } } }"
    )
    after = first["products"]["edges"][-1]["cursor"]
    rest = await api.shop().data(PRODUCTS, {"after": after})
    assert len(rest["products"]["edges"]) == 1


# --- audience filters --------------------------------------------------------------------------

MEMBERS = """
query($f: MemberFilterInput) { members(filter: $f) { edges { node { id } } } }
"""
CREATE_SEGMENT = """
mutation($n: String!, $f: AudienceFilterInput!) {
  createSegment(name: $n, filter: $f) { segment { id } errors { code field } }
}
"""


@pytest.mark.parametrize("code", ["' OR 1=1 --", "AAAAAAAAAAAAAAAAAAAA", "V1\x00", ""])
async def test_an_unknown_tier_code_in_the_member_filter_is_bad_user_input(api, code):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    body = await admin.client.gql(MEMBERS, {"f": {"tierCodes": [code]}})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "userError": {"code": "UNKNOWN_TIER", "field": "filter.tierCodes"},
    }


@pytest.mark.parametrize("code", ["' OR 1=1 --", "AAAAAAAAAAAAAAAAAAAA", "V1\x00"])
async def test_an_unknown_tier_code_in_a_segment_is_a_user_error(api, code):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    before = await row_counts()
    body = await operator.client.data(CREATE_SEGMENT, {"n": "高价值", "f": {"tierCodes": [code]}})
    assert body["createSegment"] == {
        "segment": None,
        "errors": [{"code": "UNKNOWN_TIER", "field": "filter.tierCodes"}],
    }
    assert await row_counts() == before
    assert await Segment.all().count() == 0


# --- free text ---------------------------------------------------------------------------------

UPDATE_PROFILE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) { member { nickname } errors { code field } }
}
"""


@pytest.mark.parametrize(
    "nickname",
    [
        "小\ud800明",
        "小\x00明",
        "小\x1b[31m明",
        "小\x85明",
        "小\u202egnp.exe",
        "小\u2066明",
        "小\n明",
        "小\t明",
    ],
)
async def test_a_nickname_with_control_or_bidi_characters_is_refused(api, nickname):
    shopper = await api.member()
    await shopper.client.data(UPDATE_PROFILE, {"input": {"nickname": "原名"}})
    before = await row_counts()
    body = await escaped(shopper.client, UPDATE_PROFILE, {"input": {"nickname": nickname}})
    assert body["updateProfile"] == {
        "member": None,
        "errors": [{"code": "INVALID_TEXT", "field": "input.nickname"}],
    }
    assert await row_counts() == before
    assert (await Member.get(id=shopper.member_id)).nickname == "原名"


async def test_a_nickname_with_emoji_and_chinese_is_kept(api):
    shopper = await api.member()
    body = await shopper.client.data(UPDATE_PROFILE, {"input": {"nickname": " 小明😀 "}})
    assert body["updateProfile"] == {"member": {"nickname": "小明😀"}, "errors": []}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("detail", "南京西路\x001号"),
        ("detail", "南京西路\n1号"),
        ("name", "张\u202e三"),
        ("region", "上海\ud800"),
    ],
)
async def test_an_address_with_control_characters_is_refused_and_no_order_made(api, field, value):
    shopper = await api.member()
    sku = await _sku()
    before = await row_counts()
    checkout = delivery((sku, 1), address={**ADDRESS, field: value})
    result = (await escaped(shopper.client, PLACE, {"input": checkout, "key": "k1"}))["placeOrder"]
    assert result["order"] is None
    assert result["errors"] == [{"code": "INVALID_TEXT", "field": f"input.address.{field}"}]
    assert await row_counts() == before
    assert (await sku.refresh_from_db()) is None and sku.stock == 100


# --- request bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
        b"[" * 5000 + b"]" * 5000,
        b'{"query": "{ __typename }" "x"}',
        b'{"query": "{ __typename }", "n": NaN}',
        b"\xff\xfe{}",
        b"",
    ],
)
async def test_an_unparseable_body_is_a_400_with_a_json_error(api, body):
    before = await row_counts()
    for path in ("/graphql", "/admin/graphql"):
        response = await api.http.post(
            path, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        [error] = response.json()["errors"]
        assert error["message"].startswith("`body` is not valid JSON")
    assert await row_counts() == before


# --- report periods ----------------------------------------------------------------------------


GUIDE_PERFORMANCE = """
query($p: ReportPeriodInput!) { guidePerformance(period: $p) { rowCount errors { code field } } }
"""


@pytest.mark.parametrize(
    ("first", "last"),
    [("0001-01-01", "0001-01-01"), ("9999-12-31", "9999-12-31"), ("1999-12-31", "2000-01-01")],
)
async def test_a_report_period_outside_business_days_is_invalid_period(api, first, last):
    """Shanghai midnight of 0001-01-01 is not representable in UTC: once an OverflowError."""
    admin = await api.staff(StaffRole.HQ_ADMIN)
    body = await admin.client.data(GUIDE_PERFORMANCE, {"p": {"from": first, "to": last}})
    assert body["guidePerformance"] == {
        "rowCount": 0,
        "errors": [{"code": "INVALID_PERIOD", "field": "period"}],
    }
    export = await admin.client.http.get(
        f"/admin/exports/guide-performance.csv?from={first}&to={last}",
        headers={"Authorization": f"Bearer {admin.client.token}"},
    )
    assert export.status_code == 400


async def test_variables_nested_deep_but_parseable_are_refused_cleanly(api):
    """900 levels parse (the parser's limit is about 1000): coercion refuses them as a request
    error, without recursing into a crash."""
    nested = b"[" * 900 + b"]" * 900
    query = b'"query($a: String) { products(filter: {keyword: $a}) { totalCount } }"'
    body = b'{"query": ' + query + b', "variables": {"a": ' + nested + b"}}"
    response = await api.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == (
        "Variable '$a' has invalid value: String cannot represent a non string value: [[[...]]]"
    )
