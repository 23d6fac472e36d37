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
    PUBLIC_KEY_PREFIX,
    NotificationVerifier,
    PlatformKey,
    PlatformKeys,
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


def _configured_key(serial_name: str, serial: str, key_name: str, key: str) -> PlatformKey | None:
    """One configured platform key (both settings or neither), or None."""
    if not serial and not key:
        return None
    if not (serial and key):
        raise ConfigError(f"{serial_name} and {key_name} go together")
    try:
        public_key = load_public_key(key)
    except _KEY_ERRORS:
        raise ConfigError(f"{key_name} is not an RSA public key or certificate (PEM)") from None
    return PlatformKey(serial, public_key)


def platform_keys(config: AppConfig) -> tuple[PlatformKeys, bool]:
    """The configured keys, and whether certificates are downloaded (no public key set)."""
    public = _configured_key(
        "WECHAT_PAY_PUBLIC_KEY_ID",
        config.wechat_pay_public_key_id,
        "WECHAT_PAY_PUBLIC_KEY",
        config.wechat_pay_public_key,
    )
    if public is not None and not public.serial.startswith(PUBLIC_KEY_PREFIX):
        raise ConfigError(f"WECHAT_PAY_PUBLIC_KEY_ID must start with {PUBLIC_KEY_PREFIX}")
    fallback = _configured_key(
        "WECHAT_PAY_PLATFORM_SERIAL",
        config.wechat_pay_platform_serial,
        "WECHAT_PAY_PLATFORM_PUBLIC_KEY",
        config.wechat_pay_platform_public_key,
    )
    configured = [key for key in (public, fallback) if key is not None]
    public_key_mode = any(key.is_public_key for key in configured)
    return PlatformKeys(configured), not public_key_mode


def refund_notify_url(config: AppConfig) -> str:
    if config.wechat_pay_refund_notify_url:
        return config.wechat_pay_refund_notify_url
    return config.wechat_pay_notify_url.replace("/payments/notify/", "/payments/refund-notify/")


def build_wechat_pay(config: AppConfig) -> tuple[WechatPayV3Provider, NotificationVerifier]:
    missing = config.missing_wechat_pay_settings()
    if missing:
        raise ConfigError(f"WECHAT_PAY_V3 needs {', '.join(missing)}")
    return wechat_pay_merchant(config)


def wechat_pay_merchant(config: AppConfig) -> tuple[WechatPayV3Provider, NotificationVerifier]:
    """The merchant's WeChat Pay client and notification verifier from the WECHAT_PAY_* keys
    (the caller has checked that the ones it needs are set): one key machinery, platform
    certificates or the WeChat Pay public key, for payments and transfers (api/payouts) alike."""
    try:
        merchant_key = load_private_key(config.wechat_pay_merchant_key)
    except _KEY_ERRORS:
        raise ConfigError("WECHAT_PAY_MERCHANT_KEY is not an RSA private key (PEM)") from None
    keys, download = platform_keys(config)
    try:
        aead_key = api_v3_key(config.wechat_pay_api_v3_key)
    except ValueError as error:
        raise ConfigError(f"WECHAT_PAY_API_V3_KEY: {error}") from None
    provider = WechatPayV3Provider(
        mch_id=config.wechat_pay_mch_id,
        app_id=config.pay_app_id,
        merchant_serial=config.wechat_pay_merchant_serial,
        merchant_key=merchant_key,
        platform=keys,
        api_v3_key=aead_key,
        notify_url=config.wechat_pay_notify_url,
        refund_notify_url=refund_notify_url(config),
        base_url=config.wechat_pay_base_url,
        timeout=config.wechat_pay_timeout_seconds,
    )
    if download:
        provider.download_certificates_on_demand()
    return provider, NotificationVerifier(keys, aead_key, config.wechat_pay_mch_id)
