"""The payout provider and the payee cipher of this process, built once from configuration and
handed to `distribution` at start-up (api/app.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from api.config import AppConfig, ConfigError
from api.payouts.manual import ManualPayoutProvider
from api.payouts.sandbox import SandboxPayoutProvider
from distribution.payees import PayeeCipher, configure_cipher, parse_keys
from distribution.payouts import PayoutProvider, register_payout_provider

_DERIVATION_INFO = b"siyu/payee-encryption/v1"


@dataclass
class Payouts:
    provider: PayoutProvider
    sandbox: SandboxPayoutProvider | None
    cipher: PayeeCipher


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
    if config.payout_provider == "MANUAL":
        return Payouts(provider=ManualPayoutProvider(), sandbox=None, cipher=cipher)
    if config.production:
        raise ConfigError("the SANDBOX payout provider is refused in production")
    sandbox = SandboxPayoutProvider()
    return Payouts(provider=sandbox, sandbox=sandbox, cipher=cipher)


def install_payouts(config: AppConfig) -> Payouts:
    """Build and register: withdrawals pay through this provider and encrypt with this cipher."""
    payouts = build_payouts(config)
    register_payout_provider(payouts.provider)
    configure_cipher(payouts.cipher)
    return payouts
