"""SPEC 1: times are stored in UTC and every API DateTime is shown in Asia/Shanghai (+08:00), on
both schemas; an input may carry any offset."""

from datetime import UTC, datetime

from domain import clock
from domain.org.models import StaffRole
from tests.support.commission import sku
from tests.support.orders import delivery, place_ok

SHOP_ORDER = "query($id: ID!) { order(id: $id) { createdAt payDeadline paidAt } }"
ADMIN_ORDER = "query($id: ID!) { order(id: $id) { createdAt payDeadline } }"
SET_RULES = """
mutation($rules: [CommissionRuleInput!]!) {
  setCommissionRules(rules: $rules) { rules { role activeFrom activeTo } errors { code field } }
}
"""


async def test_an_order_placed_late_in_the_utc_evening_shows_the_next_shanghai_day(api):
    with clock.frozen_at(datetime(2026, 3, 1, 17, 30, tzinfo=UTC)):
        # given an order placed at 17:30 UTC, which is 01:30 the next morning in Shanghai
        member = await api.member()
        admin = await api.staff(StaffRole.HQ_ADMIN)
        order = await place_ok(member.client, delivery((await sku(10000), 1)))

        # when the member and HQ read it
        shown = (await member.client.data(SHOP_ORDER, {"id": order["id"]}))["order"]
        staff_view = (await admin.client.data(ADMIN_ORDER, {"id": order["id"]}))["order"]

    # then both see Shanghai time with its offset
    assert shown == {
        "createdAt": "2026-03-02T01:30:00+08:00",
        "payDeadline": "2026-03-02T02:00:00+08:00",
        "paidAt": None,
    }
    assert staff_view == {
        "createdAt": "2026-03-02T01:30:00+08:00",
        "payDeadline": "2026-03-02T02:00:00+08:00",
    }


async def test_a_datetime_input_with_any_offset_is_accepted_and_shown_in_shanghai(api):
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    rules = [
        {
            "role": "LEVEL1",
            "scope": "ALL",
            "rateBp": 1000,
            "activeFrom": "2026-03-10T00:00:00Z",
            "activeTo": "2026-03-11T09:00:00+09:00",
        }
    ]

    saved = (await operator.client.data(SET_RULES, {"rules": rules}))["setCommissionRules"]

    assert saved == {
        "rules": [
            {
                "role": "LEVEL1",
                "activeFrom": "2026-03-10T08:00:00+08:00",
                "activeTo": "2026-03-11T08:00:00+08:00",
            }
        ],
        "errors": [],
    }
