"""The payout providers and the payee cipher of this process, built once from configuration and
handed to `distribution` at start-up (api/app.py): PAYOUT_PROVIDER (SANDBOX or MANUAL) for every
method, and with WECHAT_TRANSFER_PAYOUTS=on WeChat transfer bills for WECHAT_BALANCE. Bad key
material stops the start with a ConfigError naming the setting, never its value."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.config import AppConfig, ConfigError
from api.payments.setup import wechat_pay_merchant
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
    """One WeChat Pay merchant: the payments' keys and key machinery (wechat_pay_merchant:
    platform certificates or the WeChat Pay public key) sign, verify and encrypt the payee's
    real name; only the notify URL is the transfers' own."""
    missing = [n for n in config.missing_wechat_pay_settings() if n != "WECHAT_PAY_NOTIFY_URL"]
    if not config.wechat_transfer_notify_url:
        missing.append("WECHAT_TRANSFER_NOTIFY_URL")
    if missing:
        raise ConfigError(f"WECHAT_TRANSFER_PAYOUTS needs {', '.join(missing)}")
    wechat, verifier = wechat_pay_merchant(config)
    return WechatTransferProvider(
        wechat=wechat,
        verifier=TransferNotifications(verifier),
        notify_url=config.wechat_transfer_notify_url,
    )


def install_payouts(config: AppConfig) -> Payouts:
    """Build and register: withdrawals pay through these providers and encrypt with this
    cipher (no transfer provider registered unless configured)."""
    payouts = build_payouts(config)
    register_payout_provider(payouts.provider)
    register_transfer_provider(payouts.transfer)
    configure_cipher(payouts.cipher)
    return payouts
