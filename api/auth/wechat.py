"""The real WeChat login provider: code2session for the identity, getuserphonenumber for the phone.

WeChat answers errors as HTTP 200 with an `errcode`, so every answer is read as JSON (whatever its
content-type) and sorted into two outcomes the caller can act on: the user's code was rejected
(INVALID_LOGIN_CODE: ask for a new one) or WeChat could not be used (LOGIN_PROVIDER_UNAVAILABLE:
try again later). The app secret, the codes, the access token and the session_key travel in query
strings and bodies, so none of them is put into an error, and httpx's request log is redacted.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx

from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.members.phones import normalise_phone
from domain.members.service import Identity

# Mini-program codes are 32 characters today; anything far longer is not one.
MAX_CODE_LENGTH = 256
# Errcodes that mean "this code is no good" (invalid, already used, risky user), not an outage.
_REJECTED_CODE = frozenset({40029, 40163, 40226})
# Errcodes that mean the access token was revoked or expired before we thought.
_STALE_TOKEN = frozenset({40001, 42001})
# Refresh the access token this long before WeChat says it expires.
_TOKEN_MARGIN = timedelta(minutes=5)
_SENSITIVE_PARAMS = ("secret", "js_code", "access_token")


class _RedactQuery(logging.Filter):
    """httpx logs every request URL at INFO; ours carry the app secret, codes and access tokens."""

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


def _unavailable(detail: str) -> DomainError:
    return DomainError(ErrorCode.LOGIN_PROVIDER_UNAVAILABLE, "code", detail)


def _check_code(code: str) -> None:
    """Refuse what cannot be a code without spending a WeChat call (and its rate limit) on it."""
    if not code or len(code) > MAX_CODE_LENGTH:
        raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")


class WechatLoginProvider:
    """Login and phone binding against the WeChat server API (or a fake speaking its protocol)."""

    name = "WECHAT"

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        base_url: str = "https://api.weixin.qq.com",
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ):
        self.app_id = app_id
        self._secret = app_secret
        # Absolute URLs, so a shared client without a base_url works too.
        self._base_url = base_url.rstrip("/")
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(base_url=self._base_url, timeout=timeout)
        self._token: str | None = None
        self._token_valid_until: datetime | None = None
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP client if this provider made it; a shared one belongs to its owner."""
        if self._owns_client:
            await self._client.aclose()

    async def identity_for(self, code: str) -> Identity:
        """Exchange a `wx.login` code for the user's openid (and unionid, if the app has one)."""
        _check_code(code)
        errcode, data = await self._call(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.app_id,
                "secret": self._secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        if errcode in _REJECTED_CODE:
            raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")
        if errcode != 0:
            raise _unavailable(f"errcode {errcode}")
        openid = data.get("openid")
        unionid = data.get("unionid")
        if not isinstance(openid, str) or not openid:
            raise _unavailable("no openid")
        if not isinstance(unionid, str) or not unionid:
            unionid = None
        # session_key only decrypts or signs wx.* user data, which we do not use: it is dropped.
        return Identity(provider=self.name, app_id=self.app_id, openid=openid, unionid=unionid)

    async def phone_for(self, code: str) -> str:
        """Exchange a `getPhoneNumber` button code for the user's phone in E.164 form."""
        _check_code(code)
        token = await self._access_token()
        errcode, data = await self._phone_call(token, code)
        if errcode in _STALE_TOKEN:
            # Another process may have fetched a new token, which revokes ours: refresh, retry once.
            token = await self._access_token(stale=token)
            errcode, data = await self._phone_call(token, code)
        if errcode in _REJECTED_CODE:
            raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")
        if errcode != 0:
            raise _unavailable(f"errcode {errcode}")
        info = data.get("phone_info")
        if not isinstance(info, dict):
            raise _unavailable("no phone_info")
        pure = info.get("purePhoneNumber")
        country = info.get("countryCode")
        if not isinstance(pure, str) or not isinstance(country, str) or not country.isdigit():
            raise DomainError(ErrorCode.INVALID_PHONE, "phone")
        return normalise_phone("+" + country + pure)

    async def _phone_call(self, token: str, code: str) -> tuple[int, dict[str, Any]]:
        return await self._call(
            "POST",
            "/wxa/business/getuserphonenumber",
            params={"access_token": token},
            json_body={"code": code},
        )

    async def _access_token(self, stale: str | None = None) -> str:
        """The cached app access token, fetched once for all concurrent callers when missing.

        WeChat rate-limits token fetches and each fetch shortens the life of the previous token,
        so callers wait on the lock rather than fetch side by side. `stale` is a token WeChat just
        refused: it is replaced unless another caller has replaced it already.
        """
        async with self._token_lock:
            if (
                self._token is not None
                and self._token != stale
                and self._token_valid_until is not None
                and clock.now() < self._token_valid_until
            ):
                return self._token
            self._token = None
            errcode, data = await self._call(
                "GET",
                "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.app_id,
                    "secret": self._secret,
                },
            )
            if errcode != 0:
                raise _unavailable(f"token errcode {errcode}")
            token = data.get("access_token")
            expires_in = data.get("expires_in")
            if not isinstance(token, str) or not token or not isinstance(expires_in, int):
                raise _unavailable("malformed token answer")
            self._token = token
            self._token_valid_until = clock.now() + timedelta(seconds=expires_in) - _TOKEN_MARGIN
            return token

    async def _call(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        json_body: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """One WeChat API call → (errcode, answer); anything but a JSON object is an outage.

        httpx errors are raised `from None`: their request carries the secret-laden URL.
        """
        try:
            response = await self._client.request(
                method, self._base_url + path, params=params, json=json_body
            )
        except httpx.HTTPError as exc:
            raise _unavailable(type(exc).__name__) from None
        if response.status_code != 200:
            raise _unavailable(f"HTTP {response.status_code}")
        try:
            data = json.loads(response.content)
        except ValueError:
            raise _unavailable("answer is not JSON") from None
        if not isinstance(data, dict):
            raise _unavailable("answer is not a JSON object")
        errcode = data.get("errcode", 0)
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            raise _unavailable("malformed errcode")
        return errcode, data
