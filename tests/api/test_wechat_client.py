"""The WeChat client against the fake WeChat over real HTTP: the access token shared through the
database, refreshed ahead of expiry by one process, forced once after a refusal; errcodes as
typed errors; timeouts as unknown outcomes. Two clients stand for two processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from api.wechat.client import WechatApp, WechatClient
from api.wechat.errors import (
    WechatAppMisconfigured,
    WechatBusy,
    WechatInvalidRequest,
    WechatRateLimited,
    WechatTimeout,
    WechatTokenInvalid,
    WechatUnavailable,
)
from domain import clock
from domain.wechat import tokens
from domain.wechat.models import WechatAccessToken
from tests.fakes.wechat import PHONE, STABLE_TOKEN, UNLIMITED_CODE, FakeWechat, running_fake_wechat
from tests.support.qr import decoded_qr

APP_ID = "wx0123456789abcdef"
SECRET = "app-secret-that-must-never-leak"


@pytest.fixture
async def wechat(db) -> AsyncIterator[FakeWechat]:
    async with running_fake_wechat(APP_ID, SECRET) as fake:
        yield fake


@pytest.fixture
async def processes(wechat: FakeWechat) -> AsyncIterator[list[WechatClient]]:
    """Two clients of one app: two processes sharing the database."""
    clients = [
        WechatClient(WechatApp(APP_ID, SECRET), wechat.base_url, timeout=2.0) for _ in range(2)
    ]
    yield clients
    for client in clients:
        await client.aclose()


def _phone_codes(wechat: FakeWechat, count: int) -> list[str]:
    codes = [f"phone-{i}" for i in range(count)]
    for code in codes:
        wechat.register_phone_code(code, "13800001111")
    return codes


async def test_the_token_is_fetched_once_and_shared_through_the_database(wechat, processes):
    first, second = processes

    token = await first.access_token()
    again = await first.access_token()
    elsewhere = await second.access_token()

    assert token == again == elsewhere
    assert wechat.calls[STABLE_TOKEN] == 1
    row = await WechatAccessToken.get(app_id=APP_ID)
    assert row.token == token
    assert row.lease_until is None
    assert 7190 <= (row.expires_at - clock.now()).total_seconds() <= 7200


async def test_the_token_is_refreshed_five_minutes_before_it_expires(wechat, processes):
    client = processes[0]
    with clock.frozen_at(datetime.now(UTC)):
        old = await client.access_token()
        clock.advance(timedelta(seconds=7200 - 300 - 2))
        wechat.advance(7200 - 300 - 2)
        assert await client.access_token() == old
        assert wechat.calls[STABLE_TOKEN] == 1

        clock.advance(timedelta(seconds=2))
        wechat.advance(2)
        new = await client.access_token()

    assert new != old
    assert wechat.calls[STABLE_TOKEN] == 2
    assert wechat.forced_refreshes == 0
    assert wechat.token_valid(old)  # WeChat keeps the old one until it expires
    assert (await WechatAccessToken.get(app_id=APP_ID)).token == new


async def test_while_another_process_refreshes_the_current_token_is_used(wechat, processes):
    first, second = processes
    with clock.frozen_at(datetime.now(UTC)):
        old = await first.access_token()
        clock.advance(timedelta(seconds=7200 - 200))
        leased = await tokens.claim_refresh(APP_ID, "another-process", clock.now(), timedelta(30))

        token = await second.access_token()

    assert leased is True
    assert token == old
    assert wechat.calls[STABLE_TOKEN] == 1


async def test_a_refused_token_forces_one_refresh_and_the_call_is_retried(wechat, processes):
    client = processes[0]
    code = _phone_codes(wechat, 1)[0]
    refused = await client.access_token()
    wechat.fail_next(40001, endpoint=PHONE)

    answer = await client.phone_number(code)

    assert answer["phone_info"]["purePhoneNumber"] == "13800001111"
    assert wechat.calls[PHONE] == 2
    assert wechat.calls[STABLE_TOKEN] == 2
    assert wechat.forced_refreshes == 1
    row = await WechatAccessToken.get(app_id=APP_ID)
    assert row.token not in ("", refused)
    assert not wechat.token_valid(refused)


async def test_two_processes_refused_at_once_force_one_refresh(wechat, processes):
    first, second = processes
    codes = _phone_codes(wechat, 2)
    token = await first.access_token()
    assert await second.access_token() == token
    wechat.expire_tokens()

    answers = await asyncio.gather(first.phone_number(codes[0]), second.phone_number(codes[1]))

    assert [a["phone_info"]["purePhoneNumber"] for a in answers] == ["13800001111"] * 2
    assert wechat.forced_refreshes == 1
    assert wechat.calls[STABLE_TOKEN] == 2
    assert wechat.calls[PHONE] == 4


async def test_a_process_refused_after_another_refreshed_takes_the_new_token(wechat, processes):
    first, second = processes
    codes = _phone_codes(wechat, 2)
    await first.access_token()
    await second.access_token()
    wechat.expire_tokens()
    await first.phone_number(codes[0])  # refused, forced, retried

    await second.phone_number(codes[1])  # refused with the old token: no second force

    assert wechat.forced_refreshes == 1
    assert wechat.calls[STABLE_TOKEN] == 2


async def test_a_token_refused_twice_is_token_invalid_after_one_retry(wechat, processes):
    client = processes[0]
    code = _phone_codes(wechat, 1)[0]
    wechat.fail_next(40001, endpoint=PHONE)
    wechat.fail_next(42001, endpoint=PHONE)

    with pytest.raises(WechatTokenInvalid) as caught:
        await client.phone_number(code)

    assert caught.value.errcode == 42001
    assert wechat.calls[PHONE] == 2
    assert wechat.forced_refreshes == 1


@pytest.mark.parametrize(
    ("errcode", "error_type", "retryable"),
    [
        (-1, WechatBusy, True),
        (45009, WechatRateLimited, True),
        (45011, WechatRateLimited, True),
        (40164, WechatAppMisconfigured, False),
        (41030, WechatInvalidRequest, False),
    ],
)
async def test_errcodes_are_typed_errors(wechat, processes, errcode, error_type, retryable):
    wechat.fail_next(errcode, endpoint=UNLIMITED_CODE)

    with pytest.raises(error_type) as caught:
        await processes[0].unlimited_code("abc", "pages/index/index", True, "release")

    assert caught.value.errcode == errcode
    assert caught.value.retryable is retryable
    assert wechat.codes_made == []


async def test_rate_limits_say_when_to_ask_again(wechat, processes):
    wechat.fail_next(45009, endpoint=UNLIMITED_CODE)
    wechat.fail_next(45011, endpoint=UNLIMITED_CODE)
    waits = []
    for _ in range(2):
        with pytest.raises(WechatRateLimited) as caught:
            await processes[0].unlimited_code("abc", "pages/index/index", True, "release")
        waits.append(caught.value.retry_after)

    assert waits == [300, 60]


async def test_a_token_fetch_refused_for_bad_credentials_is_misconfigured(wechat):
    client = WechatClient(WechatApp(APP_ID, "wrong"), wechat.base_url)
    try:
        with pytest.raises(WechatAppMisconfigured) as caught:
            await client.access_token()
    finally:
        await client.aclose()

    assert caught.value.errcode == 40125
    row = await WechatAccessToken.get(app_id=APP_ID)
    assert (row.token, row.lease_until) == ("", None)  # the lease is given back


async def test_a_timeout_is_an_unknown_outcome_and_the_call_did_happen(wechat):
    client = WechatClient(WechatApp(APP_ID, SECRET), wechat.base_url, timeout=0.3)
    try:
        await client.access_token()
        wechat.answer_late(1.0, endpoint=UNLIMITED_CODE)
        with pytest.raises(WechatTimeout) as caught:
            await client.unlimited_code("abc", "pages/index/index", True, "release")
    finally:
        await client.aclose()

    assert caught.value.outcome_unknown is True
    assert caught.value.detail == "ReadTimeout"
    assert wechat.codes_made == [("abc", "pages/index/index", True, "release")]


async def test_a_5xx_is_unavailable(wechat, processes):
    wechat.fail_next_http(502, "<html>502 Bad Gateway</html>", endpoint=UNLIMITED_CODE)

    with pytest.raises(WechatUnavailable) as caught:
        await processes[0].unlimited_code("abc", "pages/index/index", True, "release")

    assert caught.value.detail == "HTTP 502"
    assert caught.value.retryable is True


async def test_the_code_image_is_a_png_whose_qr_is_the_scene(wechat, processes):
    png = await processes[0].unlimited_code("Ab3-_x~9", "pages/product/index", False, "trial")

    assert decoded_qr(png) == ["Ab3-_x~9"]
    assert wechat.codes_made == [("Ab3-_x~9", "pages/product/index", False, "trial")]
