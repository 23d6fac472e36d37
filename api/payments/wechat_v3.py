"""WeChat Pay API v3: JSAPI prepay, refunds, and the verification of signed notifications.

Every request is signed with the merchant's private key; every answer and every notification is
signed by WeChat with its platform key and must verify before anything in it is believed (an
unsigned 200 from a proxy or an attacker must not hand out a prepay_id or confirm a refund).
Notifications also carry the transaction AES-256-GCM-encrypted with the merchant's APIv3 key.

Nothing secret travels in URLs here (the openid is in the body), so httpx's request log needs no
redaction; httpx errors are still raised `from None` because their request carries the body.
Errors say what went wrong in a few words, never a key, a signature or an openid.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain import clock
from domain.payments.provider import PrepayRequest, ProviderError, RefundRequest

API_BASE_URL = "https://api.mch.weixin.qq.com"
JSAPI_PATH = "/v3/pay/transactions/jsapi"
REFUND_PATH = "/v3/refund/domestic/refunds"
AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
AEAD_ALGORITHM = "AEAD_AES_256_GCM"
API_V3_KEY_BYTES = 32
# WeChat's own rule for notifications: older (or newer) than this is a replay or a broken clock.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# WeChat's field limits (characters).
_DESCRIPTION_MAX = 127
_REASON_MAX = 80
# Refund states in which WeChat has taken the refund on.
_REFUND_ACCEPTED = frozenset({"SUCCESS", "PROCESSING"})
# Error codes WeChat answers with are upper-case words; anything else is not echoed.
_ERROR_CODE = re.compile(r"[A-Z_]{1,40}")


class VerificationFailed(Exception):
    """A signed message from WeChat (answer or notification) that must not be believed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _pem(value: str) -> bytes:
    """Keys come from the environment as PEM text (real or `\\n`-escaped newlines) or a path."""
    if "-----BEGIN" in value:
        if "\n" not in value:
            value = value.replace("\\n", "\n")
        return value.encode()
    return Path(value).expanduser().read_bytes()


def load_private_key(value: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(_pem(value), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(value: str) -> rsa.RSAPublicKey:
    """The platform public key, or the platform certificate it comes in (older merchants)."""
    data = _pem(value)
    if b"BEGIN CERTIFICATE" in data:
        key = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def api_v3_key(value: str) -> bytes:
    """The APIv3 key is a 32-character string used as the AES-256 key as it is."""
    key = value.encode()
    if len(key) != API_V3_KEY_BYTES:
        raise ValueError(f"the APIv3 key must be {API_V3_KEY_BYTES} bytes")
    return key


def signed_text(*lines: str) -> bytes:
    """WeChat signs lines, each one ended by a newline (the last one too)."""
    return "".join(line + "\n" for line in lines).encode()


def sign(key: rsa.RSAPrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def signature_valid(key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        key.verify(
            base64.b64decode(signature, validate=True), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def new_nonce() -> str:
    return secrets.token_hex(16)


def wall_clock_timestamp() -> str:
    """Request and pay-sign timestamps are checked by WeChat against its own clock, so they come
    from the wall clock, not from `domain.clock` (which jobs and tests may move)."""
    return str(int(time.time()))


def mini_program_pay_params(app_id: str, prepay_id: str, key: rsa.RSAPrivateKey) -> dict[str, str]:
    """What `wx.requestPayment` takes; the mini-program adds nothing and signs nothing."""
    timestamp, nonce, package = wall_clock_timestamp(), new_nonce(), f"prepay_id={prepay_id}"
    return {
        "appId": app_id,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": sign(key, signed_text(app_id, timestamp, nonce, package)),
    }


@dataclass(frozen=True)
class PlatformKey:
    """The key WeChat signs its answers and notifications with, named by its serial."""

    serial: str
    public_key: rsa.RSAPublicKey

    def check(self, headers: Mapping[str, str], body: bytes, *, fresh: bool = False) -> None:
        """Raise VerificationFailed unless `body` is signed by this key.

        `fresh` also refuses a timestamp further than MAX_CLOCK_SKEW from `domain.clock.now()`:
        notifications arrive unasked and could be replayed. Answers come on our own connection,
        in reply to what we just sent, and are not held to our (movable) clock.
        """
        timestamp = headers.get("Wechatpay-Timestamp")
        nonce = headers.get("Wechatpay-Nonce")
        signature = headers.get("Wechatpay-Signature")
        serial = headers.get("Wechatpay-Serial")
        if not (timestamp and nonce and signature and serial):
            raise VerificationFailed("missing signature headers")
        if serial != self.serial:
            raise VerificationFailed("unknown platform serial")
        message = signed_text(timestamp, nonce) + body + b"\n"
        if not signature_valid(self.public_key, message, signature):
            raise VerificationFailed("bad signature")
        if fresh:
            try:
                moment = int(timestamp)
            except ValueError:
                raise VerificationFailed("bad timestamp") from None
            if abs(clock.now().timestamp() - moment) > MAX_CLOCK_SKEW.total_seconds():
                raise VerificationFailed("stale timestamp")


@dataclass(frozen=True)
class Transaction:
    """The part of a decrypted payment notification that the core acts on."""

    out_trade_no: str
    transaction_id: str
    trade_state: str
    amount_total: int


class NotificationVerifier:
    """Turns a notification (headers + raw body) into a Transaction, or refuses it.

    Used for WECHAT_PAY_V3 and, with the sandbox's own keys, for SANDBOX: the sandbox's
    notifications go through exactly this code.
    """

    def __init__(self, platform: PlatformKey, api_v3_key: bytes, mch_id: str):
        self._platform = platform
        self._aead = AESGCM(api_v3_key)
        self._mch_id = mch_id

    def verify(self, headers: Mapping[str, str], body: bytes) -> Transaction:
        self._platform.check(headers, body, fresh=True)
        try:
            envelope = json.loads(body)
        except ValueError:
            raise VerificationFailed("body is not JSON") from None
        resource = envelope.get("resource") if isinstance(envelope, dict) else None
        if not isinstance(resource, dict):
            raise VerificationFailed("no resource")
        data = self._decrypt(resource)
        if data.get("mchid") != self._mch_id:
            raise VerificationFailed("another merchant's transaction")
        return _transaction(data)

    def _decrypt(self, resource: dict[str, Any]) -> dict[str, Any]:
        if resource.get("algorithm") != AEAD_ALGORITHM:
            raise VerificationFailed("unsupported algorithm")
        ciphertext, nonce = resource.get("ciphertext"), resource.get("nonce")
        associated = resource.get("associated_data") or ""
        if not isinstance(ciphertext, str) or not isinstance(nonce, str) or not nonce:
            raise VerificationFailed("incomplete resource")
        if not isinstance(associated, str):
            raise VerificationFailed("incomplete resource")
        try:
            plaintext = self._aead.decrypt(
                nonce.encode(),
                base64.b64decode(ciphertext, validate=True),
                associated.encode() or None,
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise VerificationFailed("cannot decrypt") from None
        try:
            data = json.loads(plaintext)
        except ValueError:
            raise VerificationFailed("resource is not JSON") from None
        if not isinstance(data, dict):
            raise VerificationFailed("resource is not an object")
        return data


def _transaction(data: dict[str, Any]) -> Transaction:
    amount = data.get("amount")
    total = amount.get("total") if isinstance(amount, dict) else None
    fields = (data.get("out_trade_no"), data.get("transaction_id"), data.get("trade_state"))
    if not all(isinstance(value, str) and value for value in fields):
        raise VerificationFailed("incomplete transaction")
    if not isinstance(total, int) or isinstance(total, bool):
        raise VerificationFailed("incomplete transaction")
    out_trade_no, transaction_id, trade_state = fields
    return Transaction(out_trade_no, transaction_id, trade_state, total)


class WechatPayV3Provider:
    """JSAPI payments and refunds against WeChat Pay (or a fake speaking its protocol)."""

    name = "WECHAT_PAY_V3"

    def __init__(
        self,
        *,
        mch_id: str,
        app_id: str,
        merchant_serial: str,
        merchant_key: rsa.RSAPrivateKey,
        platform: PlatformKey,
        notify_url: str,
        base_url: str = API_BASE_URL,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ):
        self.mch_id = mch_id
        self.app_id = app_id
        self._merchant_serial = merchant_serial
        self._merchant_key = merchant_key
        self._platform = platform
        self._notify_url = notify_url
        self._base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        """Close the HTTP client if this provider made it; a shared one belongs to its owner."""
        if self._owns_client:
            await self._client.aclose()

    async def prepay(self, request: PrepayRequest) -> dict[str, str]:
        if not request.payer_openid:
            raise ProviderError("JSAPI payments need the payer's openid")
        answer = await self._call(
            JSAPI_PATH,
            {
                "appid": self.app_id,
                "mchid": self.mch_id,
                "description": request.description[:_DESCRIPTION_MAX],
                "out_trade_no": request.out_trade_no,
                "time_expire": clock.to_shanghai(request.expires_at).isoformat(timespec="seconds"),
                "notify_url": self._notify_url,
                "amount": {"total": request.amount_fen, "currency": "CNY"},
                "payer": {"openid": request.payer_openid},
            },
        )
        prepay_id = answer.get("prepay_id")
        if not isinstance(prepay_id, str) or not prepay_id:
            raise ProviderError("no prepay_id in the answer")
        return mini_program_pay_params(self.app_id, prepay_id, self._merchant_key)

    async def refund(self, request: RefundRequest) -> None:
        answer = await self._call(
            REFUND_PATH,
            {
                "out_trade_no": request.out_trade_no,
                "out_refund_no": request.out_refund_no,
                "reason": request.reason[:_REASON_MAX],
                "amount": {
                    "refund": request.refund_fen,
                    "total": request.total_fen,
                    "currency": "CNY",
                },
            },
        )
        status = answer.get("status")
        if status not in _REFUND_ACCEPTED:
            sane = isinstance(status, str) and _ERROR_CODE.fullmatch(status)
            raise ProviderError(f"refund {status if sane else 'in an unknown state'}")

    def authorization(self, method: str, path_with_query: str, body: bytes) -> str:
        """The `Authorization` header of one request: the merchant's signature over it."""
        timestamp, nonce = wall_clock_timestamp(), new_nonce()
        message = signed_text(method, path_with_query, timestamp, nonce) + body + b"\n"
        signature = sign(self._merchant_key, message)
        return (
            f'{AUTH_SCHEMA} mchid="{self.mch_id}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{self._merchant_serial}"'
        )

    async def _call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST one signed request; only a 2xx answer signed by the platform key counts."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        url = httpx.URL(self._base_url + path)
        headers = {
            "Authorization": self.authorization("POST", url.raw_path.decode("ascii"), body),
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "siyu-wechatpay-v3",
        }
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise ProviderError("timeout") from None
        except httpx.HTTPError as exc:
            raise ProviderError(type(exc).__name__) from None
        if not 200 <= response.status_code < 300:
            raise ProviderError(f"HTTP {response.status_code}{_error_code(response)}")
        try:
            self._platform.check(response.headers, response.content)
        except VerificationFailed as failure:
            raise ProviderError(f"answer refused: {failure.reason}") from None
        try:
            answer = json.loads(response.content)
        except ValueError:
            raise ProviderError("answer is not JSON") from None
        if not isinstance(answer, dict):
            raise ProviderError("answer is not a JSON object")
        return answer


def _error_code(response: httpx.Response) -> str:
    """WeChat's error code (e.g. ` SIGN_ERROR`), when the answer has a sane one."""
    try:
        code = json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        return ""
    return f" {code}" if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""
