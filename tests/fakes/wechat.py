"""A fake WeChat server API: the real protocol, served by uvicorn over TCP on loopback.

Tests of the WeChat client go through a real socket and real HTTP (timeouts, refused
connections, odd content-types) instead of a mock transport, so what passes here is what the
client does against api.weixin.qq.com. It knows:
- code2session and getuserphonenumber; codes are single-use like WeChat's;
- `stable_token` as documented: the normal mode gives every caller the same token while it has
  more than five minutes left, then a new one while the old one stays valid until it expires;
  `force_refresh` revokes the current token at once and issues a new one (at most one per 30 s:
  a second force within 30 s gives the current token, as WeChat does);
- `getwxacodeunlimit`: a real PNG of a QR code whose content is the scene (WeChat's round
  小程序码 cannot be drawn here; the scene is what matters), with WeChat's checks of scene,
  page, check_path and env_version;
- shipping info management (小程序发货信息管理): `get_delivery_list`; `upload_shipping_info`
  checked as WeChat documents it (order key of a known payment, logistics type, delivery mode,
  1..15 packages with tracking number and a listed carrier, item_desc at most 120 characters,
  a contact for SF, RFC 3339 upload_time, the payer) and kept per payment: the first upload
  ships it (order_state 2), one more is the re-shipment WeChat allows once (then 10060003),
  and a settled or refunded payment answers 10060004; `get_order` tells the order_state;
  `confirm_receipt` moves a payment to 3 and gives the `trade_manage_order_settlement` event
  WeChat pushes;
- error injection: an errcode or a raw HTTP answer for the next call, `answer_late`, where
  the server does the work and answers too late (the client times out, the effect happened),
  and `fail_every_other`, which fails every other call to an endpoint (a 502, a late answer
  or an errcode).

`PushSender` signs (and in safe mode encrypts) events exactly as WeChat's message push does and
posts them to the app. The fake's clock is its own (`advance`), like a remote server's.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import os
import re
import secrets
import struct
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import segno
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import serving

CODE2SESSION = "/sns/jscode2session"
STABLE_TOKEN = "/cgi-bin/stable_token"
PHONE = "/wxa/business/getuserphonenumber"
UNLIMITED_CODE = "/wxa/getwxacodeunlimit"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
DELIVERY_LIST = "/cgi-bin/express/delivery/open_msg/get_delivery_list"
UPLOAD_SHIPPING_INFO = "/wxa/sec/order/upload_shipping_info"
GET_ORDER = "/wxa/sec/order/get_order"
# A few of the ~1,400 delivery companies WeChat lists (ids as WeChat spells them).
DELIVERY_COMPANIES = {
    "SF": "顺丰速运",
    "ZTO": "中通快递",
    "YTO": "圆通速递",
    "STO": "申通快递",
    "YD": "韵达速递",
    "JD": "京东物流",
    "EMS": "中国邮政速递物流",
    "DBL": "德邦快递",
}
TOKEN_LIFETIME = 7200
# The normal mode hands out a new token in the old one's last five minutes.
RENEW_WINDOW = 300
FORCE_INTERVAL = 30
SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")
PUBLISHED_PAGES = frozenset(
    {
        "pages/index/index",
        "pages/product/index",
        "pages/store/index",
        "pages/store/scan",
        "pages/campaign/index",
    }
)

_ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40029: "invalid code",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    40169: "invalid length for scene, or the data is not json string",
    41001: "access_token missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit",
    47001: "data format error",
    40003: "invalid openid",
    40037: "invalid template_id",
    43101: "user refuse to accept the msg",
    47003: "argument invalid!",
    10060001: "支付单不存在",
    10060003: "支付单已使用重新发货机会",
    10060004: "支付单处于不可发货的状态",
}

# subscribeMessage.send's limits on each key type's value (参数值内容限制).
_CJK = "\u4e00-\u9fff"
_DATE = r"\d{4}年\d{1,2}月\d{1,2}日( \d{1,2}:\d{2})?|\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?"
VALUE_RULES: dict[str, re.Pattern[str]] = {
    "thing": re.compile(r".{1,20}", re.S),
    "number": re.compile(r"(?=[0-9.]{1,32}$)[0-9]+(\.[0-9]+)?"),
    "letter": re.compile(r"[A-Za-z]{1,32}"),
    "symbol": re.compile(r"[^0-9A-Za-z\s]{1,5}"),
    "character_string": re.compile(r"[\x21-\x7e]{1,32}"),
    "time": re.compile(rf"\d{{1,2}}:\d{{2}}|{_DATE}"),
    "date": re.compile(_DATE),
    "amount": re.compile(r"[¥$￥]?[0-9]{1,10}(\.[0-9]{1,2})?元?"),
    "phone_number": re.compile(r"[0-9+\-]{1,17}"),
    "car_number": re.compile(rf"[{_CJK}A-Z0-9][A-Z0-9]{{0,6}}[{_CJK}A-Z0-9]?"),
    "name": re.compile(rf"[{_CJK}·]{{1,10}}|[A-Za-z .\-]{{1,20}}"),
    "phrase": re.compile(rf"[{_CJK}]{{1,5}}"),
}
_TEMPLATE_KEY = re.compile(r"([a-z_]+?)([0-9]{1,2})")


class FakeWechat:
    """The fake's state and the knobs tests turn; `app` is the Starlette app that serves it."""

    def __init__(self, app_id: str, secret: str, open_codes: bool = False):
        self.app_id = app_id
        self.secret = secret
        # Development: any `dev:<openid>` login code is accepted (once), as the DEV provider's,
        # and any transaction id is a payment WeChat knows (sandbox payments ship).
        self.open_codes = open_codes
        self.open_payments = open_codes
        self.base_url = ""
        self.calls: Counter[str] = Counter()
        # Seconds every answer waits first (client timeouts).
        self.delay = 0.0
        self.published_pages = set(PUBLISHED_PAGES)
        # What getwxacodeunlimit made: (scene, page, check_path, env_version) per call.
        self.codes_made: list[tuple[str, str, bool, str]] = []
        self.forced_refreshes = 0
        self._offset = 0.0
        self._codes: dict[str, tuple[str, str | None]] = {}
        self._phone_codes: dict[str, tuple[str, str]] = {}
        self._used: set[str] = set()
        # Every valid token and when it stops being valid (fake time).
        self._tokens: dict[str, float] = {}
        self._current: str | None = None
        self._last_force = -1e18
        self._failures: list[tuple[str | None, Response]] = []
        self._late: list[tuple[str | None, float]] = []
        # Every call answered 503 while True (WeChat, or the way to it, down).
        self.down = False
        # Subscription templates of the app (template id → its keys), the members'
        # one-time authorizations ((openid, template id) → how many), what was sent.
        self.templates: dict[str, frozenset[str]] = {}
        self.authorizations: Counter[tuple[str, str]] = Counter()
        self.messages: list[dict[str, Any]] = []
        self._every_other: dict[str, tuple[str | int, int]] = {}
        self.late_seconds = 1.0
        self.delivery_companies = dict(DELIVERY_COMPANIES)
        self.payments: dict[str, FakePayment] = {}
        # Every upload WeChat accepted: (transaction_id, body).
        self.uploads: list[tuple[str, dict[str, Any]]] = []
        self.app = Starlette(
            routes=[
                self._route(CODE2SESSION, self._code2session, "GET"),
                self._route(STABLE_TOKEN, self._stable_token, "POST"),
                self._route(PHONE, self._phone, "POST"),
                self._route(UNLIMITED_CODE, self._unlimited_code, "POST"),
                self._route(SUBSCRIBE_SEND, self._subscribe_send, "POST"),
                self._route(DELIVERY_LIST, self._delivery_list, "POST"),
                self._route(UPLOAD_SHIPPING_INFO, self._upload_shipping_info, "POST"),
                self._route(GET_ORDER, self._get_order, "POST"),
            ]
        )

    # Knobs

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock (token lifetimes) forward."""
        self._offset += seconds

    def register_code(self, code: str, openid: str, unionid: str | None = None) -> None:
        """A `wx.login` code that code2session will accept once."""
        self._codes[code] = (openid, unionid)

    def register_phone_code(self, code: str, pure_phone: str, country: str = "86") -> None:
        """A `getPhoneNumber` code that getuserphonenumber will accept once."""
        self._phone_codes[code] = (pure_phone, country)

    def fail_next(self, errcode: int, endpoint: str | None = None) -> None:
        """Answer the next call (to `endpoint`, or to any endpoint) with this errcode."""
        self._failures.append((endpoint, _error(errcode)))

    def fail_next_http(self, status: int, body: str, endpoint: str | None = None) -> None:
        """Answer the next call with a raw HTTP answer (a proxy's 502 page, garbage...)."""
        self._failures.append((endpoint, Response(body, status_code=status)))

    def answer_late(self, seconds: float, endpoint: str | None = None) -> None:
        """Do the next call's work, then wait `seconds` before answering (a client timing out
        on a call that happened)."""
        self._late.append((endpoint, seconds))

    def add_template(self, template_id: str, keys: set[str]) -> None:
        """A subscription template the app chose (its content lists `keys`: thing1, ...)."""
        self.templates[template_id] = frozenset(keys)

    def accept(self, openid: str, template_id: str, times: int = 1) -> None:
        """The member accepted the template in wx.requestSubscribeMessage (`times` times)."""
        self.authorizations[(openid, template_id)] += times

    def fail_every_other(self, endpoint: str, how: str | int = "5xx") -> None:
        """From now on the 1st, 3rd, 5th... call to `endpoint` fails: "5xx" a 502 page, "late"
        done but answered after `late_seconds`, "mixed" late and 502 by turns, an int that
        errcode."""
        self._every_other[endpoint] = (how, 0)

    def add_payment(
        self, transaction_id: str, openid: str, out_trade_no: str = "", mchid: str = ""
    ) -> FakePayment:
        """A payment WeChat knows (paid, not shipped: order_state 1)."""
        payment = FakePayment(transaction_id, openid, out_trade_no, mchid)
        self.payments[transaction_id] = payment
        return payment

    def uploads_of(self, transaction_id: str) -> list[dict[str, Any]]:
        return [body for txn, body in self.uploads if txn == transaction_id]

    def confirm_receipt(self, transaction_id: str, when: int | None = None) -> dict[str, Any]:
        """The buyer confirms receipt in WeChat: order_state 3, and the event WeChat pushes."""
        payment = self.payments[transaction_id]
        payment.state = 3
        moment = when or int(self.now())
        return {
            "ToUserName": "gh_fake",
            "FromUserName": payment.openid,
            "CreateTime": moment,
            "MsgType": "event",
            "Event": "trade_manage_order_settlement",
            "transaction_id": transaction_id,
            "merchant_id": payment.mchid,
            "sub_merchant_id": "",
            "merchant_trade_no": payment.out_trade_no,
            "pay_time": moment - 86400,
            "shipped_time": moment - 3600,
            "estimated_settlement_time": 0,
            "confirm_receive_method": 2,
            "confirm_receive_time": moment,
            "settlement_time": 0,
        }

    def expire_tokens(self) -> None:
        """Revoke every access token issued so far: their next use answers 40001."""
        self._tokens.clear()
        self._current = None

    def token_valid(self, token: str) -> bool:
        return self._tokens.get(token, -1.0) > self.now()

    # Serving

    def _route(
        self, path: str, handler: Callable[[Request], Awaitable[Response]], method: str
    ) -> Route:
        async def endpoint(request: Request) -> Response:
            self.calls[path] += 1
            if self.down:
                return Response("<html>503 Service Unavailable</html>", status_code=503)
            late = _pop(self._late, path)
            failure = _pop(self._failures, path)
            if path in self._every_other:
                how, seen = self._every_other[path]
                self._every_other[path] = (how, seen + 1)
                if how == "mixed":
                    how = "late" if seen % 4 == 0 else "5xx"
                if seen % 2 == 0 and failure is None:
                    if how == "late":
                        late = self.late_seconds
                    elif how == "5xx":
                        failure = Response("<html>502 Bad Gateway</html>", status_code=502)
                    else:
                        failure = _error(int(how))
            if self.delay:
                await asyncio.sleep(self.delay)
            response = failure if failure is not None else await handler(request)
            if late:
                await asyncio.sleep(late)
            if path == CODE2SESSION:
                # code2session says text/plain even though the body is JSON.
                return Response(
                    response.body, status_code=response.status_code, media_type="text/plain"
                )
            return response

        return Route(path, endpoint, methods=[method])

    def _checked_token(self, request: Request) -> Response | None:
        token = request.query_params.get("access_token")
        if not token:
            return _error(41001)
        if not self.token_valid(token):
            return _error(40001)
        return None

    async def _authorized_json(self, request: Request) -> dict[str, Any] | Response:
        """The JSON body of a call with a valid access token, or WeChat's refusal."""
        refused = self._checked_token(request)
        if refused is not None:
            return refused
        body = await _json_body(request)
        return _error(47001) if body is None else body

    async def _code2session(self, request: Request) -> Response:
        if request.query_params.get("grant_type") != "authorization_code":
            return _error(40002)
        if request.query_params.get("appid") != self.app_id:
            return _error(40013)
        if request.query_params.get("secret") != self.secret:
            return _error(40125)
        code = request.query_params.get("js_code", "")
        if not code:
            return _error(41008)
        if code in self._used:
            return _error(40163)
        if self.open_codes and code.startswith("dev:") and len(code) > 4:
            self._codes.setdefault(code, (code[4:], None))
        if code not in self._codes:
            return _error(40029)
        self._used.add(code)
        openid, unionid = self._codes[code]
        answer = {"openid": openid, "session_key": secrets.token_urlsafe(16)}
        if unionid is not None:
            answer["unionid"] = unionid
        return JSONResponse(answer)

    async def _stable_token(self, request: Request) -> Response:
        body = await _json_body(request)
        if body is None:
            return _error(47001)
        if body.get("grant_type") != "client_credential":
            return _error(40002)
        if body.get("appid") != self.app_id:
            return _error(40013)
        if body.get("secret") != self.secret:
            return _error(40125)
        now = self.now()
        current = self._current if self._current and self.token_valid(self._current) else None
        if body.get("force_refresh") is True and now - self._last_force >= FORCE_INTERVAL:
            self._last_force = now
            self.forced_refreshes += 1
            if current is not None:
                del self._tokens[current]
            current = None
        elif current is not None and self._tokens[current] - now <= RENEW_WINDOW:
            current = None  # renewed in its last five minutes; it stays valid until it expires
        if current is None:
            current = secrets.token_urlsafe(24)
            self._tokens[current] = now + TOKEN_LIFETIME
            self._current = current
        return JSONResponse(
            {"access_token": current, "expires_in": int(self._tokens[current] - now)}
        )

    async def _phone(self, request: Request) -> Response:
        body = await self._authorized_json(request)
        if isinstance(body, Response):
            return body
        code = body.get("code")
        if not code:
            return _error(41008)
        if code in self._used or code not in self._phone_codes:
            return _error(40029)
        self._used.add(code)
        pure, country = self._phone_codes[code]
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": pure if country == "86" else f"+{country}{pure}",
                    "purePhoneNumber": pure,
                    "countryCode": country,
                    "watermark": {"timestamp": 1700000000, "appid": self.app_id},
                },
            }
        )

    async def _unlimited_code(self, request: Request) -> Response:
        body = await self._authorized_json(request)
        if isinstance(body, Response):
            return body
        scene = body.get("scene")
        page = body.get("page", "pages/index/index")
        check_path = body.get("check_path", True)
        env_version = body.get("env_version", "release")
        if not isinstance(scene, str) or not SCENE.fullmatch(scene):
            return _error(40169)
        if not isinstance(check_path, bool) or env_version not in ("release", "trial", "develop"):
            return _error(40097)
        if not isinstance(page, str) or page.startswith("/") or "?" in page:
            return _error(41030)
        if check_path and page not in self.published_pages:
            return _error(41030)
        self.codes_made.append((scene, page, check_path, env_version))
        return Response(qr_png(scene), media_type="image/png")

    async def _subscribe_send(self, request: Request) -> Response:
        """subscribeMessage.send: the template's keys exactly, each value within its type's
        limits (47003 names the first that is not), one authorization used per message."""
        refused = self._checked_token(request)
        if refused is not None:
            return refused
        body = await _json_body(request)
        if body is None:
            return _error(47001)
        openid, template_id = body.get("touser"), body.get("template_id")
        if not isinstance(openid, str) or not openid:
            return _error(40003)
        if template_id not in self.templates:
            return _error(40037)
        page = body.get("page")
        if page is not None and (
            not isinstance(page, str)
            or page.startswith("/")
            or page.split("?")[0] not in self.published_pages
        ):
            return _error(41030)
        if body.get("miniprogram_state", "formal") not in ("developer", "trial", "formal"):
            return _error(40097)
        data = body.get("data")
        if not isinstance(data, dict):
            return _error(47003)
        for key in sorted(self.templates[template_id] | set(data)):
            entry = data.get(key)
            value = entry.get("value") if isinstance(entry, dict) else None
            kind = _TEMPLATE_KEY.fullmatch(key)
            rule = VALUE_RULES.get(kind.group(1)) if kind else None
            if (
                key not in self.templates[template_id]
                or rule is None
                or not isinstance(value, str)
                or not rule.fullmatch(value)
            ):
                return JSONResponse(
                    {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value invalid"}
                )
        if self.authorizations[(openid, template_id)] <= 0:
            return _error(43101)
        self.authorizations[(openid, template_id)] -= 1
        self.messages.append(body)
        return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": len(self.messages)})

    async def _delivery_list(self, request: Request) -> Response:
        refused = self._checked_token(request)
        if refused is not None:
            return refused
        listed = [
            {"delivery_id": k, "delivery_name": v} for k, v in self.delivery_companies.items()
        ]
        return JSONResponse({"errcode": 0, "delivery_list": listed, "count": len(listed)})

    def _payment_of(self, key: dict[str, Any], payer: str = "") -> FakePayment | None:
        """The payment a key names; with `open_payments`, a payment by transaction id that
        the fake has not heard of is taken as paid by `payer` (a development server paying
        through the sandbox)."""
        transaction_id = key.get("transaction_id")
        if transaction_id:
            found = self.payments.get(str(transaction_id))
            if found is None and self.open_payments:
                found = self.add_payment(str(transaction_id), payer)
            return found
        for payment in self.payments.values():
            if (payment.mchid, payment.out_trade_no) == (key.get("mchid"), key.get("out_trade_no")):
                return payment
        return None

    async def _upload_shipping_info(self, request: Request) -> Response:
        body = await self._authorized_json(request)
        if isinstance(body, Response):
            return body
        if not _shipping_body_valid(body, self.delivery_companies):
            return _error(47001)
        key = body["order_key"]
        payment = self._payment_of(
            {"transaction_id": key.get("transaction_id")}
            if key.get("order_number_type") == 2
            else {"mchid": key.get("mchid"), "out_trade_no": key.get("out_trade_no")},
            body["payer"]["openid"],
        )
        if payment is None:
            return _error(10060001)
        if payment.state == 2:
            if payment.reshipped:
                return _error(10060003)
            payment.reshipped = True
        elif payment.state != 1:
            return _error(10060004)
        payment.state = 2
        payment.shipping = body
        self.uploads.append((payment.transaction_id, body))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    async def _get_order(self, request: Request) -> Response:
        body = await self._authorized_json(request)
        if isinstance(body, Response):
            return body
        payment = self._payment_of(
            {"transaction_id": body.get("transaction_id")}
            if body.get("transaction_id")
            else {"mchid": body.get("merchant_id"), "out_trade_no": body.get("merchant_trade_no")}
        )
        if payment is None:
            return _error(10060001)
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "order": {
                    "transaction_id": payment.transaction_id,
                    "merchant_id": payment.mchid,
                    "merchant_trade_no": payment.out_trade_no,
                    "openid": payment.openid,
                    "order_state": payment.state,
                    "shipping": payment.shipping or {},
                },
            }
        )


@dataclass
class FakePayment:
    """A payment as WeChat's shipping management sees it."""

    transaction_id: str
    openid: str
    out_trade_no: str = ""
    mchid: str = ""
    # 1 待发货, 2 已发货, 3 确认收货, 4 交易完成, 5 已退款, 6 资金待结算
    state: int = 1
    reshipped: bool = False
    shipping: dict[str, Any] | None = None


def _text_of(value: object, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value) <= high


def _shipping_body_valid(body: dict[str, Any], companies: dict[str, str]) -> bool:
    """The checks WeChat documents for upload_shipping_info (47001 when one fails)."""
    key, payer = body.get("order_key"), body.get("payer")
    if not isinstance(key, dict) or key.get("order_number_type") not in (1, 2):
        return False
    if not isinstance(payer, dict) or not _text_of(payer.get("openid"), 1, 128):
        return False
    logistics, mode = body.get("logistics_type"), body.get("delivery_mode")
    packages = body.get("shipping_list")
    if logistics not in (1, 2, 3, 4) or mode not in (1, 2) or not isinstance(packages, list):
        return False
    if not 1 <= len(packages) <= 15 or (mode == 1 and len(packages) != 1):
        return False
    if mode == 2 and (logistics != 1 or not isinstance(body.get("is_all_delivered"), bool)):
        return False
    try:
        uploaded = datetime.fromisoformat(str(body.get("upload_time")))
    except ValueError:
        return False
    if uploaded.tzinfo is None:
        return False
    for package in packages:
        if not isinstance(package, dict) or not _text_of(package.get("item_desc"), 1, 120):
            return False
        if logistics != 1:
            continue
        if not _text_of(package.get("tracking_no"), 1, 128):
            return False
        if package.get("express_company") not in companies:
            return False
        contact = package.get("contact")
        if package["express_company"] == "SF" and not (
            isinstance(contact, dict)
            and (contact.get("receiver_contact") or contact.get("consignor_contact"))
        ):
            return False
    return True


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def _pop(queue: list[tuple[str | None, Any]], endpoint: str) -> Any:
    for index, (target, value) in enumerate(queue):
        if target in (None, endpoint):
            del queue[index]
            return value
    return None


async def _json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _error(errcode: int) -> Response:
    errmsg = _ERRMSG.get(errcode, "fake failure")
    return JSONResponse({"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(8)}"})


@asynccontextmanager
async def running_fake_wechat(app_id: str, secret: str) -> AsyncIterator[FakeWechat]:
    """Serve a `FakeWechat` on 127.0.0.1 for the block; its `base_url` points at it."""
    fake = FakeWechat(app_id, secret)
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake


def development_app() -> Starlette:
    """The fake for a development server (README: "A local WeChat"): `uvicorn --factory
    tests.fakes.wechat:development_app --port 9100`, app id and secret from
    `FAKE_WECHAT_APP_ID` / `FAKE_WECHAT_APP_SECRET` (default `wx-dev-app` / `dev-secret`)."""
    fake = FakeWechat(
        os.environ.get("FAKE_WECHAT_APP_ID", "wx-dev-app"),
        os.environ.get("FAKE_WECHAT_APP_SECRET", "dev-secret"),
        open_codes=True,
    )
    return fake.app


class PushSender:
    """WeChat's message push, as documented for mini-programs (消息推送, JSON format):
    `signature` = sha1 of the sorted token, timestamp and nonce in the query; in safe mode the
    body is `{"ToUserName", "Encrypt"}` with `encrypt_type=aes` and `msg_signature` = sha1 of
    the sorted token, timestamp, nonce and Encrypt. Encrypt is base64 of AES-256-CBC (key =
    base64 of the EncodingAESKey + "=", IV = its first 16 bytes) over 16 random bytes, the
    message length (4 bytes, network order), the message and the appid, PKCS#7-padded to 32."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str):
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.app_id = app_id

    def signature(self, *parts: str) -> str:
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 (WeChat's)

    def encrypt(self, message: bytes, app_id: str | None = None) -> str:
        plain = os.urandom(16) + struct.pack(">I", len(message)) + message
        plain += (app_id or self.app_id).encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def handshake_params(self, echostr: str) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        return {
            "signature": self.signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }

    def request(
        self, event: dict[str, Any], safe: bool = True, app_id: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The query parameters and body WeChat would post for `event`."""
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        params = {
            "signature": self.signature(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        if "FromUserName" in event:
            params["openid"] = event["FromUserName"]
        message = json.dumps(event, ensure_ascii=False).encode()
        if not safe:
            return params, message
        encrypted = self.encrypt(message, app_id)
        params["encrypt_type"] = "aes"
        params["msg_signature"] = self.signature(self.token, timestamp, nonce, encrypted)
        body = {"ToUserName": event.get("ToUserName", "gh_fake"), "Encrypt": encrypted}
        return params, json.dumps(body).encode()

    async def send(
        self, http: httpx.AsyncClient, url: str, event: dict[str, Any], safe: bool = True
    ) -> httpx.Response:
        params, body = self.request(event, safe)
        return await http.post(
            url, params=params, content=body, headers={"Content-Type": "application/json"}
        )
