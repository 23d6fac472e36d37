"""A WeChat transfer waiting for the payee's confirmation is told to the distributor (SPEC 19,
20): the fact announced when the bill turns WAIT_USER_CONFIRM fans out to their subscription
message. The app runs without a WeChat login client here (DEV), so the message is recorded
as skipped, with why."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.jobs import run_job
from domain import clock
from domain.outbox.models import OutboxMessage, OutboxState
from tests.api import test_withdrawal_transfers as transfers
from tests.fakes.wechat_pay import FakeWechatPay
from tests.support.api import ApiFactory


@pytest.fixture
async def wechat_pay() -> AsyncIterator[FakeWechatPay]:
    async for fake in transfers.wechat_pay.__wrapped__():
        yield fake


@pytest.fixture
async def shop(db, wechat_pay: FakeWechatPay) -> AsyncIterator[ApiFactory]:
    async for api in transfers.shop.__wrapped__(db, wechat_pay):
        yield api


async def test_a_transfer_awaiting_the_payee_is_told_to_them(shop):
    # given an approved WeChat withdrawal of a KOC
    member, _, finance, withdrawal = await transfers.approved_transfer(shop, 250_000, 300_000)

    # when finance pays it (WeChat answers WAIT_USER_CONFIRM) and the drain runs
    paying = await transfers.pay(finance, withdrawal)
    assert paying["withdrawal"]["status"] == "AWAITING_PAYEE"
    await run_job("drain-outbox", clock.now())

    # then one subscription message to the KOC is written (and skipped: no WeChat app), and
    # the review reached finance
    facts = await OutboxMessage.filter(topic="notify.event").values_list("key", flat=True)
    written = await OutboxMessage.filter(topic="notify.wechat").values_list(
        "key", "state", "reason"
    )
    number = transfers.pk(withdrawal)
    assert sorted(facts) == [f"withdrawal.awaiting:w{number}", f"withdrawal.review:w{number}"]
    assert written == [
        (
            f"m{member.member_id}:withdrawal_awaiting:-:w{number}",
            OutboxState.SKIPPED,
            "WeChat is not configured (DEV login provider)",
        )
    ]
