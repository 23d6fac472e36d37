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

Everything WeChat-specific is api/payments/wechat_v3.py's, shared with payments: requests go
through `WechatPayV3Provider.request` (signed with the merchant key, the answer verified with the
platform key its Wechatpay-Serial names, certificates or the WeChat Pay public key), `user_name`
through `encrypt_sensitive` (the serial it answers goes in `Wechatpay-Serial`), notifications
through `NotificationVerifier.open` (signature, freshness, AES-GCM, merchant), their resource
read here as a bill. Its errors are mapped to the transfer's: an OutcomeUnknown, a 2xx answer
that does not verify, FREQUENCY_LIMITED or a 429 is PayoutOutcomeUnknown; any other 4xx is a
PayoutError with WeChat's code. Nothing here logs or raises the openid or the name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from api.payments.wechat_v3 import (
    NotificationVerifier,
    ResourceNotFound,
    VerificationFailed,
    WechatPayV3Provider,
    WechatRefusal,
)
from distribution.payouts import (
    BillOutcome,
    PayoutError,
    PayoutOutcomeUnknown,
    PayoutRequest,
    TransferBill,
)
from domain.payments.provider import ProviderError

TRANSFER_PATH = "/v3/fund-app/mch-transfer/transfer-bills"
BILL_PATH = TRANSFER_PATH + "/out-bill-no/{out_bill_no}"
CANCEL_PATH = BILL_PATH + "/cancel"
FINISHED_EVENT = "MCHTRANSFER.BILL.FINISHED"
REMARK_MAX = 32
# WeChat's codes and states are upper-case words; anything else is not echoed.
_ERROR_CODE = re.compile(r"[A-Z_]{1,40}")
# Answers that say "not now", not "no": the bill may exist, ask again with the same number.
# (SYSTEM_ERROR and 5xx are OutcomeUnknown already in wechat_v3.)
_TRANSIENT_CODES = frozenset({"FREQUENCY_LIMITED"})
_TRANSIENT_STATUS = 429
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


class TransferNotifications:
    """`MCHTRANSFER.BILL.FINISHED` notifications, verified exactly like payment and refund
    notifications (the merchant's NotificationVerifier: signature by serial, freshness, AES-GCM
    with the APIv3 key, this merchant) and read as a bill."""

    def __init__(self, verifier: NotificationVerifier):
        self._verifier = verifier

    async def bill(self, headers: Mapping[str, str], body: bytes) -> tuple[str, TransferBill]:
        """(out_bill_no, bill) of a notification, or VerificationFailed."""
        event_type, data = await self._verifier.open(headers, body, merchant_field="mch_id")
        if event_type != FINISHED_EVENT:
            raise VerificationFailed("not a transfer notification")
        out_bill_no = data.get("out_bill_no")
        if not isinstance(out_bill_no, str) or not out_bill_no:
            raise VerificationFailed("incomplete transfer")
        try:
            return out_bill_no, bill_from(data)
        except ValueError:
            raise VerificationFailed("incomplete transfer") from None


class WechatTransferProvider:
    """The transfer provider (distribution.payouts.TransferProvider) against WeChat Pay, through
    the merchant's WechatPayV3Provider (`wechat`, closed by `aclose`)."""

    name = "WECHAT_TRANSFER"

    def __init__(
        self, *, wechat: WechatPayV3Provider, verifier: TransferNotifications, notify_url: str
    ):
        self.mch_id = wechat.mch_id
        self.app_id = wechat.app_id
        self.wechat = wechat
        self.verifier = verifier
        self._notify_url = notify_url

    async def aclose(self) -> None:
        await self.wechat.aclose()

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
            try:
                payload["user_name"], serial = await self.wechat.encrypt_sensitive(
                    request.payee_name
                )
            except ProviderError as error:  # no key to encrypt with: nothing was sent
                raise PayoutError(f"wechat: {error}") from None
            headers["Wechatpay-Serial"] = serial
        try:
            answer = await self._request("POST", TRANSFER_PATH, payload, headers)
        except ResourceNotFound as refusal:
            raise PayoutError(_refusal_reason(refusal)) from None
        if answer.get("out_bill_no") != request.idempotency_key:
            raise PayoutOutcomeUnknown("the answer is not about this bill")
        return self._bill(answer)

    async def query(self, key: str) -> TransferBill | None:
        try:
            answer = await self._request("GET", BILL_PATH.format(out_bill_no=quote(key, safe="")))
        except ResourceNotFound:
            return None
        return self._bill(answer)

    async def cancel(self, key: str) -> TransferBill:
        try:
            answer = await self._request(
                "POST", CANCEL_PATH.format(out_bill_no=quote(key, safe=""))
            )
        except ResourceNotFound:
            raise PayoutError("no such bill") from None
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
    ) -> dict[str, Any]:
        """One call through `WechatPayV3Provider.request`, its errors in the transfer's terms.

        ResourceNotFound (404) is left to the caller. Everything that is neither a verified
        answer nor a refusal is an unknown outcome: OutcomeUnknown (timeout, 5xx, SYSTEM_ERROR),
        and also a connection that failed or a 2xx answer that did not verify or parse, after
        which WeChat may hold a bill; asking again with the same out_bill_no cannot pay twice.
        """
        try:
            return await self.wechat.request(
                method, path, payload=payload, extra_headers=extra_headers
            )
        except ResourceNotFound:
            raise
        except WechatRefusal as refusal:
            if refusal.status == _TRANSIENT_STATUS or refusal.code in _TRANSIENT_CODES:
                raise PayoutOutcomeUnknown(str(refusal)) from None
            raise PayoutError(_refusal_reason(refusal)) from None
        except ProviderError as error:  # OutcomeUnknown, cannot connect, answer refused
            raise PayoutOutcomeUnknown(str(error)) from None


def _refusal_reason(refusal: WechatRefusal) -> str:
    """`wechat: NOT_ENOUGH`, or the HTTP status when the answer had no code."""
    return f"wechat: {refusal.code or f'HTTP {refusal.status}'}"
