"""The SANDBOX provider end to end over HTTP: its notifications take the real notify path, and it
does not exist in production."""

from __future__ import annotations

from datetime import timedelta

import httpx
from cryptography.fernet import Fernet

from api.app import create_app
from api.config import AppConfig
from domain import clock
from domain.orders.models import Order, OrderStatus
from domain.payments.models import Payment, PaymentNotification, PaymentStatus
from domain.payments.provider import RefundRequest
from domain.payments.service import start_payment
from tests.fakes.wechat_pay import new_key, private_pem, public_pem, rsa_verifies
from tests.support.orders import unpaid_order

STRONG = "a-production-secret-of-more-than-32-bytes!!"


async def sandbox_attempt(payable_fen: int = 8800) -> tuple[Order, Payment]:
    order = await unpaid_order(payable_fen)
    started = await start_payment(order, "SANDBOX", "openid-sandbox")
    return order, started.payment


async def outcomes() -> list[str]:
    return [n.outcome for n in await PaymentNotification.all().order_by("id")]


async def test_sandbox_pay_params_have_the_wechat_shape_and_a_real_signature(api):
    order = await unpaid_order(8800)

    params = (await start_payment(order, "SANDBOX", "openid-sandbox")).client_params

    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["appId"] == "wx-dev-app"
    assert params["package"].startswith("prepay_id=sandbox_")
    assert params["signType"] == "RSA"
    signed = (
        f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    )
    sandbox = api.app.state.payments.sandbox
    assert rsa_verifies(sandbox.merchant_public_key, signed, params["paySign"])


async def test_succeed_pays_the_order_once(api):
    order, payment = await sandbox_attempt()
    succeed = f"/payments/sandbox/{payment.out_trade_no}/succeed"

    first = await api.http.post(succeed)
    await order.refresh_from_db()
    paid_at = order.paid_at
    repeat = await api.http.post(succeed)

    assert (first.status_code, first.content) == (204, b"")
    assert (repeat.status_code, repeat.content) == (204, b"")
    await order.refresh_from_db()
    await payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert paid_at is not None and order.paid_at == paid_at
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.transaction_id is not None and len(payment.transaction_id) == 28
    assert await outcomes() == ["PAID", "REPEAT"]


async def test_succeed_with_another_amount_is_refused_and_leaves_the_order_unpaid(api):
    order, payment = await sandbox_attempt(8800)

    response = await api.http.post(
        f"/payments/sandbox/{payment.out_trade_no}/succeed", json={"amountFen": 8700}
    )

    assert response.status_code == 400
    assert response.json() == {"code": "FAIL", "message": "amount mismatch"}
    await order.refresh_from_db()
    assert (order.status, order.paid_at) == (OrderStatus.PENDING_PAYMENT, None)
    assert await Payment.filter(status=PaymentStatus.SUCCEEDED).count() == 0
    assert await outcomes() == ["AMOUNT_MISMATCH"]


async def test_succeed_for_an_unknown_payment_is_not_found(api):
    response = await api.http.post("/payments/sandbox/P-NOT-OURS/succeed")

    assert response.status_code == 404
    assert await outcomes() == []


async def test_sandbox_notifications_are_verified_like_wechat_ones(api):
    order, payment = await sandbox_attempt()
    sandbox = api.app.state.payments.sandbox
    headers, body = sandbox.notification(payment.out_trade_no, payment.amount_fen)
    forged = body.replace(b'"summary":"', b'"summary":"forged ')
    assert forged != body

    response = await api.http.post("/payments/notify/SANDBOX", content=forged, headers=headers)

    assert response.status_code == 401
    await order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert await outcomes() == ["BAD_SIGNATURE"]


async def test_succeed_works_on_a_moved_clock(api):
    """Jobs and tests move `domain.clock`; the sandbox signs with the same clock it checks."""
    with clock.frozen_at(clock.now() + timedelta(minutes=10)):
        order, payment = await sandbox_attempt()
        response = await api.http.post(f"/payments/sandbox/{payment.out_trade_no}/succeed")

    assert response.status_code == 204
    await order.refresh_from_db()
    assert order.status == OrderStatus.PAID


async def test_sandbox_refunds_are_idempotent_per_out_refund_no(api):
    sandbox = api.app.state.payments.sandbox
    refund = RefundRequest("P0001", "R0001", refund_fen=300, total_fen=8800, reason="破损")

    await sandbox.refund(refund)
    await sandbox.refund(refund)

    assert sandbox.refunds == {"R0001": refund}


async def test_there_is_no_sandbox_in_production():
    platform = new_key()
    config = AppConfig(
        env="production",
        jwt_secret=STRONG,
        login_provider="WECHAT",
        wechat_app_secret="s",
        payment_provider="WECHAT_PAY_V3",
        wechat_pay_mch_id="1230000109",
        wechat_pay_merchant_serial="MERCHANT-SERIAL",
        wechat_pay_merchant_key=private_pem(new_key()),
        wechat_pay_platform_serial="PUB_KEY_ID_1",
        wechat_pay_platform_public_key=public_pem(platform),
        wechat_pay_api_v3_key="0123456789abcdef0123456789abcdef",
        wechat_pay_notify_url="https://shop.example.com/payments/notify/WECHAT_PAY_V3",
        public_base_url="https://shop.example.com",
        payee_encryption_key=Fernet.generate_key().decode(),
        payout_provider="MANUAL",
    )
    app = create_app(config, manage_database=False)
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        succeed = await http.post("/payments/sandbox/P0001/succeed")
        notify = await http.post("/payments/notify/SANDBOX", content=b"{}")

    assert succeed.status_code == 404
    assert notify.status_code == 404
    assert app.state.payments.sandbox is None
    assert config.graphiql is False
    assert sorted(app.state.payments.providers) == ["WECHAT_PAY_V3"]
    await app.state.payments.aclose()
