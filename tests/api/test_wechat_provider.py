"""WechatLoginProvider (on the WeChat client) against a fake WeChat served over real HTTP on
loopback."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.auth.wechat import WechatLoginProvider
from domain import clock
from domain.errors import DomainError, ErrorCode
from domain.members.service import Identity
from tests.fakes.wechat import CODE2SESSION, PHONE, STABLE_TOKEN, FakeWechat, running_fake_wechat

APP_ID = "wx0123456789abcdef"
SECRET = "app-secret-that-must-never-leak"
CODE = "login-code-that-must-never-leak"
PHONE_CODE = "phone-code-that-must-never-leak"


@pytest.fixture
async def wechat(db) -> AsyncIterator[FakeWechat]:
    """The fake, and a database: the access token is shared through it."""
    async with running_fake_wechat(APP_ID, SECRET) as fake:
        yield fake


@pytest.fixture
async def provider(wechat: FakeWechat) -> AsyncIterator[WechatLoginProvider]:
    provider = WechatLoginProvider(APP_ID, SECRET, base_url=wechat.base_url, timeout=2.0)
    yield provider
    await provider.aclose()


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that is bound but not listening: connections to it are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def _error_of(call: Awaitable[object]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call
    return caught.value


# Login (code2session)


async def test_known_code_gives_its_openid_and_unionid(wechat, provider):
    wechat.register_code(CODE, "openid-1", "unionid-1")

    identity = await provider.identity_for(CODE)

    assert identity == Identity(
        provider="WECHAT", app_id=APP_ID, openid="openid-1", unionid="unionid-1"
    )
    assert wechat.calls[CODE2SESSION] == 1


async def test_code_without_unionid_gives_none(wechat, provider):
    wechat.register_code(CODE, "openid-2")

    identity = await provider.identity_for(CODE)

    assert identity == Identity(provider="WECHAT", app_id=APP_ID, openid="openid-2", unionid=None)


async def test_unknown_code_is_an_invalid_login_code(wechat, provider):
    error = await _error_of(provider.identity_for("unknown-code"))

    assert error.code == ErrorCode.INVALID_LOGIN_CODE
    assert error.field == "code"
    assert wechat.calls[CODE2SESSION] == 1


async def test_used_code_is_an_invalid_login_code(wechat, provider):
    wechat.register_code(CODE, "openid-3")
    await provider.identity_for(CODE)

    error = await _error_of(provider.identity_for(CODE))

    assert error.code == ErrorCode.INVALID_LOGIN_CODE
    assert wechat.calls[CODE2SESSION] == 2


@pytest.mark.parametrize("code", ["", "x" * 257])
async def test_impossible_code_is_refused_without_calling_wechat(wechat, provider, code):
    login_error = await _error_of(provider.identity_for(code))
    phone_error = await _error_of(provider.phone_for(code))

    assert login_error.code == ErrorCode.INVALID_LOGIN_CODE
    assert phone_error.code == ErrorCode.INVALID_LOGIN_CODE
    assert sum(wechat.calls.values()) == 0


async def test_code_of_256_characters_is_sent(wechat, provider):
    code = "x" * 256
    wechat.register_code(code, "openid-long")

    identity = await provider.identity_for(code)

    assert identity.openid == "openid-long"


@pytest.mark.parametrize("errcode", [-1, 45011, 40999])
async def test_wechat_failure_is_provider_unavailable(wechat, provider, errcode):
    wechat.register_code(CODE, "openid-4")
    wechat.fail_next(errcode)

    error = await _error_of(provider.identity_for(CODE))

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == f"errcode {errcode}"
    assert wechat.calls[CODE2SESSION] == 1


async def test_wrong_secret_is_provider_unavailable(wechat):
    wechat.register_code(CODE, "openid-5")
    provider = WechatLoginProvider(APP_ID, "wrong-secret", base_url=wechat.base_url)
    try:
        error = await _error_of(provider.identity_for(CODE))
    finally:
        await provider.aclose()

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == "errcode 40125"


async def test_unreachable_server_is_provider_unavailable(closed_port):
    provider = WechatLoginProvider(APP_ID, SECRET, base_url=f"http://127.0.0.1:{closed_port}")
    try:
        error = await _error_of(provider.identity_for(CODE))
    finally:
        await provider.aclose()

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == "ConnectError"


async def test_slow_server_is_provider_unavailable(wechat):
    wechat.register_code(CODE, "openid-6")
    wechat.delay = 0.5
    provider = WechatLoginProvider(APP_ID, SECRET, base_url=wechat.base_url, timeout=0.1)
    try:
        error = await _error_of(provider.identity_for(CODE))
    finally:
        await provider.aclose()

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == "ReadTimeout"


@pytest.mark.parametrize(
    ("status", "body", "detail"),
    [
        (502, "<html>502 Bad Gateway</html>", "HTTP 502"),
        (200, "<html>maintenance</html>", "answer is not JSON"),
        (200, "[]", "answer is not a JSON object"),
        (200, '{"session_key": "k"}', "no openid"),
    ],
)
async def test_malformed_answer_is_provider_unavailable(wechat, provider, status, body, detail):
    wechat.fail_next_http(status, body)

    error = await _error_of(provider.identity_for(CODE))

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == detail


async def test_shared_client_is_used_and_left_open(wechat):
    wechat.register_code(CODE, "openid-7")
    async with httpx.AsyncClient() as client:
        provider = WechatLoginProvider(APP_ID, SECRET, base_url=wechat.base_url, client=client)

        identity = await provider.identity_for(CODE)
        await provider.aclose()

        assert identity.openid == "openid-7"
        assert not client.is_closed


# Phone (getuserphonenumber and its access token)


async def test_phone_code_gives_e164_phone(wechat, provider):
    wechat.register_phone_code(PHONE_CODE, "13800001111")

    assert await provider.phone_for(PHONE_CODE) == "+8613800001111"
    assert wechat.calls[STABLE_TOKEN] == 1
    assert wechat.calls[PHONE] == 1


async def test_foreign_phone_keeps_its_country_code(wechat, provider):
    wechat.register_phone_code(PHONE_CODE, "61234567", country="852")

    assert await provider.phone_for(PHONE_CODE) == "+85261234567"


async def test_unknown_phone_code_is_an_invalid_login_code(wechat, provider):
    error = await _error_of(provider.phone_for("unknown-phone-code"))

    assert error.code == ErrorCode.INVALID_LOGIN_CODE
    assert wechat.calls[PHONE] == 1


async def test_phone_api_failure_is_provider_unavailable(wechat, provider):
    wechat.register_phone_code(PHONE_CODE, "13800001111")
    wechat.fail_next(-1, endpoint=PHONE)

    error = await _error_of(provider.phone_for(PHONE_CODE))

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == "errcode -1"


async def test_unusable_phone_is_invalid_phone(wechat, provider):
    wechat.register_phone_code(PHONE_CODE, "12")

    error = await _error_of(provider.phone_for(PHONE_CODE))

    assert error.code == ErrorCode.INVALID_PHONE


async def test_wrong_secret_fails_token_fetch_without_phone_call(wechat):
    wechat.register_phone_code(PHONE_CODE, "13800001111")
    provider = WechatLoginProvider(APP_ID, "wrong-secret", base_url=wechat.base_url)
    try:
        error = await _error_of(provider.phone_for(PHONE_CODE))
    finally:
        await provider.aclose()

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == "errcode 40125"
    assert wechat.calls[STABLE_TOKEN] == 1
    assert wechat.calls[PHONE] == 0


async def test_access_token_is_fetched_once_for_two_phone_calls(wechat, provider):
    wechat.register_phone_code("phone-a", "13800001111")
    wechat.register_phone_code("phone-b", "13800002222")

    assert await provider.phone_for("phone-a") == "+8613800001111"
    assert await provider.phone_for("phone-b") == "+8613800002222"

    assert wechat.calls[STABLE_TOKEN] == 1
    assert wechat.calls[PHONE] == 2


async def test_concurrent_phone_calls_fetch_the_token_once(wechat, provider):
    codes = [f"phone-{i}" for i in range(5)]
    for i, code in enumerate(codes):
        wechat.register_phone_code(code, f"1380000000{i}")

    phones = await asyncio.gather(*(provider.phone_for(code) for code in codes))

    assert phones == [f"+861380000000{i}" for i in range(5)]
    assert wechat.calls[STABLE_TOKEN] == 1
    assert wechat.calls[PHONE] == 5


async def test_expired_token_is_refetched_and_the_call_retried_once(wechat, provider):
    wechat.register_phone_code("phone-a", "13800001111")
    wechat.register_phone_code("phone-b", "13800002222")
    await provider.phone_for("phone-a")
    wechat.expire_tokens()

    assert await provider.phone_for("phone-b") == "+8613800002222"

    assert wechat.calls[STABLE_TOKEN] == 2
    assert wechat.calls[PHONE] == 3  # phone-a, phone-b refused (40001), phone-b retried


async def test_token_refused_twice_is_provider_unavailable_after_one_retry(wechat, provider):
    wechat.register_phone_code(PHONE_CODE, "13800001111")
    wechat.fail_next(40001, endpoint=PHONE)
    wechat.fail_next(42001, endpoint=PHONE)

    error = await _error_of(provider.phone_for(PHONE_CODE))

    assert error.code == ErrorCode.LOGIN_PROVIDER_UNAVAILABLE
    assert error.detail == "errcode 42001"
    assert wechat.calls[STABLE_TOKEN] == 2
    assert wechat.calls[PHONE] == 2


async def test_token_is_refetched_five_minutes_before_it_expires(wechat, provider):
    for code in ("phone-a", "phone-b", "phone-c"):
        wechat.register_phone_code(code, "13800001111")

    with clock.frozen_at(datetime(2025, 1, 1, tzinfo=UTC)):
        await provider.phone_for("phone-a")
        clock.advance(timedelta(seconds=7200 - 300 - 1))
        await provider.phone_for("phone-b")
        assert wechat.calls[STABLE_TOKEN] == 1
        clock.advance(timedelta(seconds=1))
        await provider.phone_for("phone-c")
        assert wechat.calls[STABLE_TOKEN] == 2


# Secrets stay out of errors and logs


async def test_errors_never_carry_the_secret_or_the_code(wechat, provider, closed_port):
    errors = [await _error_of(provider.identity_for(CODE))]  # unknown code
    wechat.fail_next(-1)
    errors.append(await _error_of(provider.identity_for(CODE)))
    wechat.fail_next_http(502, "bad gateway")
    errors.append(await _error_of(provider.identity_for(CODE)))
    errors.append(await _error_of(provider.phone_for(PHONE_CODE)))  # unknown phone code
    wechat.fail_next(40001, endpoint=PHONE)
    wechat.fail_next(40001, endpoint=PHONE)
    errors.append(await _error_of(provider.phone_for(PHONE_CODE)))
    for base_url in (wechat.base_url, f"http://127.0.0.1:{closed_port}"):
        other = WechatLoginProvider(APP_ID, SECRET + "-wrong", base_url=base_url)
        try:
            errors.append(await _error_of(other.identity_for(CODE)))
            errors.append(await _error_of(other.phone_for(PHONE_CODE)))
        finally:
            await other.aclose()

    assert len(errors) == 9
    for error in errors:
        shown = f"{error} {error.message} {error.args!r} {error.detail}"
        assert SECRET not in shown
        assert CODE not in shown
        assert PHONE_CODE not in shown
        # No chained httpx error (whose request holds the URL) shows up in a traceback.
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__


async def test_request_logs_never_carry_the_secret_the_code_or_the_token(wechat, provider, caplog):
    caplog.set_level(logging.DEBUG)
    wechat.register_code(CODE, "openid-8")
    wechat.register_phone_code(PHONE_CODE, "13800001111")

    await provider.identity_for(CODE)
    await provider.phone_for(PHONE_CODE)

    requests = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(requests) == 3
    # stable_token sends its secret in the body; the other two carry theirs in the query.
    with_query = [message for message in requests if "?" in message]
    assert len(with_query) == 2
    assert all("REDACTED" in message for message in with_query)
    token = provider.wechat._token.value
    assert token
    # The database drivers' DEBUG statement logs show every parameter of every statement (the
    # stored token too, like any personal data): they are never on outside development.
    for record in caplog.records:
        if record.name.startswith(("tortoise", "aiosqlite", "asyncpg")):
            continue
        message = record.getMessage()
        assert SECRET not in message
        assert CODE not in message
        assert PHONE_CODE not in message
        assert token not in message
