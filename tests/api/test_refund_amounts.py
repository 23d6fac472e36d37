"""A refund amount that is not positive says so (issue 11): it is not an amount "above what was
paid", and asking for it changes nothing."""

import pytest

from domain.orders.models import OrderItem, Refund
from tests.api.test_refunds import paid_order, request
from tests.support.orders import order_pk


@pytest.mark.parametrize("amount", [0, -1, -10000])
async def test_a_refund_of_zero_or_less_is_refused_as_not_positive(api, amount):
    member, order, _ = await paid_order(api, (2,))

    result = await request(member, order, amount)

    assert result == {
        "refund": None,
        "errors": [{"code": "AMOUNT_NOT_POSITIVE", "field": "amountFen"}],
    }
    item = await OrderItem.get(order_id=order_pk(order))
    assert (item.refunded_fen, item.refund_open) == (0, False)
    assert await Refund.all().count() == 0


async def test_a_refund_above_what_was_paid_still_says_so(api):
    member, order, _ = await paid_order(api, (2,))

    result = await request(member, order, 10001)

    assert result["errors"] == [{"code": "REFUND_EXCEEDS_PAID", "field": "amountFen"}]
    assert await Refund.all().count() == 0
