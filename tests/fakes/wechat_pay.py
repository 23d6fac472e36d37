"""A fake WeChat Pay API v3: the real protocol, served by uvicorn over TCP on loopback.

It holds both key pairs of the protocol: the merchant's (the provider under test signs requests
with the private half, the fake verifies them with the public half) and the platform's (the fake
signs its answers and notifications, the provider verifies them). Signing, verifying and
encrypting are written here from WeChat's documentation, independently of api/payments, so a
mistake there is not mirrored here. It knows JSAPI prepay and domestic refunds; tests can delay
it, make it answer unsigned or signed with another key, and build notifications of any shape.

It also knows (SPEC 20): refunds that stay PROCESSING until a test finishes them (SUCCESS,
ABNORMAL, CLOSED) with their REFUND.* notification, the refund query, the platform certificates
(`use_certificates`, `rotate_certificate`: from then on it signs with the new one) beside the
default WeChat Pay public key mode, the daily trade and fund-flow bills (gzip download with its
SHA-1), and injected faults per endpoint (`inject`): a timeout after accepting, HTTP 500,
SYSTEM_ERROR, FREQUENCY_LIMITED.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gzip
import hashlib
import json
import re
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
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
REFUND_QUERY = "/v3/refund/domestic/refunds/{out_refund_no}"
CERTIFICATES = "/v3/certificates"
TRADE_BILL = "/v3/bill/tradebill"
FUND_FLOW_BILL = "/v3/bill/fundflowbill"
BILL_DOWNLOAD = "/v3/billdownload/file"
# WeChat's trade bill (ALL) columns, in order (交易账单详细说明).
TRADE_BILL_COLUMNS = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,"
    "付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,"
    "退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
TRADE_BILL_SUMMARY = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
FUND_FLOW_COLUMNS = (
    "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,"
    "资金变更提交申请人,备注,业务凭证号"
)
FUND_FLOW_SUMMARY = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"
# Faults `inject` knows.
TIMEOUT_AFTER_ACCEPT = "TIMEOUT_AFTER_ACCEPT"
HTTP_500 = "HTTP_500"
SYSTEM_ERROR = "SYSTEM_ERROR"
FREQUENCY_LIMITED = "FREQUENCY_LIMITED"
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


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def self_signed_certificate(key: rsa.RSAPrivateKey, serial: int, not_after: datetime) -> str:
    """A platform certificate as WeChat's download carries it (PEM)."""
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Certificate:
    serial: str
    key: rsa.RSAPrivateKey
    pem: str
    not_after: datetime


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
        # Certificate mode (`use_certificates`): every certificate the download lists.
        self.certificates: list[Certificate] = []
        # Endpoint → faults to apply to its next calls, in order (`inject`).
        self.faults: dict[str, list[str]] = {}
        # (bill path, bill_date) → the bill's text; `bill_digest` overrides the announced SHA-1.
        self.bills: dict[tuple[str, str], str] = {}
        self.bill_digest: str | None = None
        self._downloads: dict[str, bytes] = {}
        self.app = Starlette(
            routes=[
                Route(JSAPI, self._jsapi, methods=["POST"]),
                Route(REFUNDS, self._refund, methods=["POST"]),
                *self.transfers.routes(),
                Route(REFUND_QUERY, self._refund_query, methods=["GET"]),
                Route(CERTIFICATES, self._certificates, methods=["GET"]),
                Route(TRADE_BILL, self._bill, methods=["GET"]),
                Route(FUND_FLOW_BILL, self._bill, methods=["GET"]),
                Route(BILL_DOWNLOAD, self._bill_download, methods=["GET"]),
            ]
        )

    # Knobs

    def inject(self, endpoint: str, *faults: str) -> None:
        """The next calls of `endpoint` (JSAPI, REFUNDS, REFUND_QUERY…) meet these faults."""
        self.faults.setdefault(endpoint, []).extend(faults)

    def use_certificates(self) -> None:
        """Certificate mode: sign with a platform certificate listed by /v3/certificates."""
        self._add_certificate(self.platform_key)

    def rotate_certificate(self) -> None:
        """WeChat's rotation: a new certificate is listed beside the old one and signs from now."""
        self._add_certificate(new_key())

    def _add_certificate(self, key: rsa.RSAPrivateKey) -> None:
        serial_number = secrets.randbits(120) | 1 << 119
        # Each new certificate outlives the previous one, as WeChat's do.
        not_after = datetime.now(UTC) + timedelta(days=5 * 365 + len(self.certificates))
        serial = f"{serial_number:X}"
        pem = self_signed_certificate(key, serial_number, not_after)
        self.certificates.append(Certificate(serial, key, pem, not_after))
        if self.answer_key is self.platform_key:
            self.answer_key = key
        self.platform_key, self.platform_serial = key, serial

    def finish_refund(self, out_refund_no: str, status: str) -> tuple[dict[str, str], bytes]:
        """WeChat finishes a refund (SUCCESS, ABNORMAL, CLOSED): the query shows it, and this
        is the REFUND.<status> notification it posts to the refund's notify_url."""
        refund = self.refunds[out_refund_no]
        refund["status"] = status
        if status == "SUCCESS":
            refund["success_time"] = "2024-05-21T10:05:00+08:00"
        return self.refund_notification(out_refund_no)

    def refund_notification(
        self, out_refund_no: str, *, refund_fen: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        refund = self.refunds[out_refund_no]
        resource = {
            "mchid": self.mch_id,
            "out_trade_no": refund["out_trade_no"],
            "transaction_id": "4200001234202405201234567890",
            "out_refund_no": out_refund_no,
            "refund_id": refund["refund_id"],
            "refund_status": refund["status"],
            "success_time": refund.get("success_time", ""),
            "user_received_account": refund["user_received_account"],
            "amount": {
                "total": refund["amount"]["total"],
                "refund": refund["amount"]["refund"] if refund_fen is None else refund_fen,
                "payer_total": refund["amount"]["total"],
                "payer_refund": refund["amount"]["refund"],
            },
        }
        nonce, associated = secrets.token_hex(6), "refund"
        ciphertext = AESGCM(self.api_v3_key.encode()).encrypt(
            nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), associated.encode()
        )
        summaries = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}
        body = json.dumps(
            {
                "id": f"EV-{secrets.token_hex(8)}",
                "create_time": "2024-05-21T10:05:00+08:00",
                "resource_type": "encrypt-resource",
                "event_type": f"REFUND.{refund['status']}",
                "summary": summaries.get(refund["status"], refund["status"]),
                "resource": {
                    "original_type": "refund",
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": associated,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        return self._signed_headers(body, None), body.encode()

    def set_trade_bill(self, bill_date: str, rows: Iterable[str]) -> None:
        """The ALL trade bill of `bill_date` with these rows (see `trade_row`/`refund_row`)."""
        self.bills[(TRADE_BILL, bill_date)] = trade_bill_text(rows)

    def set_fund_flow_bill(self, bill_date: str, rows: Iterable[str]) -> None:
        lines = list(rows)
        self.bills[(FUND_FLOW_BILL, bill_date)] = (
            "\n".join([FUND_FLOW_COLUMNS, *lines, FUND_FLOW_SUMMARY, f"`{len(lines)},`0,`0,`0,`0"])
            + "\n"
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

    def _fault(self, endpoint: str) -> str | None:
        queued = self.faults.get(endpoint)
        return queued.pop(0) if queued else None

    @staticmethod
    async def _after_accepting(fault: str | None) -> Response | None:
        """Faults that strike after the request was carried out."""
        if fault == TIMEOUT_AFTER_ACCEPT:
            await asyncio.sleep(30)  # longer than any client waits
        if fault == HTTP_500:
            return Response("upstream error", status_code=500)
        return None

    def _before_accepting(self, fault: str | None) -> Response | None:
        """Faults that refuse before anything is done."""
        if fault == SYSTEM_ERROR:
            return self._error(500, "SYSTEM_ERROR", "系统错误")
        if fault == FREQUENCY_LIMITED:
            return self._error(429, "FREQUENCY_LIMITED", "频率超限")
        return None

    async def _begin(self, endpoint: str, request: Request) -> dict[str, Any] | Response:
        """Count the call, wait if told to, check the merchant's signature, parse the body:
        the request's payload, or the refusal to answer with."""
        self.calls[endpoint] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        body = (await request.body()).decode()
        if not self._signed_by_merchant(request, body):
            return self._error(401, "SIGN_ERROR", "签名错误")
        if endpoint != JSAPI and request.method == "GET":
            return {}
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
        fault = self._fault(REFUNDS)
        refused = self._before_accepting(fault)
        if refused is not None:
            return refused
        answer = self._create_refund(payload)
        return await self._after_accepting(fault) or answer

    def _create_refund(self, payload: dict[str, Any]) -> Response:
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
            "notify_url": payload.get("notify_url", ""),
        }
        return self._answer(200, self.refunds[out_refund_no])

    async def _refund_query(self, request: Request) -> Response:
        refused = await self._begin(REFUND_QUERY, request)
        if isinstance(refused, Response):
            return refused
        fault = self._fault(REFUND_QUERY)
        before = self._before_accepting(fault)
        if before is not None:
            return before
        refund = self.refunds.get(request.path_params["out_refund_no"])
        if refund is None:
            return self._error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return await self._after_accepting(fault) or self._answer(200, refund)

    async def _certificates(self, request: Request) -> Response:
        refused = await self._begin(CERTIFICATES, request)
        if isinstance(refused, Response):
            return refused
        data = []
        for certificate in self.certificates:
            nonce = secrets.token_hex(6)
            ciphertext = AESGCM(self.api_v3_key.encode()).encrypt(
                nonce.encode(), certificate.pem.encode(), b"certificate"
            )
            data.append(
                {
                    "serial_no": certificate.serial,
                    "effective_time": "2024-01-01T00:00:00+08:00",
                    "expire_time": certificate.not_after.isoformat(timespec="seconds"),
                    "encrypt_certificate": {
                        "algorithm": "AEAD_AES_256_GCM",
                        "nonce": nonce,
                        "associated_data": "certificate",
                        "ciphertext": base64.b64encode(ciphertext).decode(),
                    },
                }
            )
        return self._answer(200, {"data": data})

    async def _bill(self, request: Request) -> Response:
        path = request.url.path
        refused = await self._begin(path, request)
        if isinstance(refused, Response):
            return refused
        text = self.bills.get((path, request.query_params.get("bill_date", "")))
        if text is None:
            return self._error(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        if request.query_params.get("tar_type") != "GZIP":
            return self._error(400, "PARAM_ERROR", "仅支持GZIP")
        raw = text.encode()
        token = secrets.token_urlsafe(12)
        self._downloads[token] = gzip.compress(raw)
        return self._answer(
            200,
            {
                "hash_type": "SHA1",
                "hash_value": self.bill_digest or hashlib.sha1(raw).hexdigest(),  # noqa: S324
                "download_url": f"{self.base_url}{BILL_DOWNLOAD}?token={token}&tartype=gzip",
            },
        )

    async def _bill_download(self, request: Request) -> Response:
        """The file itself: unsigned (the digest vouches for it), the request still signed."""
        self.calls[BILL_DOWNLOAD] += 1
        if not self._signed_by_merchant(request, ""):
            return self._error(401, "SIGN_ERROR", "签名错误")
        content = self._downloads.get(request.query_params.get("token", ""))
        if content is None:
            return self._error(404, "RESOURCE_NOT_EXISTS", "下载链接已失效")
        return Response(content, media_type="application/octet-stream")


def trade_row(
    out_trade_no: str, fen: int, *, when: str = "2024-05-20 13:29:35", state: str = "SUCCESS"
) -> str:
    """One payment line of an ALL trade bill, every value backtick-prefixed as WeChat writes."""
    values = [
        when, "wxd678efh567hg6787", "1230000109", "0", "",
        f"42000012342024052{secrets.randbelow(10**10):010d}", out_trade_no,
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI", state, "OTHERS", "CNY", yuan(fen), "0.00",
        "0", "0", "0.00", "0.00", "", "", "订单", "", yuan(fen * 6 // 1000), "0.60%", yuan(fen),
        "0.00", "",
    ]  # fmt: skip
    return ",".join(f"`{value}" for value in values)


def refund_row(
    out_trade_no: str,
    out_refund_no: str,
    refund_fen: int,
    *,
    total_fen: int = 0,
    refund_state: str = "SUCCESS",
    when: str = "2024-05-21 10:05:00",
) -> str:
    """One refund line of an ALL trade bill (交易状态 REFUND)."""
    values = [
        when, "wxd678efh567hg6787", "1230000109", "0", "",
        "4200001234202405201234567890", out_trade_no, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "JSAPI",
        "REFUND", "OTHERS", "CNY", yuan(total_fen), "0.00",
        f"50300{secrets.randbelow(10**24):024d}", out_refund_no, yuan(refund_fen), "0.00",
        "ORIGINAL", refund_state, "订单", "", "0.00", "0.60%", yuan(total_fen), yuan(refund_fen),
        "",
    ]  # fmt: skip
    return ",".join(f"`{value}" for value in values)


def trade_bill_text(rows: Iterable[str]) -> str:
    lines = list(rows)
    summary = ",".join(
        f"`{value}" for value in (len(lines), "0.00", "0.00", "0.00", "0.00", "0.00", "0.00")
    )
    return "\n".join([TRADE_BILL_COLUMNS, *lines, TRADE_BILL_SUMMARY, summary]) + "\n"


@asynccontextmanager
async def running_fake_wechat_pay(mch_id: str, app_id: str) -> AsyncIterator[FakeWechatPay]:
    """Serve a `FakeWechatPay` on 127.0.0.1 for the block; its `base_url` points at it."""
    fake = FakeWechatPay(mch_id, app_id)
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake
