"""Refund reasons HQ edits (SPEC 21 "Refunds"): members choose an active one by code, with
optional words; words alone still work as before reasons existed."""

from domain.orders.models import OrderItem, Refund, RefundReason
from domain.org.models import StaffRole
from tests.api.test_refunds import paid_order
from tests.support.orders import order_pk

SAVE = """
mutation($input: RefundReasonInput!) {
  saveRefundReason(input: $input) {
    reason { code textZh textEn position active } errors { code field }
  }
}
"""
ADMIN_LIST = "{ refundReasons { code active } }"
SHOP_LIST = "{ refundReasons { code textZh textEn position } }"
REQUEST = """
mutation($item: ID!, $code: String, $reason: String) {
  requestRefund(itemId: $item, amountFen: 5000, reasonCode: $code, reason: $reason) {
    refund { status reason reasonCode } errors { code field }
  }
}
"""


def reason(code, position=0, active=True, zh="缺货", en="Out of stock"):
    return {
        "input": {"code": code, "textZh": zh, "textEn": en, "position": position, "active": active}
    }


async def test_hq_edits_reasons_and_members_see_the_active_ones_in_order(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    for variables in (
        reason("DAMAGED", 2, zh="商品破损", en="Damaged"),
        reason("CHANGED_MIND", 1, zh="不想要了", en="Changed my mind"),
        reason("OLD", 0, active=False),
    ):
        await operator.client.data(SAVE, variables)
    edited = (await operator.client.data(SAVE, reason("DAMAGED", 0, zh="破损", en="Broken")))[
        "saveRefundReason"
    ]

    shop = (await api.shop().data(SHOP_LIST))["refundReasons"]
    admin = (await operator.client.data(ADMIN_LIST))["refundReasons"]

    assert edited == {
        "reason": {
            "code": "DAMAGED",
            "textZh": "破损",
            "textEn": "Broken",
            "position": 0,
            "active": True,
        },
        "errors": [],
    }
    assert shop == [
        {"code": "DAMAGED", "textZh": "破损", "textEn": "Broken", "position": 0},
        {"code": "CHANGED_MIND", "textZh": "不想要了", "textEn": "Changed my mind", "position": 1},
    ]
    assert [(r["code"], r["active"]) for r in admin] == [
        ("DAMAGED", True),
        ("OLD", False),
        ("CHANGED_MIND", True),
    ]
    assert await RefundReason.all().count() == 3


async def test_bad_reasons_are_refused_and_change_nothing(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    await admin.client.data(SAVE, reason("DAMAGED"))

    results = [
        (await admin.client.data(SAVE, variables))["saveRefundReason"]
        for variables in (
            reason("damaged"),
            reason("DAMAGED", position=10000, zh="别的"),
            reason("DAMAGED", zh=" ", en="x"),
            reason("DAMAGED", zh="长" * 61),
        )
    ]

    assert [r["errors"] for r in results] == [
        [{"code": "INVALID", "field": "input.code"}],
        [{"code": "OUT_OF_RANGE", "field": "input.position"}],
        [{"code": "REQUIRED", "field": "input.textZh"}],
        [{"code": "TOO_LONG", "field": "input.textZh"}],
    ]
    stored = await RefundReason.all().values_list("code", "text_zh", "position", "active")
    assert stored == [("DAMAGED", "缺货", 0, True)]


async def test_a_request_takes_an_active_reason_code_with_optional_words(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    await operator.client.data(SAVE, reason("DAMAGED"))
    await operator.client.data(SAVE, reason("OLD", active=False))
    member, order, _ = await paid_order(api, (1, 1, 1))
    items = [i["id"] for i in order["items"]]

    coded = await member.client.data(REQUEST, {"item": items[0], "code": "DAMAGED"})
    worded = await member.client.data(
        REQUEST, {"item": items[1], "code": "DAMAGED", "reason": "盒子压坏了"}
    )
    legacy = await member.client.data(REQUEST, {"item": items[2], "reason": "不想要了"})

    assert coded["requestRefund"] == {
        "refund": {"status": "REQUESTED", "reason": "", "reasonCode": "DAMAGED"},
        "errors": [],
    }
    assert worded["requestRefund"]["refund"] == {
        "status": "REQUESTED",
        "reason": "盒子压坏了",
        "reasonCode": "DAMAGED",
    }
    assert legacy["requestRefund"]["refund"] == {
        "status": "REQUESTED",
        "reason": "不想要了",
        "reasonCode": None,
    }


async def test_an_unknown_inactive_or_missing_reason_is_refused_and_changes_nothing(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    await operator.client.data(SAVE, reason("OLD", active=False))
    member, order, _ = await paid_order(api, (1,))
    item = order["items"][0]["id"]

    results = [
        (await member.client.data(REQUEST, {"item": item, **variables}))["requestRefund"]
        for variables in ({"code": "NOPE"}, {"code": "OLD"}, {}, {"reason": " "})
    ]

    assert [r["errors"] for r in results] == [
        [{"code": "UNKNOWN_REFUND_REASON", "field": "reasonCode"}],
        [{"code": "UNKNOWN_REFUND_REASON", "field": "reasonCode"}],
        [{"code": "REQUIRED", "field": "reason"}],
        [{"code": "REQUIRED", "field": "reason"}],
    ]
    assert await Refund.all().count() == 0
    assert (await OrderItem.get(order_id=order_pk(order))).refund_open is False
