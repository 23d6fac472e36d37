"""One client for every WeChat server API call, for one app (appid + secret as parameters, so a
WeCom app can use the same machinery).

Documented behaviour it follows (developers.weixin.qq.com, getStableAccessToken):
- `POST /cgi-bin/stable_token` with `{grant_type: client_credential, appid, secret,
  force_refresh}`. In the normal mode every caller gets the same token while it is valid, and
  a new one in its last five minutes while the old one keeps working until it expires; a forced
  refresh revokes the previous token at once (20 a day, 30 s apart).
- The token is kept in the database (domain/wechat/tokens.py) with its expiry, for every
  process and machine; this process also keeps it in memory until `REFRESH_MARGIN` before it
  expires. Then one process (a lease on the row) asks for the next one; the others keep using
  the current token, which stays valid until its expiry.
- A call answered 40001 / 42001 / 40014 (token invalid, expired, malformed) forces one refresh
  (only while the row still holds the refused token, so one process forces it for everyone)
  and is retried once.
- Errors come as HTTP 200 with an errcode and are raised as the types of api/wechat/errors.py;
  anything that is not the protocol is `WechatUnavailable`, no answer in time `WechatTimeout`
  (outcome unknown).

The app secret, codes and tokens travel in query strings and bodies: none is put into an error,
and httpx's request log is redacted.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from api.wechat.errors import (
    WechatError,
    WechatTimeout,
    WechatTokenInvalid,
    WechatUnavailable,
    error_for,
)
from domain import clock
from domain.outbox.dispatch import Outcome, Skip
from domain.outbox.service import Leased
from domain.wechat import tokens

log = logging.getLogger("siyu.wechat")

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
STABLE_TOKEN = "/cgi-bin/stable_token"  # noqa: S105 (a path, not a secret)
CODE2SESSION = "/sns/jscode2session"
PHONE_NUMBER = "/wxa/business/getuserphonenumber"
UNLIMITED_CODE = "/wxa/getwxacodeunlimit"
# Ask for the next token this long before the current one expires (WeChat hands out a new
# one in the last five minutes of the old one).
REFRESH_MARGIN = timedelta(minutes=5)
# How long a process may hold the refresh lease before another takes over.
REFRESH_LEASE = timedelta(seconds=30)
# How long a caller without any usable token waits for another process's refresh.
_WAIT_FOR_OTHERS = 5.0
_POLL = 0.05
_SENSITIVE_PARAMS = ("secret", "js_code", "access_token")


class _RedactQuery(logging.Filter):
    """httpx logs every request URL at INFO; ours carry the app secret, codes and tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        return True


def _redacted(arg: object) -> object:
    if not isinstance(arg, httpx.URL):
        return arg
    for name in _SENSITIVE_PARAMS:
        if name in arg.params:
            arg = arg.copy_set_param(name, "REDACTED")
    return arg


def _install_log_redaction() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactQuery) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactQuery())


_install_log_redaction()


@dataclass(frozen=True)
class WechatApp:
    """One WeChat app's credentials; the secret never appears in a repr."""

    app_id: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: datetime

    def fresh(self, now: datetime) -> bool:
        return now < self.expires_at - REFRESH_MARGIN

    def usable(self, now: datetime) -> bool:
        return bool(self.value) and now < self.expires_at


class WechatClient:
    """Every server call of one app. Share one per app per process (it caches the token)."""

    def __init__(
        self,
        app: WechatApp,
        base_url: str = DEFAULT_BASE_URL,
        http: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ):
        self.app = app
        # Absolute URLs, so a shared client without a base_url works too.
        self._base_url = base_url.rstrip("/")
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()
        self._holder = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"

    @property
    def app_id(self) -> str:
        return self.app.app_id

    async def aclose(self) -> None:
        """Close the HTTP client if this client made it; a shared one belongs to its owner."""
        if self._owns_http:
            await self._http.aclose()

    # Calls

    async def code2session(self, code: str) -> dict[str, Any]:
        """`GET /sns/jscode2session`: a `wx.login` code → openid (unionid). No access token."""
        return await self.request_json(
            "GET",
            CODE2SESSION,
            params={
                "appid": self.app.app_id,
                "secret": self.app.secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )

    async def phone_number(self, code: str) -> dict[str, Any]:
        """`POST /wxa/business/getuserphonenumber`: a getPhoneNumber code → `phone_info`."""
        return await self.call_json("POST", PHONE_NUMBER, body={"code": code})

    async def unlimited_code(
        self, scene: str, page: str, check_path: bool, env_version: str
    ) -> bytes:
        """`POST /wxa/getwxacodeunlimit`: the 小程序码 image of `page` with `scene`."""
        answer = await self._with_token(
            "POST",
            UNLIMITED_CODE,
            body={
                "scene": scene,
                "page": page,
                "check_path": check_path,
                "env_version": env_version,
            },
            image=True,
        )
        assert isinstance(answer, bytes)
        return answer

    async def call_json(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A call that needs the access token and answers JSON."""
        answer = await self._with_token(method, path, body=body)
        assert isinstance(answer, dict)
        return answer

    # The access token

    async def access_token(self) -> str:
        """A token valid now: from memory while fresh, else from the shared row (refreshed by
        one process at a time; see the module docstring)."""
        cached = self._token
        if cached is not None and cached.fresh(clock.now()):
            return cached.value
        async with self._token_lock:
            return await self._shared_token(refused=None)

    async def _refresh_after_refusal(self, refused: str) -> str:
        async with self._token_lock:
            return await self._shared_token(refused=refused)

    async def _shared_token(self, refused: str | None) -> str:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + _WAIT_FOR_OTHERS
        while True:
            now = clock.now()
            row = await tokens.current(self.app.app_id)
            stored = _Token(row.token, row.expires_at) if row and row.expires_at else None
            if stored is not None and stored.value == refused:
                stored = None  # the row still holds what WeChat refused
            if stored is not None and stored.fresh(now):
                self._token = stored
                return stored.value
            # Force only when the row holds the refused token: another process may have
            # refreshed already, and a forced refresh would revoke its new token.
            force = refused is not None and row is not None and row.token == refused
            claimed = await tokens.claim_refresh(
                self.app.app_id,
                self._holder,
                now,
                REFRESH_LEASE,
                refused_token=refused if force else None,
            )
            if claimed:
                return await self._fetch_and_store(force, fallback=stored)
            if stored is not None and stored.usable(now):
                # Another process is refreshing: the current token works until it expires.
                self._token = stored
                return stored.value
            if loop.time() >= give_up_at:
                raise WechatUnavailable("access token refresh in progress elsewhere")
            await asyncio.sleep(_POLL)

    async def _fetch_and_store(self, force: bool, fallback: _Token | None) -> str:
        try:
            data = await self.request_json(
                "POST",
                STABLE_TOKEN,
                body={
                    "grant_type": "client_credential",
                    "appid": self.app.app_id,
                    "secret": self.app.secret,
                    "force_refresh": force,
                },
            )
        except WechatError as error:
            await tokens.release(self.app.app_id, self._holder)
            if fallback is not None and fallback.usable(clock.now()):
                log.warning("access token refresh failed (%s); the current one is kept", error)
                self._token = fallback
                return fallback.value
            raise
        token = data.get("access_token")
        expires_in = data.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            await tokens.release(self.app.app_id, self._holder)
            raise WechatUnavailable("malformed token answer")
        now = clock.now()
        fetched = _Token(token, now + timedelta(seconds=expires_in))
        await tokens.store(self.app.app_id, token, fetched.expires_at, now)
        self._token = fetched
        return token

    # HTTP

    async def _with_token(
        self, method: str, path: str, body: dict[str, Any] | None = None, image: bool = False
    ) -> dict[str, Any] | bytes:
        """One call with the access token; a refused token forces one refresh and one retry."""
        token = await self.access_token()
        try:
            return await self._request(method, path, {"access_token": token}, body, image)
        except WechatTokenInvalid:
            token = await self._refresh_after_refusal(token)
        return await self._request(method, path, {"access_token": token}, body, image)

    async def request_json(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One call that answers JSON (no token handling): errcode 0 or absent, else raised."""
        answer = await self._request(method, path, params or {}, body, image=False)
        assert isinstance(answer, dict)
        return answer

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: dict[str, Any] | None,
        image: bool,
    ) -> dict[str, Any] | bytes:
        """httpx errors are raised `from None`: their request carries the secret-laden URL."""
        try:
            response = await self._http.request(
                method, self._base_url + path, params=params, json=body
            )
        except httpx.TimeoutException as exc:
            raise WechatTimeout(type(exc).__name__) from None
        except httpx.HTTPError as exc:
            raise WechatUnavailable(type(exc).__name__) from None
        if response.status_code != 200:
            raise WechatUnavailable(f"HTTP {response.status_code}")
        content = response.content
        if image and not content.lstrip().startswith(b"{"):
            if not content:
                raise WechatUnavailable("empty image")
            return content
        try:
            data = json.loads(content)
        except ValueError:
            raise WechatUnavailable("answer is not JSON") from None
        if not isinstance(data, dict):
            raise WechatUnavailable("answer is not a JSON object")
        errcode = data.get("errcode", 0)
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            raise WechatUnavailable("malformed errcode")
        if errcode != 0:
            raise error_for(errcode)
        if image:
            raise WechatUnavailable("JSON where an image was expected")
        return data


async def skip_without_wechat(message: Leased) -> Outcome:
    """The outbox sender of a topic bound for WeChat when no WeChat app is configured (DEV):
    each message is recorded as skipped, with why, rather than left to go out days late once
    one is."""
    return Skip("WeChat is not configured (DEV login provider)")
