"""Withdrawal configuration: the payee encryption key (required in production, derived from the
JWT secret elsewhere, rotatable), the payout provider (SANDBOX refused in production, MANUAL for
finance paying by hand), and what happens when stored payees cannot be decrypted."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from api.app import create_app
from api.config import AppConfig, ConfigError
from api.payouts.setup import build_payouts
from distribution import payees
from distribution.models import LedgerEntry, LedgerKind, Withdrawal
from domain.org.models import StaffRole
from tests.api.test_withdrawals import (
    CARD,
    PAY,
    RELEASE,
    REVIEW,
    admin,
    approved,
    assert_ledger_sound,
    balances,
    make_distributor,
    pk,
    request_ok,
)
from tests.fakes.wechat_pay import new_key, private_pem, public_pem
from tests.support.api import ApiFactory
from tests.support.api import test_config as config_for_tests

STRONG = "a-production-secret-of-more-than-32-bytes!!"


def production(**overrides: str) -> AppConfig:
    """A production configuration that starts, but for what `overrides` change."""
    settings = {
        "env": "production",
        "jwt_secret": STRONG,
        "login_provider": "WECHAT",
        "wechat_app_secret": "s",
        "payment_provider": "WECHAT_PAY_V3",
        "wechat_pay_mch_id": "1230000109",
        "wechat_pay_merchant_serial": "MERCHANT-SERIAL",
        "wechat_pay_merchant_key": private_pem(new_key()),
        "wechat_pay_platform_serial": "PUB_KEY_ID_1",
        "wechat_pay_platform_public_key": public_pem(new_key()),
        "wechat_pay_api_v3_key": "0123456789abcdef0123456789abcdef",
        "wechat_pay_notify_url": "https://shop.example.com/payments/notify/WECHAT_PAY_V3",
        "payee_encryption_key": Fernet.generate_key().decode(),
        "payout_provider": "MANUAL",
        "public_base_url": "https://shop.example.com",
    }
    settings.update(overrides)
    return AppConfig(**settings)


async def test_production_starts_with_a_key_and_manual_payouts():
    app = create_app(production(), manage_database=False)

    assert app.state.payouts.provider.name == "MANUAL"
    assert app.state.payouts.sandbox is None
    await app.state.payments.aclose()


def test_production_refuses_to_start_without_a_payee_key():
    with pytest.raises(ConfigError, match="PAYEE_ENCRYPTION_KEY must be set in production"):
        create_app(production(payee_encryption_key=""), manage_database=False)


def test_production_refuses_the_sandbox_payout_provider():
    with pytest.raises(ConfigError, match="SANDBOX payout provider"):
        create_app(production(payout_provider="SANDBOX"), manage_database=False)


def test_a_malformed_key_stops_the_start_without_showing_it():
    broken = "this-is-not-a-fernet-key-but-a-secret-value"

    with pytest.raises(ConfigError) as refused:
        create_app(AppConfig(jwt_secret=STRONG, payee_encryption_key=broken), manage_database=False)

    assert str(refused.value) == (
        "PAYEE_ENCRYPTION_KEY: not a Fernet key (url-safe base64 of 32 bytes)"
    )
    assert broken not in repr(AppConfig(jwt_secret=STRONG, payee_encryption_key=broken))


def test_outside_production_the_key_derives_from_the_jwt_secret():
    one = build_payouts(config_for_tests()).cipher
    same = build_payouts(config_for_tests()).cipher
    other = build_payouts(AppConfig(env="test", jwt_secret=STRONG)).cipher
    token = one.encrypt(CARD)

    assert CARD not in token
    assert same.decrypt(token) == CARD
    with pytest.raises(payees.PayeeUnreadable):
        other.decrypt(token)


def test_keys_rotate_the_first_encrypts_and_every_one_decrypts():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    before = build_payouts(config_for_tests(payee_encryption_key=old)).cipher
    after = build_payouts(config_for_tests(payee_encryption_key=f"{new},{old}")).cipher
    only_new = build_payouts(config_for_tests(payee_encryption_key=new)).cipher

    stored = before.encrypt(CARD)
    fresh = after.encrypt(CARD)

    assert after.decrypt(stored) == CARD
    assert only_new.decrypt(fresh) == CARD
    with pytest.raises(payees.PayeeUnreadable):
        only_new.decrypt(stored)


async def test_manual_payouts_record_what_finance_paid_by_hand(db):
    api = ApiFactory(payout_provider="MANUAL")
    account, finance, withdrawal = await approved(api)

    paid = await admin(finance, PAY, id=withdrawal["id"])

    assert paid["errors"] == []
    assert paid["withdrawal"]["status"] == "PAID"
    row = await LedgerEntry.get(kind=LedgerKind.PAID)
    assert row.reason == f"payout MANUAL MANUAL-{pk(withdrawal)}"
    assert (await balances(account))["withdrawn"] == 1000
    await assert_ledger_sound()


async def test_a_payee_that_cannot_be_decrypted_fails_the_payout_and_can_be_released(api):
    member, _, account = await make_distributor(api, available=5000)
    withdrawal = await request_ok(member, 1000)
    finance = await api.staff(StaffRole.HQ_FINANCE)
    await admin(finance, REVIEW, id=withdrawal["id"], approve=True, note="")
    # The key changes without the old one being kept.
    ApiFactory(payee_encryption_key=Fernet.generate_key().decode())

    failed = await admin(finance, PAY, id=withdrawal["id"])
    hq_admin = await api.staff(StaffRole.HQ_ADMIN)
    seen = await admin(hq_admin, "{ withdrawals { edges { node { payee { account } } } } }")
    released = await admin(finance, RELEASE, id=withdrawal["id"])

    assert [e["code"] for e in failed["errors"]] == ["PAYOUT_FAILED"]
    assert failed["withdrawal"]["failureReason"] == (
        "payee details cannot be decrypted (encryption key changed?)"
    )
    assert seen["edges"][0]["node"]["payee"]["account"] == "**** **** **** 0123"
    assert released["withdrawal"]["status"] == "RELEASED"
    assert (await balances(account))["available"] == 5000
    assert (await Withdrawal.get(id=pk(withdrawal))).status == "RELEASED"
    await assert_ledger_sound()
