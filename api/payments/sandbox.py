"""The SANDBOX payment provider: WeChat Pay v3's flow with keys of its own and no money.

Local use and tests pay orders without WeChat but through the path real money takes: the sandbox
signs pay params as the merchant would, and its "payment succeeded" notification is signed with a
platform key and AES-256-GCM-encrypted with an APIv3 key, then posted to the ordinary notify
route, where the same `NotificationVerifier` as WeChat's checks it. The keys are generated in the
process and never leave it, so nothing outside can forge a sandbox notification. Enabled only
outside production (api/payments/setup.py).
"""

from __future__ import annotations

import base64
import functools
import json
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api.payments.wechat_v3 import (
    AEAD_ALGORITHM,
    API_V3_KEY_BYTES,
    AUTH_SCHEMA,
    NotificationVerifier,
    PlatformKey,
    mini_program_pay_params,
    new_nonce,
    sign,
    signed_text,
)
from domain import clock
from domain.payments.provider import (
    PrepayRequest,
    ProviderError,
    RefundOutcome,
    RefundRequest,
    RefundState,
)

SANDBOX_MCH_ID = "1900000109"
SANDBOX_PLATFORM_SERIAL = "SANDBOX-PLATFORM-KEY"
_RSA_BITS = 2048


@dataclass(frozen=True)
class SandboxKeys:
    merchant: rsa.RSAPrivateKey
    platform: rsa.RSAPrivateKey
    api_v3_key: bytes


@functools.cache
def process_keys() -> SandboxKeys:
    """One set per process: RSA key generation is slow and tests build an app per test."""
    return SandboxKeys(
        merchant=rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS),
        platform=rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS),
        api_v3_key=secrets.token_hex(API_V3_KEY_BYTES // 2).encode(),
    )


class SandboxProvider:
    """Accepts every prepay and refund; pays only through a notification it signs itself."""

    name = "SANDBOX"

    def __init__(self, app_id: str, keys: SandboxKeys | None = None):
        self.app_id = app_id
        self.mch_id = SANDBOX_MCH_ID
        self._keys = keys or process_keys()
        self.verifier = NotificationVerifier(
            PlatformKey(SANDBOX_PLATFORM_SERIAL, self._keys.platform.public_key()),
            self._keys.api_v3_key,
            self.mch_id,
        )
        # out_refund_no → the refund as first asked: a repeat is the same refund, like WeChat's.
        self.refunds: dict[str, RefundRequest] = {}

    @property
    def merchant_public_key(self) -> rsa.RSAPublicKey:
        """What checks the pay params' paySign (WeChat's side of the merchant key)."""
        return self._keys.merchant.public_key()

    async def prepay(self, request: PrepayRequest) -> dict[str, str]:
        if request.amount_fen <= 0:
            raise ProviderError("amount must be positive")
        prepay_id = f"sandbox_{secrets.token_hex(12)}"
        return mini_program_pay_params(self.app_id, prepay_id, self._keys.merchant)

    async def refund(self, request: RefundRequest) -> RefundOutcome:
        """Sandbox refunds succeed at once: no money moves, so nothing can be pending."""
        if not 0 < request.refund_fen <= request.total_fen:
            raise ProviderError("refund amount out of range")
        known = self.refunds.setdefault(request.out_refund_no, request)
        return self._outcome(known)

    async def query_refund(self, out_refund_no: str) -> RefundOutcome | None:
        known = self.refunds.get(out_refund_no)
        return None if known is None else self._outcome(known)

    @staticmethod
    def _outcome(request: RefundRequest) -> RefundOutcome:
        return RefundOutcome(
            request.out_refund_no,
            RefundState.SUCCESS,
            f"sandbox_{request.out_refund_no}",
            request.refund_fen,
        )

    def notification(self, out_trade_no: str, amount_fen: int) -> tuple[dict[str, str], bytes]:
        """Headers and body of a TRANSACTION.SUCCESS notification, exactly as WeChat sends it."""
        moment = clock.now()
        transaction = {
            "appid": self.app_id,
            "mchid": self.mch_id,
            "out_trade_no": out_trade_no,
            "transaction_id": f"42{secrets.randbelow(10**26):026d}",
            "trade_type": "JSAPI",
            "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功",
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": clock.to_shanghai(moment).isoformat(timespec="seconds"),
            "amount": {
                "total": amount_fen,
                "payer_total": amount_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        resource_nonce, associated = secrets.token_hex(6), "transaction"
        ciphertext = AESGCM(self._keys.api_v3_key).encrypt(
            resource_nonce.encode(),
            json.dumps(transaction, ensure_ascii=False).encode(),
            associated.encode(),
        )
        envelope = {
            "id": secrets.token_hex(18),
            "create_time": clock.to_shanghai(moment).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": AEAD_ALGORITHM,
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": associated,
                "nonce": resource_nonce,
            },
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp, nonce = str(int(moment.timestamp())), new_nonce()
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": SANDBOX_PLATFORM_SERIAL,
            "Wechatpay-Signature-Type": AUTH_SCHEMA,
            "Wechatpay-Signature": sign(
                self._keys.platform, signed_text(timestamp, nonce) + body + b"\n"
            ),
        }
        return headers, body
