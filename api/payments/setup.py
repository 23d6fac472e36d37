"""Which payment providers this process runs, built once from configuration at start-up.

The sandbox runs everywhere but production, so development and tests can pay orders; WeChat Pay
runs when PAYMENT_PROVIDER says so. Bad key material stops the start (a ConfigError naming the
setting, never its value) rather than the first payment.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm

from api.config import AppConfig, ConfigError
from api.payments.sandbox import SandboxProvider
from api.payments.wechat_v3 import (
    NotificationVerifier,
    PlatformKey,
    WechatPayV3Provider,
    api_v3_key,
    load_private_key,
    load_public_key,
)
from domain.payments.provider import PaymentProvider

_KEY_ERRORS = (OSError, ValueError, TypeError, UnsupportedAlgorithm)


@dataclass
class Payments:
    """The enabled providers by name, and the verifier of each one's notifications."""

    providers: dict[str, PaymentProvider]
    verifiers: dict[str, NotificationVerifier]
    sandbox: SandboxProvider | None

    async def aclose(self) -> None:
        for provider in self.providers.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()


def build_payments(config: AppConfig) -> Payments:
    payments = Payments(providers={}, verifiers={}, sandbox=None)
    if not config.production:
        sandbox = SandboxProvider(config.pay_app_id)
        payments.sandbox = sandbox
        payments.providers[sandbox.name] = sandbox
        payments.verifiers[sandbox.name] = sandbox.verifier
    if config.payment_provider == WechatPayV3Provider.name:
        wechat, verifier = build_wechat_pay(config)
        payments.providers[wechat.name] = wechat
        payments.verifiers[wechat.name] = verifier
    return payments


def build_wechat_pay(config: AppConfig) -> tuple[WechatPayV3Provider, NotificationVerifier]:
    missing = config.missing_wechat_pay_settings()
    if missing:
        raise ConfigError(f"WECHAT_PAY_V3 needs {', '.join(missing)}")
    try:
        merchant_key = load_private_key(config.wechat_pay_merchant_key)
    except _KEY_ERRORS:
        raise ConfigError("WECHAT_PAY_MERCHANT_KEY is not an RSA private key (PEM)") from None
    try:
        platform_key = load_public_key(config.wechat_pay_platform_public_key)
    except _KEY_ERRORS:
        raise ConfigError(
            "WECHAT_PAY_PLATFORM_PUBLIC_KEY is not an RSA public key or certificate (PEM)"
        ) from None
    try:
        aead_key = api_v3_key(config.wechat_pay_api_v3_key)
    except ValueError as error:
        raise ConfigError(f"WECHAT_PAY_API_V3_KEY: {error}") from None
    platform = PlatformKey(config.wechat_pay_platform_serial, platform_key)
    provider = WechatPayV3Provider(
        mch_id=config.wechat_pay_mch_id,
        app_id=config.pay_app_id,
        merchant_serial=config.wechat_pay_merchant_serial,
        merchant_key=merchant_key,
        platform=platform,
        notify_url=config.wechat_pay_notify_url,
        base_url=config.wechat_pay_base_url,
    )
    return provider, NotificationVerifier(platform, aead_key, config.wechat_pay_mch_id)
