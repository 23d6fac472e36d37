"""WeChat Pay 商家转账 (transfer bills, the user-confirmation mode) for WECHAT_BALANCE withdrawals.

Follows WeChat Pay's documentation for ordinary merchants (pay.weixin.qq.com, 商家转账):
- 发起转账 `POST /v3/fund-app/mch-transfer/transfer-bills` with `appid`, `out_bill_no`,
  `transfer_scene_id`, `openid`, `user_name` (required from 2000 yuan, RSA-encrypted with
  WeChat's public key or platform certificate named by the `Wechatpay-Serial` header),
  `transfer_amount` (fen), `transfer_remark` (≤ 32 characters, the payee sees it),
  `transfer_scene_report_infos` and `notify_url`. The answer carries `state` and, for
  `WAIT_USER_CONFIRM`, the `package_info` the mini-program hands to `wx.requestMerchantTransfer`.
- 商户单号查询转账单 `GET .../transfer-bills/out-bill-no/{out_bill_no}` (404 NOT_FOUND: no bill).
- 撤销转账 `POST .../transfer-bills/out-bill-no/{out_bill_no}/cancel`: accepted means CANCELING;
  the final state is read back.
- 商家转账回调通知 `MCHTRANSFER.BILL.FINISHED`: signed like every WeChat Pay notification, the bill
  AES-256-GCM encrypted with the APIv3 key (associated data `mch_payment`).
- "接口返回的HTTP状态码不为200时...务必不要立即更换商户订单单号重试": a timeout, a 5xx,
  `SYSTEM_ERROR` or `FREQUENCY_LIMITED` is an unknown outcome (PayoutOutcomeUnknown), never a
  refusal; the number is never changed, so asking again cannot pay twice. Any other error answer
  is a refusal before a bill exists (PayoutError with WeChat's code, e.g. NOT_ENOUGH).

Requests are signed by `WechatPayV3Provider.authorization` and answers verified by the same
`PlatformKey` machinery as payments (api/payments/wechat_v3.py); notifications by a
`NotificationVerifier` whose decrypted resource is read as a bill instead of a transaction.
Nothing here logs or raises the openid or the name.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from api.payments.wechat_v3 import (
    NotificationVerifier,
    VerificationFailed,
    WechatPayV3Provider,
)
from distribution.payouts import (
    BillOutcome,
    PayoutError,
    PayoutOutcomeUnknown,
    PayoutRequest,
    TransferBill,
)

TRANSFER_PATH = "/v3/fund-app/mch-transfer/transfer-bills"
BILL_PATH = TRANSFER_PATH + "/out-bill-no/{out_bill_no}"
CANCEL_PATH = BILL_PATH + "/cancel"
FINISHED_EVENT = "MCHTRANSFER.BILL.FINISHED"
REMARK_MAX = 32
# Answers that say "not now", not "no": the bill may exist, ask again with the same number.
# WeChat's codes and states are upper-case words; anything else is not echoed.
_ERROR_CODE = re.compile(r"[A-Z_]{1,40}")
_TRANSIENT_CODES = frozenset({"SYSTEM_ERROR", "FREQUENCY_LIMITED"})
_OUTCOMES = {
    "SUCCESS": BillOutcome.PAID,
    "WAIT_USER_CONFIRM": BillOutcome.AWAITING_PAYEE,
    # The payee confirmed and the result is not clear yet: the confirm page may be opened again.
    "TRANSFERING": BillOutcome.AWAITING_PAYEE,
    "ACCEPTED": BillOutcome.IN_FLIGHT,
    "PROCESSING": BillOutcome.IN_FLIGHT,
    "CANCELING": BillOutcome.IN_FLIGHT,
    "FAIL": BillOutcome.FAILED,
    "CANCELLED": BillOutcome.CANCELLED,
}


# WeChat's sensitive-field scheme fixes OAEP's hash to SHA-1 (no collision resistance needed here).
_OAEP_HASH = hashes.SHA1()  # noqa: S303


def encrypt_sensitive(key: rsa.RSAPublicKey, text: str) -> str:
    """WeChat's sensitive-field encryption: RSAES-OAEP (SHA-1, MGF1-SHA-1), base64."""
    ciphertext = key.encrypt(
        text.encode(),
        padding.OAEP(mgf=padding.MGF1(algorithm=_OAEP_HASH), algorithm=_OAEP_HASH, label=None),
    )
    return base64.b64encode(ciphertext).decode()


def bill_from(data: Mapping[str, Any]) -> TransferBill:
    """A bill from an answer or a decrypted notification; an unknown state is in flight (never
    final: nothing is released on a word we do not know)."""
    state = data.get("state")
    if not isinstance(state, str) or not state:
        raise ValueError("no state")
    created = data.get("create_time")
    try:
        created_at = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        created_at = None
    amount = data.get("transfer_amount")
    reason = data.get("fail_reason")
    package = data.get("package_info")
    bill_no = data.get("transfer_bill_no")
    sane_state = state if _ERROR_CODE.fullmatch(state) else "UNKNOWN"
    return TransferBill(
        outcome=_OUTCOMES.get(sane_state, BillOutcome.IN_FLIGHT),
        state=sane_state,
        bill_no=bill_no if isinstance(bill_no, str) and bill_no else None,
        package_info=package if isinstance(package, str) and package else None,
        created_at=created_at,
        amount_fen=amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
        fail_reason=reason if isinstance(reason, str) and _ERROR_CODE.fullmatch(reason) else None,
    )


class TransferNotifications(NotificationVerifier):
    """Verifies answers and `MCHTRANSFER.BILL.FINISHED` notifications with the payment
    verifier's platform key and APIv3 key."""

    def check_answer(self, headers: Mapping[str, str], body: bytes) -> None:
        self._platform.check(headers, body)

    def bill(self, headers: Mapping[str, str], body: bytes) -> tuple[str, TransferBill]:
        """(out_bill_no, bill) of a notification, or VerificationFailed."""
        self._platform.check(headers, body, fresh=True)
        try:
            envelope = json.loads(body)
        except ValueError:
            raise VerificationFailed("body is not JSON") from None
        resource = envelope.get("resource") if isinstance(envelope, dict) else None
        if not isinstance(resource, dict):
            raise VerificationFailed("no resource")
        if envelope.get("event_type") != FINISHED_EVENT:
            raise VerificationFailed("not a transfer notification")
        data = self._decrypt(resource)
        if data.get("mch_id") != self._mch_id:
            raise VerificationFailed("another merchant's transfer")
        out_bill_no = data.get("out_bill_no")
        if not isinstance(out_bill_no, str) or not out_bill_no:
            raise VerificationFailed("incomplete transfer")
        try:
            return out_bill_no, bill_from(data)
        except ValueError:
            raise VerificationFailed("incomplete transfer") from None


class WechatTransferProvider:
    """The transfer provider (distribution.payouts.TransferProvider) against WeChat Pay."""

    name = "WECHAT_TRANSFER"

    def __init__(
        self,
        *,
        signer: WechatPayV3Provider,
        verifier: TransferNotifications,
        encryption_key: rsa.RSAPublicKey,
        encryption_serial: str,
        notify_url: str,
        base_url: str,
        client: httpx.AsyncClient | None = None,
        owns_client: bool | None = None,
        timeout: float = 5.0,
    ):
        """`client` may be shared with the signer; `owns_client` (default: made here) says
        whether `aclose` closes it."""
        self.mch_id = signer.mch_id
        self.app_id = signer.app_id
        self.verifier = verifier
        self._signer = signer
        self._encryption_key = encryption_key
        self._encryption_serial = encryption_serial
        self._notify_url = notify_url
        self._base_url = base_url.rstrip("/")
        self._owns_client = client is None if owns_client is None else owns_client
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def transfer(self, request: PayoutRequest) -> TransferBill:
        if not request.openid:
            raise PayoutError("no openid for the payee")
        payload: dict[str, Any] = {
            "appid": self.app_id,
            "out_bill_no": request.idempotency_key,
            "transfer_scene_id": request.scene_id,
            "openid": request.openid,
            "transfer_amount": request.amount_fen,
            "transfer_remark": request.description[:REMARK_MAX],
            "notify_url": self._notify_url,
            "transfer_scene_report_infos": [
                {"info_type": kind, "info_content": content}
                for kind, content in request.scene_report_infos
            ],
        }
        headers = {}
        if request.payee_name:
            payload["user_name"] = encrypt_sensitive(self._encryption_key, request.payee_name)
            headers["Wechatpay-Serial"] = self._encryption_serial
        answer = await self._request("POST", TRANSFER_PATH, payload, headers)
        if answer is None or answer.get("out_bill_no") != request.idempotency_key:
            raise PayoutOutcomeUnknown("the answer is not about this bill")
        return self._bill(answer)

    async def query(self, key: str) -> TransferBill | None:
        answer = await self._request("GET", BILL_PATH.format(out_bill_no=quote(key, safe="")))
        return None if answer is None else self._bill(answer)

    async def cancel(self, key: str) -> TransferBill:
        answer = await self._request("POST", CANCEL_PATH.format(out_bill_no=quote(key, safe="")))
        if answer is None:
            raise PayoutError("no such bill")
        return self._bill(answer)

    @staticmethod
    def _bill(answer: dict[str, Any]) -> TransferBill:
        try:
            return bill_from(answer)
        except ValueError:
            raise PayoutOutcomeUnknown("the answer has no state") from None

    async def _request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """One signed call; the verified answer, or None for 404 NOT_FOUND."""
        body = (
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            if payload is not None
            else b""
        )
        url = httpx.URL(self._base_url + path)
        headers = {
            "Authorization": self._signer.authorization(method, url.raw_path.decode("ascii"), body),
            "Accept": "application/json",
            "User-Agent": "siyu-wechatpay-v3",
            **(extra_headers or {}),
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = await self._client.request(method, url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise PayoutOutcomeUnknown("timeout") from None
        except httpx.HTTPError as exc:
            raise PayoutOutcomeUnknown(type(exc).__name__) from None
        code = _error_code(response)
        if response.status_code == 404 and code in ("NOT_FOUND", "RESOURCE_NOT_EXISTS"):
            return None
        if response.status_code >= 500 or response.status_code == 429:
            raise PayoutOutcomeUnknown(f"HTTP {response.status_code} {code}".strip())
        if not 200 <= response.status_code < 300:
            if code in _TRANSIENT_CODES:
                raise PayoutOutcomeUnknown(code)
            raise PayoutError(f"wechat: {code or f'HTTP {response.status_code}'}")
        try:
            self.verifier.check_answer(response.headers, response.content)
        except VerificationFailed as failure:
            raise PayoutOutcomeUnknown(f"answer refused: {failure.reason}") from None
        try:
            answer = json.loads(response.content)
        except ValueError:
            raise PayoutOutcomeUnknown("answer is not JSON") from None
        if not isinstance(answer, dict):
            raise PayoutOutcomeUnknown("answer is not a JSON object")
        return answer


def _error_code(response: httpx.Response) -> str:
    try:
        code = json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        return ""
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else ""
