"""WeChat Pay v3 against a fake speaking its protocol over real HTTP on loopback: prepay and
refunds signed both ways, and notifications through the app's notify route."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet

from api.app import create_app
from api.config import AppConfig, ConfigError
from api.payments.wechat_v3 import PlatformKey, WechatPayV3Provider
from domain import clock
from domain.orders.models import Order, OrderStatus
from domain.payments.models import Payment, PaymentNotification, PaymentStatus
from domain.payments.provider import OutcomeUnknown, PrepayRequest, ProviderError, RefundRequest
from domain.payments.service import start_payment
from tests.fakes.wechat_pay import (
    JSAPI,
    REFUNDS,
    FakeWechatPay,
    new_key,
    private_pem,
    public_pem,
    rsa_verifies,
    running_fake_wechat_pay,
)
from tests.support.api import ApiFactory
from tests.support.orders import unpaid_order

MCH_ID = "1230000109"
APP_ID = "wxd678efh567hg6787"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
NOTIFY_URL = "https://shop.example.com/payments/notify/WECHAT_PAY_V3"
NOTIFY_PATH = "/payments/notify/WECHAT_PAY_V3"
STRONG = "a-production-secret-of-more-than-32-bytes!!"
EXPIRES_AT = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
async def wechat_pay() -> AsyncIterator[FakeWechatPay]:
    async with running_fake_wechat_pay(MCH_ID, APP_ID) as fake:
        yield fake


def provider_for(fake: FakeWechatPay, merchant_key=None, timeout: float = 2.0):
    return WechatPayV3Provider(
        mch_id=MCH_ID,
        app_id=APP_ID,
        merchant_serial=fake.merchant_serial,
        merchant_key=merchant_key or fake.merchant_key,
        platform=PlatformKey(fake.platform_serial, fake.platform_key.public_key()),
        notify_url=NOTIFY_URL,
        base_url=fake.base_url,
        timeout=timeout,
    )


@pytest.fixture
async def provider(wechat_pay: FakeWechatPay) -> AsyncIterator[WechatPayV3Provider]:
    provider = provider_for(wechat_pay)
    yield provider
    await provider.aclose()


def wechat_pay_settings(fake: FakeWechatPay) -> dict[str, str]:
    return {
        "payment_provider": "WECHAT_PAY_V3",
        "wechat_app_id": APP_ID,
        "wechat_pay_mch_id": MCH_ID,
        "wechat_pay_merchant_serial": fake.merchant_serial,
        "wechat_pay_merchant_key": private_pem(fake.merchant_key),
        "wechat_pay_platform_serial": fake.platform_serial,
        "wechat_pay_platform_public_key": public_pem(fake.platform_key),
        "wechat_pay_api_v3_key": fake.api_v3_key,
        "wechat_pay_base_url": fake.base_url,
        "wechat_pay_notify_url": NOTIFY_URL,
    }


@pytest.fixture
async def shop(db, wechat_pay: FakeWechatPay) -> AsyncIterator[ApiFactory]:
    """The app configured for WeChat Pay against the fake."""
    api = ApiFactory(**wechat_pay_settings(wechat_pay))
    yield api
    await api.app.state.payments.aclose()


def prepay_request(out_trade_no: str = "P0001", amount_fen: int = 12900) -> PrepayRequest:
    return PrepayRequest(
        out_trade_no=out_trade_no,
        amount_fen=amount_fen,
        description="订单 T0001",
        payer_openid=OPENID,
        expires_at=EXPIRES_AT,
    )


async def outcomes() -> list[tuple[str, str]]:
    return [(n.outcome, n.detail) for n in await PaymentNotification.all().order_by("id")]


async def assert_unpaid(order: Order, payment: Payment) -> None:
    await order.refresh_from_db()
    await payment.refresh_from_db()
    assert (order.status, order.paid_at) == (OrderStatus.PENDING_PAYMENT, None)
    assert (payment.status, payment.transaction_id) == (PaymentStatus.PENDING, None)


# Prepay


async def test_prepay_returns_the_mini_program_params_signed_by_the_merchant(wechat_pay, provider):
    params = await provider.prepay(prepay_request())

    prepay = wechat_pay.prepays["P0001"]
    assert set(params) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert params["appId"] == APP_ID
    assert params["package"] == f"prepay_id={prepay.prepay_id}"
    assert params["signType"] == "RSA"
    assert params["timeStamp"].isdigit()
    signed = f"{APP_ID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert rsa_verifies(wechat_pay.merchant_key.public_key(), signed, params["paySign"])
    assert prepay.body == {
        "appid": APP_ID,
        "mchid": MCH_ID,
        "description": "订单 T0001",
        "out_trade_no": "P0001",
        "time_expire": "2030-01-02T11:04:05+08:00",
        "notify_url": NOTIFY_URL,
        "amount": {"total": 12900, "currency": "CNY"},
        "payer": {"openid": OPENID},
    }


async def test_prepay_signed_with_another_merchant_key_is_refused(wechat_pay):
    impostor = provider_for(wechat_pay, merchant_key=new_key())
    try:
        with pytest.raises(ProviderError) as refused:
            await impostor.prepay(prepay_request())
    finally:
        await impostor.aclose()

    assert str(refused.value) == "HTTP 401 SIGN_ERROR"
    assert wechat_pay.calls[JSAPI] == 1
    assert wechat_pay.prepays == {}


@pytest.mark.parametrize(
    ("answer_key", "reason"),
    [(None, "missing signature headers"), (new_key(), "bad signature")],
    ids=["unsigned", "signed-by-another-key"],
)
async def test_an_answer_not_signed_by_the_platform_is_refused(
    wechat_pay, provider, answer_key, reason
):
    wechat_pay.answer_key = answer_key

    with pytest.raises(OutcomeUnknown) as refused:
        await provider.prepay(prepay_request())

    # WeChat answered 2xx: it may have acted, so the caller must ask before retrying.
    assert str(refused.value) == f"answer refused: {reason}"


async def test_a_slow_answer_is_a_provider_error(wechat_pay):
    wechat_pay.delay = 0.5
    impatient = provider_for(wechat_pay, timeout=0.1)
    try:
        with pytest.raises(ProviderError) as refused:
            await impatient.prepay(prepay_request())
    finally:
        await impatient.aclose()

    assert str(refused.value) == "timeout"


async def test_prepay_without_an_openid_is_refused_before_calling(wechat_pay, provider):
    request = PrepayRequest("P0002", 100, "订单", None, EXPIRES_AT)

    with pytest.raises(ProviderError):
        await provider.prepay(request)

    assert wechat_pay.calls[JSAPI] == 0


async def test_provider_errors_carry_no_openid(wechat_pay, provider):
    with pytest.raises(ProviderError) as refused:
        await provider.prepay(prepay_request(amount_fen=0))

    assert str(refused.value) == "HTTP 400 PARAM_ERROR"
    assert OPENID not in str(refused.value)


# Refunds


async def test_a_repeated_refund_is_the_same_refund(wechat_pay, provider):
    await provider.prepay(prepay_request())
    refund = RefundRequest("P0001", "R0001", refund_fen=5000, total_fen=12900, reason="尺码不合适")

    await provider.refund(refund)
    await provider.refund(refund)

    assert wechat_pay.calls[REFUNDS] == 2
    assert list(wechat_pay.refunds) == ["R0001"]
    assert wechat_pay.refunds["R0001"]["amount"] == {
        "refund": 5000,
        "total": 12900,
        "currency": "CNY",
    }


async def test_a_refund_wechat_refuses_is_a_provider_error(wechat_pay, provider):
    await provider.prepay(prepay_request())

    with pytest.raises(ProviderError) as refused:
        await provider.refund(RefundRequest("P0001", "R0002", 20000, 12900, "超额"))

    assert str(refused.value) == "HTTP 400 INVALID_REQUEST"
    assert wechat_pay.refunds == {}


async def test_a_refund_wechat_closes_is_reported_closed_not_done(wechat_pay, provider):
    await provider.prepay(prepay_request())
    wechat_pay.refund_status = "CLOSED"

    outcome = await provider.refund(RefundRequest("P0001", "R0003", 100, 12900, "关闭"))

    assert (outcome.out_refund_no, outcome.state, outcome.amount_fen) == ("R0003", "CLOSED", 100)


# Notifications


async def paid_attempt(payable_fen: int = 12900) -> tuple[Order, Payment]:
    order = await unpaid_order(payable_fen)
    started = await start_payment(order, "WECHAT_PAY_V3", OPENID)
    return order, started.payment


async def test_a_good_notification_pays_the_order(shop, wechat_pay):
    order, payment = await paid_attempt()
    headers, body = wechat_pay.notification(payment.out_trade_no, 12900)

    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert (response.status_code, response.content) == (204, b"")
    await order.refresh_from_db()
    await payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.transaction_id is not None and payment.transaction_id.startswith("4200001234")
    assert await outcomes() == [("PAID", "")]


async def test_a_replayed_notification_changes_nothing(shop, wechat_pay):
    order, payment = await paid_attempt()
    headers, body = wechat_pay.notification(payment.out_trade_no, 12900)
    await shop.http.post(NOTIFY_PATH, content=body, headers=headers)
    await order.refresh_from_db()
    paid_at = order.paid_at

    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert (response.status_code, response.content) == (204, b"")
    await order.refresh_from_db()
    assert (order.status, order.paid_at) == (OrderStatus.PAID, paid_at)
    assert await Payment.filter(status=PaymentStatus.SUCCEEDED).count() == 1
    assert await outcomes() == [("PAID", ""), ("REPEAT", "")]


def tampered(fake: FakeWechatPay, out_trade_no: str) -> tuple[dict[str, str], bytes]:
    headers, body = fake.notification(out_trade_no, 12900)
    return headers, body.replace(b"EV-2018022511223320873", b"EV-2018022511223320874")


def signed_by_another_key(fake: FakeWechatPay, out_trade_no: str):
    return fake.notification(out_trade_no, 12900, signing_key=new_key())


def stale(fake: FakeWechatPay, out_trade_no: str):
    six_minutes_ago = int(clock.now().timestamp()) - 6 * 60
    return fake.notification(out_trade_no, 12900, timestamp=six_minutes_ago)


def from_another_serial(fake: FakeWechatPay, out_trade_no: str):
    return fake.notification(out_trade_no, 12900, serial="PUB_KEY_ID_SOMEONE_ELSE")


def encrypted_with_another_key(fake: FakeWechatPay, out_trade_no: str):
    fake.api_v3_key = secrets.token_hex(16)
    return fake.notification(out_trade_no, 12900)


def unsigned(fake: FakeWechatPay, out_trade_no: str):
    headers, body = fake.notification(out_trade_no, 12900)
    del headers["Wechatpay-Signature"]
    return headers, body


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (tampered, "bad signature"),
        (signed_by_another_key, "bad signature"),
        (stale, "stale timestamp"),
        (from_another_serial, "unknown platform serial"),
        (encrypted_with_another_key, "cannot decrypt"),
        (unsigned, "missing signature headers"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
async def test_a_notification_that_fails_verification_is_refused(
    shop, wechat_pay, caplog, forge, reason
):
    order, payment = await paid_attempt()
    headers, body = forge(wechat_pay, payment.out_trade_no)

    with caplog.at_level(logging.WARNING, logger="siyu.payments.notify"):
        response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"code": "FAIL", "message": "verification failed"}
    await assert_unpaid(order, payment)
    assert await outcomes() == [("BAD_SIGNATURE", reason)]
    refusals = [r for r in caplog.records if r.name == "siyu.payments.notify"]
    assert [(r.getMessage(), r.why) for r in refusals] == [("payment notification refused", reason)]


async def test_a_notification_with_another_amount_is_refused(shop, wechat_pay):
    order, payment = await paid_attempt(12900)
    headers, body = wechat_pay.notification(payment.out_trade_no, 1)

    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert response.status_code == 400
    assert response.json() == {"code": "FAIL", "message": "amount mismatch"}
    await assert_unpaid(order, payment)
    assert await outcomes() == [("AMOUNT_MISMATCH", "1")]


async def test_a_notification_for_an_unknown_payment_is_refused(shop, wechat_pay):
    headers, body = wechat_pay.notification("P-NOT-OURS", 12900)

    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert response.status_code == 400
    assert response.json() == {"code": "FAIL", "message": "unknown out_trade_no"}
    assert await outcomes() == [("UNKNOWN_PAYMENT", "")]


async def test_a_notification_of_an_unpaid_state_changes_nothing(shop, wechat_pay):
    order, payment = await paid_attempt()
    headers, body = wechat_pay.notification(payment.out_trade_no, 12900, trade_state="CLOSED")

    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert (response.status_code, response.content) == (204, b"")
    await assert_unpaid(order, payment)
    assert await outcomes() == []


async def test_an_oversized_notification_is_refused_unread(shop, wechat_pay):
    order, payment = await paid_attempt()
    headers, _ = wechat_pay.notification(payment.out_trade_no, 12900)
    body = json.dumps({"padding": "x" * 70_000}).encode()

    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert response.status_code == 413
    await assert_unpaid(order, payment)
    assert await outcomes() == [("BAD_SIGNATURE", "body too large")]


async def test_notifications_for_a_provider_not_running_are_not_found(shop, wechat_pay):
    headers, body = wechat_pay.notification("P0001", 12900)

    response = await shop.http.post("/payments/notify/ALIPAY", content=body, headers=headers)

    assert response.status_code == 404
    assert await outcomes() == []


# Configuration


PAYEE_KEY = Fernet.generate_key().decode()


def production(**settings: str) -> AppConfig:
    return AppConfig(
        env="production",
        jwt_secret=STRONG,
        login_provider="WECHAT",
        wechat_app_secret="s",
        payee_encryption_key=PAYEE_KEY,
        payout_provider="MANUAL",
        public_base_url="https://shop.example.com",
        **settings,
    )


def test_production_refuses_the_sandbox():
    with pytest.raises(ConfigError, match="SANDBOX"):
        create_app(production(), manage_database=False)


async def test_wechat_pay_refuses_to_start_without_its_keys(wechat_pay):
    settings = wechat_pay_settings(wechat_pay)
    del settings["wechat_pay_api_v3_key"], settings["wechat_pay_merchant_key"]

    with pytest.raises(ConfigError) as refused:
        create_app(production(**settings), manage_database=False)

    assert (
        str(refused.value) == "WECHAT_PAY_V3 needs WECHAT_PAY_MERCHANT_KEY, WECHAT_PAY_API_V3_KEY"
    )


async def test_a_broken_key_stops_the_start_without_showing_it(wechat_pay):
    settings = wechat_pay_settings(wechat_pay)
    broken = settings["wechat_pay_merchant_key"][:200]
    settings["wechat_pay_merchant_key"] = broken

    with pytest.raises(ConfigError) as refused:
        create_app(AppConfig(jwt_secret=STRONG, **settings), manage_database=False)

    assert str(refused.value) == "WECHAT_PAY_MERCHANT_KEY is not an RSA private key (PEM)"
    assert broken[40:80] not in str(refused.value)


async def test_keys_can_be_files(wechat_pay, tmp_path):
    settings = wechat_pay_settings(wechat_pay)
    for name in ("wechat_pay_merchant_key", "wechat_pay_platform_public_key"):
        path = tmp_path / f"{name}.pem"
        path.write_text(settings[name])
        settings[name] = str(path)

    app = create_app(production(**settings), manage_database=False)

    assert sorted(app.state.payments.providers) == ["WECHAT_PAY_V3"]
    assert app.state.payments.sandbox is None
    await app.state.payments.aclose()
