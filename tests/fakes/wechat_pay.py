"""A fake WeChat Pay API v3: the real protocol, served by uvicorn over TCP on loopback.

It holds both key pairs of the protocol: the merchant's (the provider under test signs requests
with the private half, the fake verifies them with the public half) and the platform's (the fake
signs its answers and notifications, the provider verifies them). Signing, verifying and
encrypting are written here from WeChat's documentation, independently of api/payments, so a
mistake there is not mirrored here. It knows JSAPI prepay and domestic refunds; tests can delay
it, make it answer unsigned or signed with another key, and build notifications of any shape.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import re
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.serving import serving
from tests.fakes.wechat_transfers import FakeTransfers

JSAPI = "/v3/pay/transactions/jsapi"
REFUNDS = "/v3/refund/domestic/refunds"
_AUTHORIZATION = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.+)$")
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@functools.cache
def _key_for(role: str) -> rsa.RSAPrivateKey:
    """One key per role per process: generating RSA keys costs ~0.15 s, and every test starts
    a fake."""
    return new_key()


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verifies(key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        key.verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class Prepay:
    prepay_id: str
    body: dict[str, Any]


class FakeWechatPay:
    """The fake's state and the knobs tests turn; `app` is the Starlette app that serves it."""

    def __init__(self, mch_id: str, app_id: str):
        self.mch_id = mch_id
        self.app_id = app_id
        self.base_url = ""
        self.merchant_key = _key_for("merchant")
        self.merchant_serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
        self.platform_key = _key_for("platform")
        self.platform_serial = "PUB_KEY_ID_0114232134912410000000000001"
        self.api_v3_key = secrets.token_hex(16)
        self.calls: Counter[str] = Counter()
        self.prepays: dict[str, Prepay] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        # The state new refunds are answered with (WeChat: PROCESSING, SUCCESS, CLOSED, ABNORMAL).
        self.refund_status = "PROCESSING"
        # Seconds every answer waits first (provider timeouts).
        self.delay = 0.0
        # Answers are signed with this key (None: unsigned); tests swap it to forge answers.
        self.answer_key: rsa.RSAPrivateKey | None = self.platform_key
        # Transfer bills (商家转账): tests/fakes/wechat_transfers.py.
        self.transfers = FakeTransfers(self)
        self.app = Starlette(
            routes=[
                Route(JSAPI, self._jsapi, methods=["POST"]),
                Route(REFUNDS, self._refund, methods=["POST"]),
                *self.transfers.routes(),
            ]
        )

    def notification(
        self,
        out_trade_no: str,
        total: int,
        *,
        trade_state: str = "SUCCESS",
        timestamp: int | None = None,
        signing_key: rsa.RSAPrivateKey | None = None,
        serial: str | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of a payment notification as WeChat posts it to notify_url."""
        transaction = {
            "appid": self.app_id,
            "mchid": self.mch_id,
            "out_trade_no": out_trade_no,
            "transaction_id": f"4200001234{secrets.randbelow(10**18):018d}",
            "trade_type": "JSAPI",
            "trade_state": trade_state,
            "trade_state_desc": "支付成功" if trade_state == "SUCCESS" else trade_state,
            "bank_type": "OTHERS",
            "attach": "",
            "success_time": "2024-05-20T13:29:35+08:00",
            "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            "amount": {"total": total, "payer_total": total, "currency": "CNY"},
        }
        nonce, associated = secrets.token_hex(6), "transaction"
        ciphertext = AESGCM(self.api_v3_key.encode()).encrypt(
            nonce.encode(), json.dumps(transaction).encode(), associated.encode()
        )
        body = json.dumps(
            {
                "id": "EV-2018022511223320873",
                "create_time": "2024-05-20T13:29:35+08:00",
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": {
                    "original_type": "transaction",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": associated,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        return self._signed_headers(body, signing_key, serial, timestamp), body.encode()

    def _signed_headers(
        self,
        body: str,
        key: rsa.RSAPrivateKey | None,
        serial: str | None = None,
        timestamp: int | None = None,
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16)
        return {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": serial or self.platform_serial,
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
            "Wechatpay-Signature": rsa_sign(
                key or self.platform_key, f"{stamp}\n{nonce}\n{body}\n"
            ),
        }

    def _answer(self, status: int, payload: dict[str, Any]) -> Response:
        body = json.dumps(payload, ensure_ascii=False)
        headers = {"Request-ID": secrets.token_hex(8)}
        if self.answer_key is not None:
            headers |= self._signed_headers(body, self.answer_key)
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    def _error(self, status: int, code: str, message: str) -> Response:
        return self._answer(status, {"code": code, "message": message})

    async def _begin(self, endpoint: str, request: Request) -> dict[str, Any] | Response:
        """Count the call, wait if told to, check the merchant's signature, parse the body:
        the request's payload, or the refusal to answer with."""
        self.calls[endpoint] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        body = (await request.body()).decode()
        if not self._signed_by_merchant(request, body):
            return self._error(401, "SIGN_ERROR", "签名错误")
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return self._error(400, "PARAM_ERROR", "请求体不是合法的JSON")
        return payload

    def _signed_by_merchant(self, request: Request, body: str) -> bool:
        match = _AUTHORIZATION.match(request.headers.get("authorization", ""))
        if match is None:
            return False
        params = dict(_PARAM.findall(match.group(1)))
        if params.get("mchid") != self.mch_id or params.get("serial_no") != self.merchant_serial:
            return False
        timestamp = params.get("timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = f"{request.method}\n{target}\n{timestamp}\n{params.get('nonce_str')}\n{body}\n"
        return rsa_verifies(self.merchant_key.public_key(), message, params.get("signature", ""))

    async def _jsapi(self, request: Request) -> Response:
        payload = await self._begin(JSAPI, request)
        if isinstance(payload, Response):
            return payload
        if payload.get("mchid") != self.mch_id or payload.get("appid") != self.app_id:
            return self._error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        amount = payload.get("amount") or {}
        total = amount.get("total")
        if not isinstance(total, int) or total <= 0 or amount.get("currency") != "CNY":
            return self._error(400, "PARAM_ERROR", "订单金额无效")
        if not (payload.get("payer") or {}).get("openid"):
            return self._error(400, "PARAM_ERROR", "缺少参数payer.openid")
        try:
            expires = datetime.fromisoformat(payload["time_expire"])
        except (KeyError, TypeError, ValueError):
            return self._error(400, "PARAM_ERROR", "time_expire格式错误")
        if expires.tzinfo is None or expires <= datetime.now(UTC):
            return self._error(400, "PARAM_ERROR", "time_expire已过期")
        if not payload.get("out_trade_no") or not payload.get("notify_url"):
            return self._error(400, "PARAM_ERROR", "缺少参数")
        known = self.prepays.get(payload["out_trade_no"])
        if known is None:
            known = Prepay(f"wx{secrets.token_hex(16)}", payload)
            self.prepays[payload["out_trade_no"]] = known
        return self._answer(200, {"prepay_id": known.prepay_id})

    async def _refund(self, request: Request) -> Response:
        payload = await self._begin(REFUNDS, request)
        if isinstance(payload, Response):
            return payload
        out_refund_no = payload.get("out_refund_no")
        if out_refund_no in self.refunds:
            # A repeated out_refund_no is the same refund, answered again.
            return self._answer(200, self.refunds[out_refund_no])
        prepay = self.prepays.get(payload.get("out_trade_no", ""))
        if prepay is None or not out_refund_no:
            return self._error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        amount = payload.get("amount") or {}
        refund, total = amount.get("refund"), amount.get("total")
        if total != prepay.body["amount"]["total"] or not isinstance(refund, int):
            return self._error(400, "PARAM_ERROR", "订单金额不一致")
        if not 0 < refund <= total:
            return self._error(400, "INVALID_REQUEST", "退款金额无效")
        self.refunds[out_refund_no] = {
            "refund_id": f"50300{secrets.randbelow(10**24):024d}",
            "out_refund_no": out_refund_no,
            "out_trade_no": payload["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": "2024-05-21T10:00:00+08:00",
            "status": self.refund_status,
            "amount": {"refund": refund, "total": total, "currency": "CNY"},
        }
        return self._answer(200, self.refunds[out_refund_no])


@asynccontextmanager
async def running_fake_wechat_pay(mch_id: str, app_id: str) -> AsyncIterator[FakeWechatPay]:
    """Serve a `FakeWechatPay` on 127.0.0.1 for the block; its `base_url` points at it."""
    fake = FakeWechatPay(mch_id, app_id)
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake
