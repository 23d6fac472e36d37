"""The payout providers and the payee cipher of this process, built once from configuration and
handed to `distribution` at start-up (api/app.py): PAYOUT_PROVIDER (SANDBOX or MANUAL) for every
method, and with WECHAT_TRANSFER_PAYOUTS=on WeChat transfer bills for WECHAT_BALANCE. Bad key
material stops the start with a ConfigError naming the setting, never its value."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.config import AppConfig, ConfigError
from api.payments.wechat_v3 import (
    PlatformKey,
    WechatPayV3Provider,
    api_v3_key,
    load_private_key,
    load_public_key,
)
from api.payouts.manual import ManualPayoutProvider
from api.payouts.sandbox import SandboxPayoutProvider
from api.payouts.wechat_transfer import TransferNotifications, WechatTransferProvider
from distribution.payees import PayeeCipher, configure_cipher, parse_keys
from distribution.payouts import (
    PayoutProvider,
    register_payout_provider,
    register_transfer_provider,
)

_DERIVATION_INFO = b"siyu/payee-encryption/v1"
_KEY_ERRORS = (OSError, ValueError, TypeError, UnsupportedAlgorithm)


@dataclass
class Payouts:
    provider: PayoutProvider
    sandbox: SandboxPayoutProvider | None
    cipher: PayeeCipher
    transfer: WechatTransferProvider | None = None

    async def aclose(self) -> None:
        if self.transfer is not None:
            await self.transfer.aclose()


def payee_keys(config: AppConfig) -> list[bytes]:
    """PAYEE_ENCRYPTION_KEY, or outside production a key derived from the JWT secret (HKDF), so
    development and tests need no extra setting. Changing either makes stored payees unreadable
    unless the old key is kept after the new one."""
    if config.payee_encryption_key:
        try:
            return parse_keys(config.payee_encryption_key)
        except ValueError as error:
            raise ConfigError(f"PAYEE_ENCRYPTION_KEY: {error}") from None
    if config.production:
        raise ConfigError("PAYEE_ENCRYPTION_KEY must be set in production")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
        config.jwt_secret.encode()
    )
    return [base64.urlsafe_b64encode(derived)]


def build_payouts(config: AppConfig) -> Payouts:
    cipher = PayeeCipher(payee_keys(config))
    transfer = build_wechat_transfer(config) if config.wechat_transfer_payouts == "on" else None
    if config.payout_provider == "MANUAL":
        return Payouts(
            provider=ManualPayoutProvider(), sandbox=None, cipher=cipher, transfer=transfer
        )
    if config.production:
        raise ConfigError("the SANDBOX payout provider is refused in production")
    sandbox = SandboxPayoutProvider()
    return Payouts(provider=sandbox, sandbox=sandbox, cipher=cipher, transfer=transfer)


def build_wechat_transfer(config: AppConfig) -> WechatTransferProvider:
    """The merchant's keys are the payments' (one WeChat Pay merchant); the platform key both
    verifies WeChat's answers and encrypts the payee's real name."""
    missing = [n for n in config.missing_wechat_pay_settings() if n != "WECHAT_PAY_NOTIFY_URL"]
    if not config.wechat_transfer_notify_url:
        missing.append("WECHAT_TRANSFER_NOTIFY_URL")
    if missing:
        raise ConfigError(f"WECHAT_TRANSFER_PAYOUTS needs {', '.join(missing)}")
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
    client = httpx.AsyncClient(timeout=5.0)
    signer = WechatPayV3Provider(
        mch_id=config.wechat_pay_mch_id,
        app_id=config.pay_app_id,
        merchant_serial=config.wechat_pay_merchant_serial,
        merchant_key=merchant_key,
        platform=platform,
        notify_url=config.wechat_transfer_notify_url,
        base_url=config.wechat_pay_base_url,
        client=client,
    )
    return WechatTransferProvider(
        signer=signer,
        verifier=TransferNotifications(platform, aead_key, config.wechat_pay_mch_id),
        encryption_key=platform_key,
        encryption_serial=config.wechat_pay_platform_serial,
        notify_url=config.wechat_transfer_notify_url,
        base_url=config.wechat_pay_base_url,
        client=client,
        owns_client=True,
    )


def install_payouts(config: AppConfig) -> Payouts:
    """Build and register: withdrawals pay through these providers and encrypt with this
    cipher (no transfer provider registered unless configured)."""
    payouts = build_payouts(config)
    register_payout_provider(payouts.provider)
    register_transfer_provider(payouts.transfer)
    configure_cipher(payouts.cipher)
    return payouts
