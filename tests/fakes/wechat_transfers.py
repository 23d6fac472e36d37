"""The transfer bills (商家转账, user-confirmation mode) of the fake WeChat Pay server.

Written from WeChat Pay's documentation, independently of api/payouts: 发起转账 (POST
transfer-bills: a new bill waits for the payee, `WAIT_USER_CONFIRM` with a `package_info`; a
repeated `out_bill_no` answers the bill it already has), 商户单号查询转账单 (GET, 404 NOT_FOUND for
an unknown number, no package in the answer), 撤销转账 (POST .../cancel: `CANCELING`, the bill is
CANCELLED behind it) and the `MCHTRANSFER.BILL.FINISHED` notification (signed, AES-256-GCM with
associated data `mch_payment`). `user_name` must come RSA-OAEP encrypted for the platform key
named by `Wechatpay-Serial`, and is required from 2000 yuan.

Tests play the payee with `confirm` (WAIT_USER_CONFIRM → SUCCESS, then the notification goes to
`deliver`), and WeChat closing a bill with `fail` and `expire`. `faults` queues what the next
calls do instead of answering normally: TIMEOUT_AFTER_ACCEPT (the bill is made, the answer comes
too late), HTTP_502 (a proxy's 5xx), SYSTEM_ERROR (500), FREQUENCY_LIMITED (429), NOT_ENOUGH
(403, no bill).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

if TYPE_CHECKING:
    from tests.fakes.wechat_pay import FakeWechatPay

TRANSFER_BILLS = "/v3/fund-app/mch-transfer/transfer-bills"
BILL = TRANSFER_BILLS + "/out-bill-no/{out_bill_no}"
CANCEL = BILL + "/cancel"
REAL_NAME_FROM_FEN = 200_000
_OUT_BILL_NO = re.compile(r"[0-9A-Za-z]{1,32}")
_SHANGHAI = timezone(timedelta(hours=8))
_UNCONFIRMED = ("ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM")

Deliver = Callable[[dict[str, str], bytes], Awaitable[int]]


def _now() -> str:
    return datetime.now(_SHANGHAI).isoformat(timespec="seconds")


class FakeTransfers:
    def __init__(self, pay: FakeWechatPay):
        self.pay = pay
        self.bills: dict[str, dict[str, Any]] = {}
        self.calls: Counter[str] = Counter()
        self.faults: deque[str] = deque()
        # How long TIMEOUT_AFTER_ACCEPT keeps the answer back (longer than the client waits).
        self.late_by = 2.0
        # Where notifications go (the app's notify route); set by the test.
        self.deliver: Deliver | None = None
        self.delivered: list[int] = []

    def routes(self) -> list[Route]:
        return [
            Route(TRANSFER_BILLS, self._create, methods=["POST"]),
            Route(BILL, self._query, methods=["GET"]),
            Route(CANCEL, self._cancel, methods=["POST"]),
        ]

    @property
    def paid_fen(self) -> int:
        return sum(b["transfer_amount"] for b in self.bills.values() if b["state"] == "SUCCESS")

    # The payee and WeChat, played by tests

    async def confirm(self, out_bill_no: str) -> int | None:
        """The payee confirms in the mini-program: the money arrives, WeChat notifies."""
        bill = self.bills[out_bill_no]
        assert bill["state"] == "WAIT_USER_CONFIRM", bill["state"]
        return await self._finish(bill, "SUCCESS")

    async def fail(self, out_bill_no: str, reason: str = "PAYEE_ACCOUNT_ABNORMAL") -> int | None:
        return await self._finish(self.bills[out_bill_no], "FAIL", reason)

    async def expire(self, out_bill_no: str) -> int | None:
        """WeChat closes a bill nobody confirmed."""
        return await self._finish(self.bills[out_bill_no], "CANCELLED")

    async def _finish(self, bill: dict[str, Any], state: str, reason: str = "") -> int | None:
        bill["state"] = state
        bill["update_time"] = _now()
        if reason:
            bill["fail_reason"] = reason
        bill.pop("package_info", None)
        return await self.notify(bill)

    async def notify(self, bill: dict[str, Any]) -> int | None:
        if self.deliver is None:
            return None
        headers, body = self.notification(bill)
        status = await self.deliver(headers, body)
        self.delivered.append(status)
        return status

    def notification(
        self, bill: dict[str, Any], *, signing_key=None, **changes: Any
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of a MCHTRANSFER.BILL.FINISHED notification for `bill`."""
        resource = {
            "out_bill_no": bill["out_bill_no"],
            "transfer_bill_no": bill["transfer_bill_no"],
            "state": bill["state"],
            "mch_id": self.pay.mch_id,
            "transfer_amount": bill["transfer_amount"],
            "openid": bill["openid"],
            "create_time": bill["create_time"],
            "update_time": bill.get("update_time", bill["create_time"]),
            **({"fail_reason": bill["fail_reason"]} if bill.get("fail_reason") else {}),
            **changes,
        }
        nonce, associated = secrets.token_hex(6), "mch_payment"
        ciphertext = AESGCM(self.pay.api_v3_key.encode()).encrypt(
            nonce.encode(), json.dumps(resource).encode(), associated.encode()
        )
        body = json.dumps(
            {
                "id": f"EV-{secrets.token_hex(8)}",
                "create_time": _now(),
                "resource_type": "encrypt-resource",
                "event_type": "MCHTRANSFER.BILL.FINISHED",
                "summary": "商家转账单据终态通知",
                "resource": {
                    "original_type": "mch_payment",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": associated,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        return self.pay._signed_headers(body, signing_key), body.encode()

    # The API

    async def _fault(self) -> tuple[str | None, Response | None]:
        if not self.faults:
            return None, None
        fault = self.faults.popleft()
        if fault == "HTTP_502":
            return fault, Response("<html>502 Bad Gateway</html>", status_code=502)
        if fault == "SYSTEM_ERROR":
            return fault, self.pay._error(500, "SYSTEM_ERROR", "系统错误，请使用相同参数稍后重试")
        if fault == "FREQUENCY_LIMITED":
            return fault, self.pay._error(429, "FREQUENCY_LIMITED", "频率超限")
        if fault == "NOT_ENOUGH":
            return fault, self.pay._error(403, "NOT_ENOUGH", "资金不足")
        return fault, None

    async def _begin(
        self, endpoint: str, request: Request
    ) -> tuple[str, str | None, Response | None]:
        self.calls[endpoint] += 1
        body = (await request.body()).decode()
        if not self.pay._signed_by_merchant(request, body):
            return body, None, self.pay._error(401, "SIGN_ERROR", "签名错误")
        fault, answer = await self._fault()
        return body, fault, answer

    async def _create(self, request: Request) -> Response:
        body, fault, refusal = await self._begin("create", request)
        if refusal is not None:
            return refusal
        try:
            payload = json.loads(body)
        except ValueError:
            return self.pay._error(400, "PARAM_ERROR", "请求体不是合法的JSON")
        problem = self._invalid(payload, request)
        if problem:
            return self.pay._error(400, "PARAM_ERROR", problem)
        out_bill_no = payload["out_bill_no"]
        bill = self.bills.get(out_bill_no)
        if bill is None:
            bill = {
                "out_bill_no": out_bill_no,
                "transfer_bill_no": f"1330000{secrets.randbelow(10**20):020d}",
                "appid": payload["appid"],
                "openid": payload["openid"],
                "transfer_amount": payload["transfer_amount"],
                "transfer_remark": payload["transfer_remark"],
                "transfer_scene_id": payload["transfer_scene_id"],
                "report_infos": payload["transfer_scene_report_infos"],
                "user_name": self._decrypt_name(payload.get("user_name")),
                "state": "WAIT_USER_CONFIRM",
                "package_info": "ABBQO+oYAAABAAAAAAB" + secrets.token_urlsafe(24),
                "create_time": _now(),
            }
            self.bills[out_bill_no] = bill
        elif (bill["transfer_amount"], bill["openid"]) != (
            payload["transfer_amount"],
            payload["openid"],
        ):
            return self.pay._error(400, "PARAM_ERROR", "商户单号重复且参数不一致")
        if fault == "TIMEOUT_AFTER_ACCEPT":
            await asyncio.sleep(self.late_by)
        answer = {
            "out_bill_no": out_bill_no,
            "transfer_bill_no": bill["transfer_bill_no"],
            "create_time": bill["create_time"],
            "state": bill["state"],
            **({"package_info": bill["package_info"]} if "package_info" in bill else {}),
            **({"fail_reason": bill["fail_reason"]} if bill.get("fail_reason") else {}),
        }
        return self.pay._answer(200, answer)

    def _invalid(self, payload: Any, request: Request) -> str | None:
        if not isinstance(payload, dict):
            return "请求体不是对象"
        if payload.get("appid") != self.pay.app_id:
            return "appid不匹配"
        if not _OUT_BILL_NO.fullmatch(str(payload.get("out_bill_no", ""))):
            return "out_bill_no格式错误"
        amount = payload.get("transfer_amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return "转账金额无效"
        remark = payload.get("transfer_remark")
        if not isinstance(remark, str) or not 0 < len(remark) <= 32:
            return "转账备注无效"
        if not payload.get("openid") or not payload.get("transfer_scene_id"):
            return "缺少参数"
        infos = payload.get("transfer_scene_report_infos")
        if not isinstance(infos, list) or not infos:
            return "需传入转账场景报备信息"
        if not str(payload.get("notify_url", "")).startswith("https://"):
            return "notify_url无效"
        if payload.get("user_name") is not None:
            if request.headers.get("wechatpay-serial") != self.pay.platform_serial:
                return "Wechatpay-Serial无效"
            if self._decrypt_name(payload["user_name"]) is None:
                return "user_name解密失败"
        elif amount >= REAL_NAME_FROM_FEN:
            return "转账金额>=2000元时必须填写收款用户姓名"
        return None

    def _decrypt_name(self, encrypted: Any) -> str | None:
        if not isinstance(encrypted, str):
            return None
        try:
            plain = self.pay.platform_key.decrypt(
                base64.b64decode(encrypted),
                padding.OAEP(
                    mgf=padding.MGF1(algorithm=hashes.SHA1()),  # noqa: S303 (WeChat's OAEP)
                    algorithm=hashes.SHA1(),  # noqa: S303
                    label=None,
                ),
            )
        except ValueError:
            return None
        return plain.decode()

    def _public(self, bill: dict[str, Any]) -> dict[str, Any]:
        """A bill as the query answers it: no package, no report infos, the name not shown."""
        hidden = {"package_info", "report_infos", "user_name", "transfer_scene_id"}
        return {"mch_id": self.pay.mch_id} | {k: v for k, v in bill.items() if k not in hidden}

    async def _query(self, request: Request) -> Response:
        _, fault, refusal = await self._begin("query", request)
        if refusal is not None:
            return refusal
        bill = self.bills.get(request.path_params["out_bill_no"])
        if bill is None:
            return self.pay._error(404, "NOT_FOUND", "记录不存在")
        if fault == "TIMEOUT_AFTER_ACCEPT":
            await asyncio.sleep(self.late_by)
        return self.pay._answer(200, self._public(bill))

    async def _cancel(self, request: Request) -> Response:
        _, _, refusal = await self._begin("cancel", request)
        if refusal is not None:
            return refusal
        bill = self.bills.get(request.path_params["out_bill_no"])
        if bill is None:
            return self.pay._error(404, "NOT_FOUND", "记录不存在")
        if bill["state"] not in _UNCONFIRMED:
            return self.pay._error(400, "INVALID_REQUEST", "当前状态不支持撤销")
        bill["state"] = "CANCELLED"
        bill["update_time"] = _now()
        bill.pop("package_info", None)
        return self.pay._answer(
            200,
            {
                "out_bill_no": bill["out_bill_no"],
                "transfer_bill_no": bill["transfer_bill_no"],
                "state": "CANCELING",
                "update_time": bill["update_time"],
            },
        )
