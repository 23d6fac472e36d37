"""Both verification modes of WeChat Pay (SPEC 20) against the fake over real HTTP: platform
certificates downloaded from /v3/certificates, rotated mid-run and chosen by Wechatpay-Serial;
the WeChat Pay public key (PUB_KEY_ID_…) from configuration; and sensitive fields encrypted with
the key of the mode in use."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from api.config import ConfigError
from api.payments.setup import build_wechat_pay
from domain.orders.models import OrderStatus
from tests.api.test_payments_wechat import (
    APP_ID,
    MCH_ID,
    NOTIFY_PATH,
    outcomes,
    paid_attempt,
    wechat_pay_settings,
)
from tests.fakes.wechat_pay import (
    CERTIFICATES,
    FakeWechatPay,
    new_key,
    public_pem,
    running_fake_wechat_pay,
)
from tests.support import api as support
from tests.support.api import ApiFactory


@pytest.fixture
async def wechat_pay() -> AsyncIterator[FakeWechatPay]:
    async with running_fake_wechat_pay(MCH_ID, APP_ID) as fake:
        yield fake


def certificate_mode(fake: FakeWechatPay) -> dict[str, str]:
    """No platform key configured: the certificates are downloaded."""
    fake.use_certificates()
    settings = wechat_pay_settings(fake)
    del settings["wechat_pay_platform_serial"], settings["wechat_pay_platform_public_key"]
    return settings


def public_key_mode(fake: FakeWechatPay) -> dict[str, str]:
    settings = wechat_pay_settings(fake)
    del settings["wechat_pay_platform_serial"], settings["wechat_pay_platform_public_key"]
    return settings | {
        "wechat_pay_public_key_id": fake.platform_serial,
        "wechat_pay_public_key": public_pem(fake.platform_key),
    }


@pytest.fixture
async def shop_with(db) -> AsyncIterator:
    made: list[ApiFactory] = []

    def make(settings: dict[str, str]) -> ApiFactory:
        made.append(ApiFactory(**settings))
        return made[-1]

    yield make
    for api in made:
        await api.app.state.payments.aclose()


async def notify_paid(shop: ApiFactory, fake: FakeWechatPay) -> tuple[int, OrderStatus]:
    order, payment = await paid_attempt()
    headers, body = fake.notification(payment.out_trade_no, 12900)
    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)
    await order.refresh_from_db()
    return response.status_code, order.status


def decrypt(fake_key, ciphertext: str) -> str:
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)  # noqa: S303
    return fake_key.decrypt(base64.b64decode(ciphertext), oaep).decode()


async def test_a_certificate_rotation_mid_run_is_downloaded_on_the_new_serial(
    shop_with, wechat_pay
):
    shop = shop_with(certificate_mode(wechat_pay))
    first_serial = wechat_pay.platform_serial

    before_rotation = await notify_paid(shop, wechat_pay)
    downloads_before = wechat_pay.calls[CERTIFICATES]
    wechat_pay.rotate_certificate()
    after_rotation = await notify_paid(shop, wechat_pay)
    downloads_after = wechat_pay.calls[CERTIFICATES]
    headers, body = wechat_pay.notification("P-FORGED", 12900, serial="0123456789ABCDEF")
    forged = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert before_rotation == after_rotation == (204, OrderStatus.PAID)
    assert (downloads_before, downloads_after) == (1, 2)
    assert wechat_pay.platform_serial != first_serial
    keys = shop.app.state.payments.providers["WECHAT_PAY_V3"].keys
    assert keys.known_serials() == sorted([first_serial, wechat_pay.platform_serial])
    # An unknown serial right after a refresh downloads nothing more, and is refused.
    assert forged.status_code == 401
    assert wechat_pay.calls[CERTIFICATES] == 2
    assert [o for o, _ in await outcomes()] == ["PAID", "PAID", "BAD_SIGNATURE"]


async def test_the_old_certificate_still_verifies_while_both_are_listed(shop_with, wechat_pay):
    shop = shop_with(certificate_mode(wechat_pay))
    old_key, old_serial = wechat_pay.platform_key, wechat_pay.platform_serial
    await notify_paid(shop, wechat_pay)
    wechat_pay.rotate_certificate()
    await notify_paid(shop, wechat_pay)

    order, payment = await paid_attempt()
    headers, body = wechat_pay.notification(
        payment.out_trade_no, 12900, signing_key=old_key, serial=old_serial
    )
    response = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert response.status_code == 204
    await order.refresh_from_db()
    assert order.status == OrderStatus.PAID


async def test_the_public_key_mode_verifies_without_downloading(shop_with, wechat_pay):
    shop = shop_with(public_key_mode(wechat_pay))

    paid = await notify_paid(shop, wechat_pay)
    headers, body = wechat_pay.notification("P-X", 12900, signing_key=new_key())
    forged = await shop.http.post(NOTIFY_PATH, content=body, headers=headers)

    assert paid == (204, OrderStatus.PAID)
    assert forged.status_code == 401
    assert wechat_pay.calls[CERTIFICATES] == 0
    assert [o for o, _ in await outcomes()] == ["PAID", "BAD_SIGNATURE"]


async def test_sensitive_fields_are_encrypted_for_the_mode_in_use(shop_with, wechat_pay):
    public = shop_with(public_key_mode(wechat_pay)).app.state.payments.providers["WECHAT_PAY_V3"]
    ciphertext, serial = await public.encrypt_sensitive("张三")
    assert (serial, decrypt(wechat_pay.platform_key, ciphertext)) == (
        wechat_pay.platform_serial,
        "张三",
    )

    certified = shop_with(certificate_mode(wechat_pay)).app.state.payments.providers[
        "WECHAT_PAY_V3"
    ]
    wechat_pay.rotate_certificate()
    ciphertext, serial = await certified.encrypt_sensitive("李四")

    # The newest certificate (it expires last) encrypts.
    assert (serial, decrypt(wechat_pay.platform_key, ciphertext)) == (
        wechat_pay.platform_serial,
        "李四",
    )


def test_a_public_key_id_must_say_it_is_one(wechat_pay):
    settings = public_key_mode(wechat_pay) | {"wechat_pay_public_key_id": "5157F09EFDC096DE"}

    with pytest.raises(ConfigError) as refused:
        build_wechat_pay(support.test_config(**settings))

    assert str(refused.value) == "WECHAT_PAY_PUBLIC_KEY_ID must start with PUB_KEY_ID_"


def test_half_a_platform_key_is_refused(wechat_pay):
    settings = wechat_pay_settings(wechat_pay)
    del settings["wechat_pay_platform_public_key"]

    with pytest.raises(ConfigError) as refused:
        build_wechat_pay(support.test_config(**settings))

    assert str(refused.value) == (
        "WECHAT_PAY_PLATFORM_SERIAL and WECHAT_PAY_PLATFORM_PUBLIC_KEY go together"
    )
