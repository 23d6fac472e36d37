"""The real WeChat login provider: code2session for the identity, getuserphonenumber for the phone,
both through the one WeChat client (api/wechat/client.py), which owns the shared access token.

Every failure is sorted into two outcomes the caller can act on: the user's code was rejected
(INVALID_LOGIN_CODE: ask for a new one) or WeChat could not be used (LOGIN_PROVIDER_UNAVAILABLE:
try again later). The client's errors never carry the secret, the codes or the tokens.
"""

from __future__ import annotations

from typing import Any

import httpx

from api.wechat.client import DEFAULT_BASE_URL, WechatApp, WechatClient
from api.wechat.errors import WechatCodeRejected, WechatError
from domain.errors import DomainError, ErrorCode
from domain.members.phones import normalise_phone
from domain.members.service import Identity

# Mini-program codes are 32 characters today; anything far longer is not one.
MAX_CODE_LENGTH = 256


def _unavailable(detail: str) -> DomainError:
    return DomainError(ErrorCode.LOGIN_PROVIDER_UNAVAILABLE, "code", detail)


def _check_code(code: str) -> None:
    """Refuse what cannot be a code without spending a WeChat call (and its rate limit) on it."""
    if not code or len(code) > MAX_CODE_LENGTH:
        raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")


def _as_domain_error(error: WechatError) -> DomainError:
    if isinstance(error, WechatCodeRejected):
        return DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")
    return _unavailable(error.detail)


class WechatLoginProvider:
    """Login and phone binding against the WeChat server API (or a fake speaking its protocol).

    `wechat` is the app's shared client; without one the provider makes its own (and closes
    it in `aclose`)."""

    name = "WECHAT"

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
        wechat: WechatClient | None = None,
    ):
        self.app_id = app_id
        self._owns_wechat = wechat is None
        self.wechat = wechat or WechatClient(
            WechatApp(app_id, app_secret), base_url, http=client, timeout=timeout
        )

    async def aclose(self) -> None:
        if self._owns_wechat:
            await self.wechat.aclose()

    async def identity_for(self, code: str) -> Identity:
        """Exchange a `wx.login` code for the user's openid (and unionid, if the app has one)."""
        _check_code(code)
        data = await self._answer(self.wechat.code2session(code))
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
        data = await self._answer(self.wechat.phone_number(code))
        info = data.get("phone_info")
        if not isinstance(info, dict):
            raise _unavailable("no phone_info")
        pure = info.get("purePhoneNumber")
        country = info.get("countryCode")
        if not isinstance(pure, str) or not isinstance(country, str) or not country.isdigit():
            raise DomainError(ErrorCode.INVALID_PHONE, "phone")
        return normalise_phone("+" + country + pure)

    @staticmethod
    async def _answer(call: Any) -> dict[str, Any]:
        try:
            return await call
        except WechatError as error:
            raise _as_domain_error(error) from None
