"""WeChat Pay API v3: JSAPI prepay, refunds (create, query, notifications), platform keys in both
verification modes, sensitive-field encryption, and the daily bills.

Every request is signed with the merchant's private key; every answer and every notification is
signed by WeChat and must verify before anything in it is believed (an unsigned 200 from a proxy or
an attacker must not hand out a prepay_id or confirm a refund). Notifications also carry their
resource AES-256-GCM-encrypted with the merchant's APIv3 key.

Verification modes (WeChat Pay's "验证微信支付签名"): the Wechatpay-Serial header names the key.
- Platform certificates: downloaded from `GET /v3/certificates`, each one AES-256-GCM-encrypted
  with the APIv3 key (associated data `certificate`); several are valid at once while WeChat
  rotates them. They are cached in the process, refreshed every `CERTIFICATE_REFRESH` (12 h, well
  before any expiry) and once on a serial nobody knows (at most once a minute, so forged serials
  cannot make us hammer WeChat); expired ones are no longer believed.
- WeChat Pay public key: a serial `PUB_KEY_ID_…` with the public key from configuration, nothing
  downloaded.
Outgoing sensitive fields are RSA-OAEP (SHA-1) encrypted with the key of the mode in use, and the
request carries that key's serial in `Wechatpay-Serial` (`encrypt_sensitive`).

Nothing secret travels in URLs here (the openid is in the body), so httpx's request log needs no
redaction; httpx errors are still raised `from None` because their request carries the body.
Errors say what went wrong in a few words, never a key, a signature or an openid.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import hashlib
import io
import json
import re
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain import clock
from domain.payments.models import BillKind
from domain.payments.provider import (
    NoBill,
    OutcomeUnknown,
    PrepayRequest,
    ProviderError,
    RefundOutcome,
    RefundRequest,
    RefundState,
)

API_BASE_URL = "https://api.mch.weixin.qq.com"
JSAPI_PATH = "/v3/pay/transactions/jsapi"
REFUND_PATH = "/v3/refund/domestic/refunds"
CERTIFICATES_PATH = "/v3/certificates"
BILL_PATHS = {BillKind.TRADE: "/v3/bill/tradebill", BillKind.FUND_FLOW: "/v3/bill/fundflowbill"}
PUBLIC_KEY_PREFIX = "PUB_KEY_ID_"
CERTIFICATE_REFRESH = timedelta(hours=12)
UNKNOWN_SERIAL_REFRESH = timedelta(minutes=1)
AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
AEAD_ALGORITHM = "AEAD_AES_256_GCM"
API_V3_KEY_BYTES = 32
# WeChat's own rule for notifications: older (or newer) than this is a replay or a broken clock.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# WeChat's field limits (characters).
_DESCRIPTION_MAX = 127
_REASON_MAX = 80
# Error codes meaning "maybe done": the request must be queried, never simply retried.
_UNKNOWN_OUTCOME_CODES = frozenset({"SYSTEM_ERROR"})
_BILL_CHUNK = 64 * 1024
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
    """A key WeChat signs with, named by its serial (a certificate's, or a `PUB_KEY_ID_…`);
    `not_after` is a certificate's expiry (None: a configured key, believed until removed)."""

    serial: str
    public_key: rsa.RSAPublicKey
    not_after: datetime | None = None

    @property
    def is_public_key(self) -> bool:
        return self.serial.startswith(PUBLIC_KEY_PREFIX)


CertificateSource = Callable[[], Awaitable[list[PlatformKey]]]


class PlatformKeys:
    """The keys WeChat may sign with, by serial: configured ones (a `PUB_KEY_ID_…` public key,
    or the single platform certificate of older configurations, kept as a fallback) and, in
    certificate mode, the certificates downloaded from `/v3/certificates`."""

    def __init__(self, configured: list[PlatformKey], download: CertificateSource | None = None):
        self._configured = {key.serial: key for key in configured}
        self._downloaded: dict[str, PlatformKey] = {}
        self._download = download
        self._refreshed_at: float | None = None
        self._unknown_serial_refresh_at = float("-inf")
        self._lock = asyncio.Lock()

    @classmethod
    def of(cls, key: PlatformKey) -> PlatformKeys:
        return cls([key])

    def download_with(self, download: CertificateSource) -> None:
        self._download = download

    @property
    def downloads(self) -> bool:
        return self._download is not None

    def known_serials(self) -> list[str]:
        return sorted({*self._configured, *self._downloaded})

    def believed(self, serial: str) -> PlatformKey | None:
        """The key of `serial` if it is known and not expired; never downloads."""
        key = self._configured.get(serial) or self._downloaded.get(serial)
        if key is not None and key.not_after is not None and key.not_after <= datetime.now(UTC):
            return None
        return key

    async def _refresh(self, *, unknown_serial: bool) -> None:
        """Download the certificates again: one download at a time, and after an unknown
        serial at most once per UNKNOWN_SERIAL_REFRESH."""
        if self._download is None:
            return
        async with self._lock:
            now = time.monotonic()
            if unknown_serial:
                since = now - self._unknown_serial_refresh_at
                if since < UNKNOWN_SERIAL_REFRESH.total_seconds():
                    return
                self._unknown_serial_refresh_at = now
            try:
                keys = await self._download()
            except ProviderError:
                return
            self._downloaded = {key.serial: key for key in keys}
            self._refreshed_at = time.monotonic()

    async def _ensure_fresh(self) -> None:
        if self._download is None:
            return
        stale = self._refreshed_at is None or (
            time.monotonic() - self._refreshed_at > CERTIFICATE_REFRESH.total_seconds()
        )
        if stale:
            await self._refresh(unknown_serial=False)

    async def key_for(self, serial: str) -> PlatformKey:
        await self._ensure_fresh()
        key = self.believed(serial)
        if key is None and self._download is not None:
            await self._refresh(unknown_serial=True)
            key = self.believed(serial)
        if key is None:
            raise VerificationFailed("unknown platform serial")
        return key

    async def encryption_key(self) -> PlatformKey:
        """The key outgoing sensitive fields are encrypted with: the WeChat Pay public key when
        configured, else the valid certificate that expires last."""
        await self._ensure_fresh()
        for key in self._configured.values():
            if key.is_public_key:
                return key
        candidates = [
            k
            for k in [*self._downloaded.values(), *self._configured.values()]
            if self.believed(k.serial)
        ]
        if not candidates:
            raise ProviderError("no platform key to encrypt with")
        far = datetime.max.replace(tzinfo=UTC)
        return max(candidates, key=lambda k: k.not_after or far)

    async def check(self, headers: Mapping[str, str], body: bytes, *, fresh: bool = False) -> None:
        """Raise VerificationFailed unless `body` is signed by the key its serial names.

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
        key = await self.key_for(serial)
        verify_signature(key, headers, body)
        if fresh:
            try:
                moment = int(timestamp)
            except ValueError:
                raise VerificationFailed("bad timestamp") from None
            if abs(clock.now().timestamp() - moment) > MAX_CLOCK_SKEW.total_seconds():
                raise VerificationFailed("stale timestamp")


def verify_signature(key: PlatformKey, headers: Mapping[str, str], body: bytes) -> None:
    message = signed_text(headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"]) + body + b"\n"
    if not signature_valid(key.public_key, message, headers["Wechatpay-Signature"]):
        raise VerificationFailed("bad signature")


def encrypt_for(key: PlatformKey, text: str) -> str:
    """WeChat's sensitive-field encryption: RSA-OAEP with SHA-1 (MGF1 SHA-1), base64."""
    ciphertext = key.public_key.encrypt(
        text.encode(),
        # WeChat's protocol fixes OAEP with SHA-1; not a choice made here.
        padding.OAEP(
            mgf=padding.MGF1(algorithm=hashes.SHA1()),  # noqa: S303
            algorithm=hashes.SHA1(),  # noqa: S303
            label=None,
        ),
    )
    return base64.b64encode(ciphertext).decode()


def decrypt_resource(aead: AESGCM, resource: Mapping[str, Any]) -> bytes:
    """AEAD_AES_256_GCM with the APIv3 key: notifications' resources and downloaded
    certificates alike."""
    if resource.get("algorithm") != AEAD_ALGORITHM:
        raise VerificationFailed("unsupported algorithm")
    ciphertext, nonce = resource.get("ciphertext"), resource.get("nonce")
    associated = resource.get("associated_data") or ""
    if not isinstance(ciphertext, str) or not isinstance(nonce, str) or not nonce:
        raise VerificationFailed("incomplete resource")
    if not isinstance(associated, str):
        raise VerificationFailed("incomplete resource")
    try:
        return aead.decrypt(
            nonce.encode(), base64.b64decode(ciphertext, validate=True), associated.encode() or None
        )
    except (InvalidTag, binascii.Error, ValueError):
        raise VerificationFailed("cannot decrypt") from None


@dataclass(frozen=True)
class Transaction:
    """The part of a decrypted payment notification that the core acts on."""

    out_trade_no: str
    transaction_id: str
    trade_state: str
    amount_total: int


class NotificationVerifier:
    """Turns a notification (headers + raw body) into what it says, or refuses it.

    Used for WECHAT_PAY_V3 and, with the sandbox's own keys, for SANDBOX: the sandbox's
    notifications go through exactly this code.
    """

    def __init__(self, platform: PlatformKeys | PlatformKey, api_v3_key: bytes, mch_id: str):
        self.keys = platform if isinstance(platform, PlatformKeys) else PlatformKeys.of(platform)
        self._aead = AESGCM(api_v3_key)
        self._mch_id = mch_id

    async def open(
        self, headers: Mapping[str, str], body: bytes, *, merchant_field: str = "mchid"
    ) -> tuple[str, dict[str, Any]]:
        """The event type and the decrypted resource of a verified notification, which must
        name this merchant in `merchant_field` (payments and refunds say `mchid`, transfer
        bills `mch_id`)."""
        await self.keys.check(headers, body, fresh=True)
        try:
            envelope = json.loads(body)
        except ValueError:
            raise VerificationFailed("body is not JSON") from None
        resource = envelope.get("resource") if isinstance(envelope, dict) else None
        if not isinstance(resource, dict):
            raise VerificationFailed("no resource")
        try:
            data = json.loads(decrypt_resource(self._aead, resource))
        except ValueError:
            raise VerificationFailed("resource is not JSON") from None
        if not isinstance(data, dict):
            raise VerificationFailed("resource is not an object")
        if data.get(merchant_field) != self._mch_id:
            raise VerificationFailed("another merchant's notification")
        event_type = envelope.get("event_type")
        return (event_type if isinstance(event_type, str) else ""), data

    async def verify(self, headers: Mapping[str, str], body: bytes) -> Transaction:
        """A payment notification (TRANSACTION.*)."""
        _, data = await self.open(headers, body)
        return _transaction(data)

    async def verify_refund(self, headers: Mapping[str, str], body: bytes) -> RefundOutcome:
        """A refund notification (REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED): the
        decrypted resource's `refund_status`, `out_refund_no` and `amount.refund`."""
        event_type, data = await self.open(headers, body)
        if not event_type.startswith("REFUND."):
            raise VerificationFailed("not a refund notification")
        outcome = refund_outcome(data, "refund_status")
        if outcome is None or outcome.amount_fen is None:
            raise VerificationFailed("incomplete refund")
        return outcome


def refund_outcome(data: Mapping[str, Any], state_field: str) -> RefundOutcome | None:
    """A refund's state from an answer (`status`) or a notification (`refund_status`)."""
    out_refund_no, state = data.get("out_refund_no"), data.get(state_field)
    if not isinstance(out_refund_no, str) or state not in RefundState.__members__:
        return None
    amount = data.get("amount")
    refund = amount.get("refund") if isinstance(amount, dict) else None
    refund_id = data.get("refund_id")
    return RefundOutcome(
        out_refund_no=out_refund_no,
        state=RefundState(state),
        refund_id=refund_id if isinstance(refund_id, str) else None,
        amount_fen=refund if isinstance(refund, int) and not isinstance(refund, bool) else None,
    )


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


class WechatRefusal(ProviderError):
    """WeChat (or something in front of it) answered a 4xx: its HTTP status and WeChat's error
    code ("" when the answer has none), for callers whose rules depend on the code (transfers
    treat FREQUENCY_LIMITED as an unknown outcome, refunds do not)."""

    def __init__(self, status: int, code: str):
        super().__init__(f"HTTP {status} {code}" if code else f"HTTP {status}")
        self.status = status
        self.code = code


class ResourceNotFound(WechatRefusal):
    """WeChat has no such resource (RESOURCE_NOT_EXISTS / ORDER_NOT_EXIST, HTTP 404)."""


class WechatPayV3Provider:
    """JSAPI payments, refunds and bills against WeChat Pay (or a fake speaking its protocol)."""

    name = "WECHAT_PAY_V3"

    def __init__(
        self,
        *,
        mch_id: str,
        app_id: str,
        merchant_serial: str,
        merchant_key: rsa.RSAPrivateKey,
        platform: PlatformKeys | PlatformKey,
        notify_url: str,
        api_v3_key: bytes | None = None,
        refund_notify_url: str = "",
        base_url: str = API_BASE_URL,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ):
        self.mch_id = mch_id
        self.app_id = app_id
        self._merchant_serial = merchant_serial
        self._merchant_key = merchant_key
        self.keys = platform if isinstance(platform, PlatformKeys) else PlatformKeys.of(platform)
        self._aead = AESGCM(api_v3_key) if api_v3_key else None
        self._notify_url = notify_url
        self._refund_notify_url = refund_notify_url
        self._base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)

    def download_certificates_on_demand(self) -> None:
        """Certificate mode: the keys download `/v3/certificates` when needed."""
        self.keys.download_with(self.download_certificates)

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

    async def refund(self, request: RefundRequest) -> RefundOutcome:
        """`POST /v3/refund/domestic/refunds`: the answer's `status` is SUCCESS, PROCESSING
        (most refunds: the result comes later), ABNORMAL or CLOSED."""
        payload: dict[str, Any] = {
            "out_trade_no": request.out_trade_no,
            "out_refund_no": request.out_refund_no,
            "reason": request.reason[:_REASON_MAX],
            "amount": {
                "refund": request.refund_fen,
                "total": request.total_fen,
                "currency": "CNY",
            },
        }
        if self._refund_notify_url:
            payload["notify_url"] = self._refund_notify_url
        answer = await self._call(REFUND_PATH, payload)
        outcome = refund_outcome(answer, "status")
        if outcome is None or outcome.out_refund_no != request.out_refund_no:
            status = answer.get("status")
            sane = isinstance(status, str) and _ERROR_CODE.fullmatch(status)
            raise OutcomeUnknown(f"refund {status if sane else 'in an unknown state'}")
        return outcome

    async def query_refund(self, out_refund_no: str) -> RefundOutcome | None:
        """`GET /v3/refund/domestic/refunds/{out_refund_no}`; None when WeChat has no such
        refund (404 RESOURCE_NOT_EXISTS): it never arrived, and may be sent again."""
        try:
            answer = await self.request("GET", f"{REFUND_PATH}/{out_refund_no}")
        except ResourceNotFound:
            return None
        outcome = refund_outcome(answer, "status")
        if outcome is None:
            raise ProviderError("refund in an unknown state")
        return outcome

    async def encrypt_sensitive(self, text: str) -> tuple[str, str]:
        """(ciphertext, serial) for a sensitive request field (e.g. a transfer's user_name):
        encrypted with the key of the mode in use; send the serial as `Wechatpay-Serial`."""
        key = await self.keys.encryption_key()
        return encrypt_for(key, text), key.serial

    async def download_certificates(self) -> list[PlatformKey]:
        """`GET /v3/certificates`: every platform certificate valid now, each decrypted with
        the APIv3 key (which authenticates it); the answer itself must then verify with the
        certificate its Wechatpay-Serial names (downloaded or already known)."""
        if self._aead is None:
            raise ProviderError("downloading certificates needs the APIv3 key")
        response = await self._send("GET", CERTIFICATES_PATH)
        try:
            entries = json.loads(response.content).get("data")
        except (ValueError, AttributeError):
            raise ProviderError("certificates answer is not JSON") from None
        if not isinstance(entries, list):
            raise ProviderError("no certificates in the answer")
        found: list[PlatformKey] = []
        for entry in entries:
            try:
                found.append(self._certificate(entry))
            except (VerificationFailed, ValueError, KeyError, TypeError):
                raise ProviderError("a certificate does not decrypt") from None
        serial = response.headers.get("Wechatpay-Serial", "")
        signer = next((k for k in found if k.serial == serial), None) or self.keys.believed(serial)
        try:
            if signer is None:
                raise VerificationFailed("unknown platform serial")
            verify_signature(signer, response.headers, response.content)
        except (VerificationFailed, KeyError):
            raise ProviderError("certificates answer refused") from None
        return found

    def _certificate(self, entry: Mapping[str, Any]) -> PlatformKey:
        assert self._aead is not None
        pem = decrypt_resource(self._aead, entry["encrypt_certificate"])
        certificate = x509.load_pem_x509_certificate(pem)
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("not an RSA certificate")
        serial = entry["serial_no"]
        if not isinstance(serial, str) or int(serial, 16) != certificate.serial_number:
            raise ValueError("serial does not match the certificate")
        expires = datetime.fromisoformat(entry["expire_time"])
        return PlatformKey(serial.upper(), key, expires)

    async def bill_lines(self, day: date, kind: BillKind) -> AsyncIterator[str]:
        """The bill of `day`, line by line, in constant memory.

        `GET /v3/bill/tradebill?bill_date=…&bill_type=ALL&tar_type=GZIP` (or fundflowbill with
        account_type=BASIC) answers a `download_url` and the SHA-1 of the bill; the signed GET of
        the download URL streams the gzip file to a temporary file, whose decompressed bytes
        must match the digest before one line is handed out. The download is not signed by
        WeChat (the digest is what vouches for it), and it must come from the API's own host.
        """
        query = {"bill_date": day.isoformat(), "tar_type": "GZIP"}
        query |= {"bill_type": "ALL"} if kind == BillKind.TRADE else {"account_type": "BASIC"}
        try:
            answer = await self.request("GET", BILL_PATHS[kind], query=query)
        except WechatRefusal as error:
            if error.code == "NO_STATEMENT_EXIST":
                raise NoBill(str(error)) from None
            raise
        url, hash_type, digest = (
            answer.get(k) for k in ("download_url", "hash_type", "hash_value")
        )
        if not isinstance(url, str) or not url.startswith(self._base_url + "/"):
            raise ProviderError("bill download URL is not on the API's host")
        if hash_type != "SHA1" or not isinstance(digest, str):
            raise ProviderError("bill digest missing")
        with tempfile.TemporaryFile() as stored:
            await self._download(url, stored)
            if await asyncio.to_thread(_sha1_of_gzip, stored) != digest.lower():
                raise ProviderError("bill digest mismatch")
            stored.seek(0)
            with gzip.GzipFile(fileobj=stored) as unzipped:
                text = io.TextIOWrapper(unzipped, encoding="utf-8-sig", newline="")
                for number, line in enumerate(text):
                    yield line.rstrip("\r\n")
                    if number % 10_000 == 0:
                        await asyncio.sleep(0)

    async def _download(self, url: str, sink: IO[bytes]) -> None:
        target = httpx.URL(url)
        headers = {
            "Authorization": self.authorization("GET", target.raw_path.decode("ascii"), b""),
            "User-Agent": "siyu-wechatpay-v3",
        }
        try:
            async with self._client.stream("GET", target, headers=headers) as response:
                if response.status_code != 200:
                    raise ProviderError(f"bill download HTTP {response.status_code}")
                async for chunk in response.aiter_bytes(_BILL_CHUNK):
                    sink.write(chunk)
        except httpx.HTTPError as exc:
            raise ProviderError(f"bill download {type(exc).__name__}") from None

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
        return await self.request("POST", path, payload=payload)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one signed request; a 2xx answer (not yet verified) or a ProviderError.

        Outcomes: a connection never made is a plain ProviderError (nothing was sent); a timeout
        or a broken answer after sending, a 5xx and SYSTEM_ERROR are OutcomeUnknown (WeChat may
        have acted); other 4xx (FREQUENCY_LIMITED, NOT_ENOUGH, PARAM_ERROR…) are refusals.
        """
        body = (
            b""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        )
        url = httpx.URL(self._base_url + path, params=query)
        headers = {
            "Authorization": self.authorization(method, url.raw_path.decode("ascii"), body),
            "Accept": "application/json",
            "User-Agent": "siyu-wechatpay-v3",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        headers |= extra_headers or {}
        try:
            response = await self._client.request(method, url, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout):
            raise ProviderError("cannot connect") from None
        except httpx.TimeoutException:
            raise OutcomeUnknown("timeout") from None
        except httpx.HTTPError as exc:
            raise OutcomeUnknown(type(exc).__name__) from None
        if not 200 <= response.status_code < 300:
            status, code = response.status_code, _error_code(response)
            if status == 404:
                raise ResourceNotFound(status, code)
            if status >= 500 or code in _UNKNOWN_OUTCOME_CODES:
                raise OutcomeUnknown(f"HTTP {status} {code}" if code else f"HTTP {status}")
            raise WechatRefusal(status, code)
        return response

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        payload: dict[str, Any] | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """One signed request; only a 2xx answer signed by a platform key counts.

        A 2xx answer that fails verification or is no JSON object is OutcomeUnknown, not a
        refusal: the request reached WeChat, which may have acted on it (a refund created), so
        the caller asks before anything is retried or released.

        A request carrying a field from `encrypt_sensitive` passes
        `extra_headers={"Wechatpay-Serial": serial}` (WeChat decrypts with that key)."""
        response = await self._send(
            method, path, query=query, payload=payload, extra_headers=extra_headers
        )
        try:
            await self.keys.check(response.headers, response.content)
        except VerificationFailed as failure:
            raise OutcomeUnknown(f"answer refused: {failure.reason}") from None
        try:
            answer = json.loads(response.content)
        except ValueError:
            raise OutcomeUnknown("answer is not JSON") from None
        if not isinstance(answer, dict):
            raise OutcomeUnknown("answer is not a JSON object")
        return answer


def _sha1_of_gzip(stored: IO[bytes]) -> str:
    """SHA-1 of the decompressed bill (WeChat's hash_value is over the original file)."""
    stored.seek(0)
    digest = hashlib.sha1(usedforsecurity=False)
    with gzip.GzipFile(fileobj=stored) as unzipped:
        while chunk := unzipped.read(_BILL_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _error_code(response: httpx.Response) -> str:
    """WeChat's error code (e.g. `SIGN_ERROR`), when the answer has a sane one, else ""."""
    try:
        code = json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        return ""
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""
