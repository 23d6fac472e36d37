"""A fake WeChat server API: the real protocol, served by uvicorn over TCP on loopback.

Tests of `WechatLoginProvider` go through a real socket and real HTTP (timeouts, refused
connections, odd content-types) instead of a mock transport, so what passes here is what the
provider does against api.weixin.qq.com. It knows code2session, the access-token endpoint and
getuserphonenumber; codes are single-use like WeChat's, and tests can make it fail on demand.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.serving import serving

CODE2SESSION = "/sns/jscode2session"
TOKEN = "/cgi-bin/token"
PHONE = "/wxa/business/getuserphonenumber"
TOKEN_LIFETIME = 7200

_ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41008: "missing code",
    45011: "api minute-quota reach limit",
    47001: "data format error",
}


class FakeWechat:
    """The fake's state and the knobs tests turn; `app` is the Starlette app that serves it."""

    def __init__(self, app_id: str, secret: str):
        self.app_id = app_id
        self.secret = secret
        self.base_url = ""
        self.calls: Counter[str] = Counter()
        # Seconds every answer waits first (provider timeouts).
        self.delay = 0.0
        self._codes: dict[str, tuple[str, str | None]] = {}
        self._phone_codes: dict[str, tuple[str, str]] = {}
        self._used: set[str] = set()
        self._tokens: set[str] = set()
        self._failures: list[tuple[str | None, Response]] = []
        self.app = Starlette(
            routes=[
                Route(CODE2SESSION, self._code2session),
                Route(TOKEN, self._token),
                Route(PHONE, self._phone, methods=["POST"]),
            ]
        )

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

    def expire_tokens(self) -> None:
        """Revoke every access token issued so far: their next use answers 40001."""
        self._tokens.clear()

    async def _begin(self, endpoint: str) -> Response | None:
        """Count the call, wait if told to, and pop a queued failure meant for it."""
        self.calls[endpoint] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        for index, (target, response) in enumerate(self._failures):
            if target in (None, endpoint):
                del self._failures[index]
                return response
        return None

    def _bad_credentials(self, request: Request) -> Response | None:
        if request.query_params.get("appid") != self.app_id:
            return _error(40013)
        if request.query_params.get("secret") != self.secret:
            return _error(40125)
        return None

    async def _code2session(self, request: Request) -> Response:
        failure = await self._begin(CODE2SESSION)
        if failure is None and request.query_params.get("grant_type") != "authorization_code":
            failure = _error(40002)
        failure = failure or self._bad_credentials(request)
        if failure is not None:
            return _as_text(failure)
        code = request.query_params.get("js_code", "")
        if not code:
            return _as_text(_error(41008))
        if code in self._used:
            return _as_text(_error(40163))
        if code not in self._codes:
            return _as_text(_error(40029))
        self._used.add(code)
        openid, unionid = self._codes[code]
        answer = {"openid": openid, "session_key": secrets.token_urlsafe(16)}
        if unionid is not None:
            answer["unionid"] = unionid
        # The real endpoint says text/plain even though the body is JSON.
        return Response(json.dumps(answer), media_type="text/plain")

    async def _token(self, request: Request) -> Response:
        failure = await self._begin(TOKEN)
        if failure is None and request.query_params.get("grant_type") != "client_credential":
            failure = _error(40002)
        failure = failure or self._bad_credentials(request)
        if failure is not None:
            return failure
        token = secrets.token_urlsafe(24)
        self._tokens.add(token)
        return JSONResponse({"access_token": token, "expires_in": TOKEN_LIFETIME})

    async def _phone(self, request: Request) -> Response:
        failure = await self._begin(PHONE)
        if failure is not None:
            return failure
        token = request.query_params.get("access_token")
        if not token:
            return _error(41001)
        if token not in self._tokens:
            return _error(40001)
        try:
            code = json.loads(await request.body()).get("code")
        except (ValueError, AttributeError):
            return _error(47001)
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


def _error(errcode: int) -> Response:
    errmsg = _ERRMSG.get(errcode, "fake failure")
    return JSONResponse({"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(8)}"})


def _as_text(response: Response) -> Response:
    """code2session errors also come as text/plain."""
    return Response(response.body, status_code=response.status_code, media_type="text/plain")


@asynccontextmanager
async def running_fake_wechat(app_id: str, secret: str) -> AsyncIterator[FakeWechat]:
    """Serve a `FakeWechat` on 127.0.0.1 for the block; its `base_url` points at it."""
    fake = FakeWechat(app_id, secret)
    async with serving(fake.app) as base_url:
        fake.base_url = base_url
        yield fake
