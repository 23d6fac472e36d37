"""The checkout's SQL statements, pinned (issue 11): a paid checkout is 25 statements, 9 to
place, 4 to pay and 12 for the notification (README: "The payment path reads each row once";
the 12th is the outbox row announcing the payment to notifications, issue 14),
as `bench/checkout.py` counts them: the second checkout of a member, with settings cached as on
a busy server. A change that adds a statement to the path every paid order takes fails here
first; the statements are listed in the failure."""

from domain.orders.models import Order, OrderStatus
from domain.payments.models import Payment, PaymentStatus
from tests.support.catalog import make_category, make_product
from tests.support.orders import PAY, delivery, place_ok
from tests.support.sql import count_statements


async def _checkout(api, member, sku) -> dict[str, list[str]]:
    """placeOrder, payOrder and the sandbox's notification, each step's statements."""
    steps: dict[str, list[str]] = {}
    with count_statements(cold_settings=False) as log:
        order = await place_ok(member.client, delivery((sku, 1)))
    steps["place"] = log.statements
    with count_statements(cold_settings=False) as log:
        started = (await member.client.data(PAY, {"id": order["id"]}))["payOrder"]
    assert started["errors"] == []
    steps["pay"] = log.statements
    with count_statements(cold_settings=False) as log:
        response = await api.http.post(f"/payments/sandbox/{started['outTradeNo']}/succeed")
    assert response.status_code == 204
    steps["notification"] = log.statements
    return steps


async def test_a_paid_checkout_runs_9_statements_to_place_4_to_pay_12_to_notify(api):
    member = await api.member()
    product = await make_product(await make_category(), (12_900,))
    sku = (await product.skus.all())[0]
    await _checkout(api, member, sku)  # the first warms what a running server has warm

    steps = await _checkout(api, member, sku)

    counts = {step: len(statements) for step, statements in steps.items()}
    assert counts == {"place": 9, "pay": 4, "notification": 12}, steps
    assert await Order.filter(status=OrderStatus.PAID).count() == 2
    assert await Payment.filter(status=PaymentStatus.SUCCEEDED).count() == 2
