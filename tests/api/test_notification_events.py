"""The events of SPEC 19 beyond the worked flow: expiry reminders once per coupon and lot from
the daily job; a withdrawal paid told to the distributor; an application in the operators'
inbox; a failing job and dead letters in the administrator's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from api import jobs
from api.jobs import run_job
from distribution import ledger
from distribution.ledger import Deltas
from distribution.models import AccountOwner, Distributor, DistributorKind, LedgerKind
from domain import clock
from domain.db import transaction
from domain.orders.models import Order
from domain.org.models import StaffRole
from domain.outbox import dispatch
from domain.outbox.dispatch import Fail
from domain.outbox.models import OutboxMessage
from domain.outbox.service import enqueue
from tests.api.test_enrollment import apply
from tests.fakes.wechat import SUBSCRIBE_SEND, FakeWechat, running_fake_wechat
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.commission import (
    REVIEW_REFUND,
    paid_order,
    refund,
    request_refund,
    ship_and_confirm,
    sku,
)
from tests.support.loyalty import amount_off, claimed, give_points, template
from tests.support.notifications import (
    APP_ID,
    SECRET,
    UPDATE_SETTINGS,
    accept,
    drain,
    mapping,
    notify_api,
)
from tests.support.orders import order_pk, pay, pickup, place_ok

R = StaffRole
MORNING = datetime.fromisoformat("2026-12-07T10:00:00+08:00")
INBOX = "{ staffInbox { edges { node { kind title body subject } } } }"
PAY_KEYS = {"character_string1": "withdrawal_no", "amount2": "amount", "date3": "at"}
EXPIRY_KEYS = {
    "coupon_expiring": {"thing1": "coupon", "date2": "expires_at"},
    "points_expiring": {"number1": "points", "date2": "expires_at"},
}


@pytest.fixture
async def wechat(db) -> AsyncIterator[FakeWechat]:
    async with running_fake_wechat(APP_ID, SECRET) as fake:
        yield fake


@pytest.fixture
def api(wechat: FakeWechat):
    return notify_api(wechat)


async def _map(admin, wechat: FakeWechat, event: str, keys: dict[str, str]) -> str:
    template_id = f"TPL-{event}"
    wechat.add_template(template_id, set(keys))
    change = {"key": f"notify.template.{event}", "value": mapping(template_id, "", keys)}
    result = await admin.client.data(UPDATE_SETTINGS, {"changes": [change]})
    assert result["updateSettings"]["errors"] == []
    return template_id


async def _inbox(staff) -> list[tuple[str, str, str]]:
    edges = (await staff.client.data(INBOX))["staffInbox"]["edges"]
    return [(e["node"]["kind"], e["node"]["title"], e["node"]["body"]) for e in edges]


async def test_expiry_reminders_go_out_once_per_coupon_and_lot(api, wechat):
    with clock.frozen_at(MORNING):
        # given a coupon valid 2 more days and points valid 5 days, both templates accepted
        # twice (so a second reminder would be sent if one were written)
        admin = await api.staff(R.HQ_ADMIN)
        operator = await api.staff(R.HQ_OPERATOR)
        member = await api.member("o-expiring")
        templates = {e: await _map(admin, wechat, e, keys) for e, keys in EXPIRY_KEYS.items()}
        for template_id in templates.values():
            await accept(wechat, member, "o-expiring", template_id)
            await accept(wechat, member, "o-expiring", template_id)
        days = [{"key": "points.valid_days", "value": "5"}]
        await admin.client.data(UPDATE_SETTINGS, {"changes": days})
        coupon_template = await template(
            operator, amount_off(500, 5000, name="秋季满50减5元全场通用优惠券", validDays=2)
        )
        await claimed(member, coupon_template)
        await give_points(operator, member, 300)

    # when the daily job runs twice that day and again the next, each time drained
    told = []
    for moment in (MORNING, MORNING + timedelta(minutes=1), MORNING + timedelta(days=1)):
        told.append(await run_job("remind-expiring", moment))
        await drain(moment)

    # then one message per coupon and per lot, with their values
    assert told == [2, 2, 2]
    assert wechat.calls[SUBSCRIBE_SEND] == 2
    data = {m["template_id"]: m["data"] for m in wechat.messages}
    assert data == {
        templates["coupon_expiring"]: {
            "thing1": {"value": "秋季满50减5元全场通用优惠券"},
            "date2": {"value": "2026年12月9日 10:00"},
        },
        templates["points_expiring"]: {
            "number1": {"value": "300"},
            "date2": {"value": "2026年12月12日 10:00"},
        },
    }


async def test_a_paid_withdrawal_is_told_to_its_distributor(api, wechat):
    with clock.frozen_at(MORNING):
        # given a KOC who accepted the paid template and asked for 5000 fen
        admin = await api.staff(R.HQ_ADMIN)
        finance = await api.staff(R.HQ_FINANCE)
        template_id = await _map(admin, wechat, "withdrawal_paid", PAY_KEYS)
        koc = await api.member("o-payee")
        await accept(wechat, koc, "o-payee", template_id)
        distributor = await Distributor.create(
            kind=DistributorKind.KOC,
            member_id=koc.member_id,
            created_at=MORNING,
            updated_at=MORNING,
        )
        account = await ledger.account_for(AccountOwner.DISTRIBUTOR, distributor.id)
        async with transaction():
            await ledger.move(account.id, LedgerKind.ADJUST, Deltas(available=5000), actor="t")
        bank = {
            "method": "BANK",
            "payeeName": "张三丰",
            "bankName": "招商银行",
            "accountNumber": "6222021234567890123",
        }
        requested = await koc.client.data(
            "mutation($i: RequestWithdrawalInput!) { requestWithdrawal(input: $i) "
            "{ withdrawal { id } errors { code } } }",
            {"i": {"amountFen": 5000, **bank}},
        )
        withdrawal_id = requested["requestWithdrawal"]["withdrawal"]["id"]

        # when finance approves and pays it, and the drain runs
        for mutation in (
            'mutation($id: ID!) { reviewWithdrawal(id: $id, approve: true, note: "ok") '
            "{ errors { code } } }",
            "mutation($id: ID!) { payWithdrawal(id: $id) { errors { code } } }",
        ):
            result = await finance.client.data(mutation, {"id": withdrawal_id})
            assert next(iter(result.values()))["errors"] == []
        await drain(MORNING)

        # then the KOC hears it once; finance's inbox has had the review
        assert [(m["touser"], m["data"]["amount2"]["value"]) for m in wechat.messages] == [
            ("o-payee", "¥50.00")
        ]
        assert [kind for kind, _, _ in await _inbox(finance)] == ["WITHDRAWAL_REVIEW"]


async def test_an_application_reaches_the_operators_inbox(api, wechat):
    with clock.frozen_at(MORNING):
        operator = await api.staff(R.HQ_OPERATOR)
        finance = await api.staff(R.HQ_FINANCE)
        member = await api.member("o-applicant")

        assert (await apply(member))["errors"] == []
        await drain(MORNING)

        inbox = await _inbox(operator)
        assert [(kind, title) for kind, title, _ in inbox] == [
            ("DISTRIBUTOR_APPLICATION", "分销员申请待审核")
        ]
        assert await _inbox(finance) == []


async def test_a_failing_job_and_dead_letters_reach_the_administrator(api, wechat, monkeypatch):
    with clock.frozen_at(MORNING):
        admin = await api.staff(R.HQ_ADMIN)
        operator = await api.staff(R.HQ_OPERATOR)

        # given a job that fails, and a message its sender refuses for good
        async def broken(now: datetime) -> int:
            raise RuntimeError("boom")

        monkeypatch.setitem(jobs.JOBS, "remind-expiring", (broken, "broken"))

        async def refuse(message) -> Fail:
            return Fail("refused for the test")

        dispatch.register_sender("test.refused", refuse)
        try:
            await enqueue("test.refused", "one", {}, MORNING)
            await jobs.run_recorded("remind-expiring", MORNING, trigger="COMMAND", holder="t")
            await drain(MORNING)
            await drain(MORNING + timedelta(minutes=1))
        finally:
            dispatch.unregister_sender("test.refused")

        # then the administrator's inbox has both, the operator's neither
        inbox = await _inbox(admin)
        assert sorted((kind, title) for kind, title, _ in inbox) == [
            ("DEAD_LETTER", "出站消息死信"),
            ("JOB_FAILED", "定时任务失败"),
        ]
        bodies = {kind: body for kind, _, body in inbox}
        assert bodies["DEAD_LETTER"] == "test.refused：1 条消息发送失败，见出站消息死信"
        assert bodies["JOB_FAILED"].startswith("remind-expiring：RuntimeError at ")
        assert await _inbox(operator) == []
        assert await OutboxMessage.filter(topic="test.refused", state="DEAD").count() == 1


async def test_a_pickup_order_ready_tells_the_member_where_and_the_code(api, wechat):
    with clock.frozen_at(MORNING):
        # given a member who accepted the pickup template and paid a pickup order at a store
        admin = await api.staff(R.HQ_ADMIN)
        keys = {
            "character_string1": "order_no",
            "thing2": "store",
            "character_string3": "pickup_code",
        }
        template_id = await _map(admin, wechat, "pickup_ready", keys)
        store = await make_store(name="静安寺店")
        manager = await api.staff(R.STORE_MANAGER, store)
        member = await api.member("o-pickup")
        await accept(wechat, member, "o-pickup", template_id)
        product = await make_product(await make_category(), (1990,), title="茶叶")
        order = await place_ok(member.client, pickup(store.id, ((await product.skus.all())[0], 1)))
        await pay(api, member.client, order)

        # when the store marks it ready and the drain runs
        ready = await manager.client.data(
            "mutation($id: ID!) { markReadyForPickup(orderId: $id) { errors { code } } }",
            {"id": order["id"]},
        )
        assert ready["markReadyForPickup"]["errors"] == []
        await drain(MORNING)

        # then the member is told the order, the store and the pickup code
        paid = await Order.get(id=order_pk(order))
        assert [m["data"] for m in wechat.messages] == [
            {
                "character_string1": {"value": paid.number},
                "thing2": {"value": "静安寺店"},
                "character_string3": {"value": paid.pickup_code},
            }
        ]


async def test_settled_commission_is_told_once_per_order(api, wechat):
    with clock.frozen_at(MORNING):
        # given a KOC earning on a two-line order, who accepted the settled template
        admin = await api.staff(R.HQ_ADMIN)
        operator = await api.staff(R.HQ_OPERATOR)
        keys = {"character_string1": "order_no", "amount2": "amount"}
        template_id = await _map(admin, wechat, "commission_settled", keys)
        koc_member = await api.member("o-settled")
        koc = await Distributor.create(
            kind=DistributorKind.KOC,
            member_id=koc_member.member_id,
            created_at=MORNING,
            updated_at=MORNING,
        )
        await accept(wechat, koc_member, "o-settled", template_id)
        await accept(wechat, koc_member, "o-settled", template_id)
        buyer = await api.member("o-settled-buyer")
        lines = [(await sku(10000), 1), (await sku(5000), 1)]
        order = await paid_order(api, buyer, lines, level1_distributor_id=koc.id)
        completed = await ship_and_confirm(operator, buyer, order)

    # when both entries settle and the drain runs
    settle_at = completed.completed_at + timedelta(days=7)
    settled = await run_job("settle-commission", settle_at)
    await drain(settle_at)

    # then one message with the order's settled total
    number = (await Order.get(id=order_pk(order))).number
    assert settled == 2
    assert [m["data"] for m in wechat.messages if m["template_id"] == template_id] == [
        {"character_string1": {"value": number}, "amount2": {"value": "¥15.00"}}
    ]


async def test_refund_results_are_told_approved_and_rejected(api, wechat):
    with clock.frozen_at(MORNING):
        # given a member who accepted the refund template twice and asked for two refunds
        admin = await api.staff(R.HQ_ADMIN)
        finance = await api.staff(R.HQ_FINANCE)
        keys = {"character_string1": "order_no", "amount2": "amount", "phrase3": "result"}
        template_id = await _map(admin, wechat, "refund_result", keys)
        member = await api.member("o-refunds")
        await accept(wechat, member, "o-refunds", template_id)
        await accept(wechat, member, "o-refunds", template_id)
        order = await paid_order(api, member, [(await sku(3000), 1), (await sku(2000), 1)])

        # when finance approves one in full and rejects the other, and the drain runs
        await refund(api, member, finance, order, 3000, line=0)
        rejected_id = await request_refund(member, order, 2000, line=1)
        reviewed = await finance.client.data(REVIEW_REFUND, {"id": rejected_id, "approve": False})
        assert reviewed["reviewRefund"]["errors"] == []
        await drain(MORNING)

        # then two messages: refunded and rejected, with their amounts
        number = (await Order.get(id=order_pk(order))).number
        results = sorted(
            (m["data"]["amount2"]["value"], m["data"]["phrase3"]["value"]) for m in wechat.messages
        )
        assert results == [("¥20.00", "退款被拒"), ("¥30.00", "退款成功")]
        assert {m["data"]["character_string1"]["value"] for m in wechat.messages} == {number}
