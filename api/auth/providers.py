"""Login providers turn a mini-program code into an identity (and a phone code into a phone).

`DEV` is for local use and tests (`dev:<openid>[:<unionid>]`, `dev-phone:+86...`) and is refused in
production. `WECHAT` calls code2session and the phone-number API over HTTP (api/auth/wechat.py).
"""

from __future__ import annotations

from typing import Protocol

from domain.errors import DomainError, ErrorCode
from domain.members.service import Identity


class LoginProvider(Protocol):
    name: str

    async def identity_for(self, code: str) -> Identity: ...

    async def phone_for(self, code: str) -> str: ...


class DevLoginProvider:
    name = "DEV"

    def __init__(self, app_id: str):
        self.app_id = app_id

    async def identity_for(self, code: str) -> Identity:
        parts = code.split(":")
        if len(parts) not in (2, 3) or parts[0] != "dev" or not all(parts[1:]):
            raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")
        if any(len(p) > 128 for p in parts):
            raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")
        unionid = parts[2] if len(parts) == 3 else None
        return Identity(provider="WECHAT", app_id=self.app_id, openid=parts[1], unionid=unionid)

    async def phone_for(self, code: str) -> str:
        prefix = "dev-phone:"
        if not code.startswith(prefix) or len(code) > 64:
            raise DomainError(ErrorCode.INVALID_LOGIN_CODE, "code")
        return code.removeprefix(prefix)
