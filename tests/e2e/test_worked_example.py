"""Issue 4's worked example, end to end through HTTP with real tokens, default settings.

KOC K0; member K1 visits K0's link and becomes a KOC under K0; guide G of DIRECT store S1 shares
a product and M visits it; M then visits K1's link for SKU A (19900). M buys 2 × A: level 1 K1,
level 2 K0, service S1/G. Balances are checked at every step, and `check_ledger` after each.
"""

from datetime import timedelta

from api.graphql.ids import to_global_id
from api.jobs import run_job
from distribution.commission.queries import balances
from distribution.distributors import for_guide
from distribution.ledger import check_ledger
from distribution.models import AccountOwner, BindingOutcome, Distributor
from domain import clock
from domain.catalog.models import Sku
from domain.org.models import StaffRole, StoreKind
from tests.support.api import make_store
from tests.support.catalog import make_category, make_product
from tests.support.orders import delivery, pay, place_ok

APPLY = "mutation { applyForDistributor(kind: KOC) { application { id } errors { code } } }"
REVIEW = """
mutation($id: ID!) { reviewDistributorApplication(id: $id, approve: true) { errors { code } } }
"""
LINK = """
mutation($input: CreateShareLinkInput!) {
  createShareLink(input: $input) { link { code } errors { code field } }
}
"""
VISIT = "mutation($c: String!) { recordShareVisit(code: $c) { outcome errors { code } } }"
CENTER = """
{ distributionCenter { balances { pending { fen } available { fen } withdrawing { fen }
  withdrawn { fen } } } }
"""
SHIP = """
mutation($id: ID!) {
  shipOrder(orderId: $id, carrier: "SF", trackingNumber: "SF1") { errors { code } }
}
"""
CONFIRM = "mutation($id: ID!) { confirmReceipt(orderId: $id) { errors { code } } }"
REFUND = """
mutation($item: ID!) {
  requestRefund(itemId: $item, amountFen: 19900, reason: "少了一件") {
    refund { id } errors { code }
  }
}
"""
REVIEW_REFUND = """
mutation($id: ID!) { reviewRefund(id: $id, approve: true) { errors { code } } }
"""
WITHDRAW = """
mutation {
  requestWithdrawal(input: {amountFen: 1000, method: WECHAT_BALANCE}) {
    withdrawal { id } errors { code }
  }
}
"""
REVIEW_WITHDRAWAL = """
mutation($id: ID!) { reviewWithdrawal(id: $id, approve: true) { errors { code } } }
"""
PAY_WITHDRAWAL = "mutation($id: ID!) { payWithdrawal(id: $id) { errors { code } } }"


async def member_balances(session) -> tuple[int, int, int, int]:
    data = await session.client.data(CENTER)
    b = data["distributionCenter"]["balances"]
    return (
        b["pending"]["fen"],
        b["available"]["fen"],
        b["withdrawing"]["fen"],
        b["withdrawn"]["fen"],
    )


async def guide_balances(guide_distributor: Distributor) -> tuple[int, int, int, int]:
    b = await balances(AccountOwner.DISTRIBUTOR, guide_distributor.id)
    return (b.pending_fen, b.available_fen, b.withdrawing_fen, b.withdrawn_fen)


async def become_koc(api, operator, session) -> None:
    applied = (await session.client.data(APPLY))["applyForDistributor"]
    reviewed = await operator.client.data(REVIEW, {"id": applied["application"]["id"]})
    assert reviewed["reviewDistributorApplication"]["errors"] == []


async def share(client, target: str, target_id: str | None = None) -> str:
    data = await client.data(LINK, {"input": {"target": target, "targetId": target_id}})
    assert data["createShareLink"]["errors"] == []
    return data["createShareLink"]["link"]["code"]


async def visit(session, code: str) -> str:
    return (await session.client.data(VISIT, {"c": code}))["recordShareVisit"]["outcome"]


async def test_the_worked_example(api):
    start = clock.now()
    with clock.frozen_at(start):
        operator = await api.staff(StaffRole.HQ_OPERATOR)
        finance = await api.staff(StaffRole.HQ_FINANCE)
        s1 = await make_store(StoreKind.DIRECT)
        guide = await api.staff(StaffRole.GUIDE, s1)
        product = await make_product(await make_category(), (19900,), stock=10)
        sku_a = await Sku.get(product_id=product.id)
        product_id = to_global_id("Product", product.id)

        k0 = await api.member("k0")
        await become_koc(api, operator, k0)
        k1 = await api.member("k1")
        assert await visit(k1, await share(k0.client, "HOME")) == BindingOutcome.BOUND
        await become_koc(api, operator, k1)
        assert (await Distributor.get(member_id=k1.member_id)).upline_id == (
            await Distributor.get(member_id=k0.member_id)
        ).id

        m = await api.member("m")
        assert await visit(m, await share(guide.client, "PRODUCT", product_id)) == "BOUND"
        assert await visit(m, await share(k1.client, "PRODUCT", product_id)) == "ALREADY_BOUND"

        order = await place_ok(m.client, delivery((sku_a, 2)))
        assert (order["payable"], order["shipping"]) == ({"fen": 39800}, {"fen": 0})
        await pay(api, m.client, order)
        g = await for_guide(guide.staff)
        assert await member_balances(k1) == (3980, 0, 0, 0)
        assert await member_balances(k0) == (1194, 0, 0, 0)
        assert await guide_balances(g) == (796, 0, 0, 0)
        assert (await balances(AccountOwner.STORE, s1.id)).account_id is None  # DIRECT: no share
        assert await check_ledger() == []

        await operator.client.data(SHIP, {"id": order["id"]})
        await m.client.data(CONFIRM, {"id": order["id"]})
        item_id = order["items"][0]["id"]
        refund = (await m.client.data(REFUND, {"item": item_id}))["requestRefund"]
        await finance.client.data(REVIEW_REFUND, {"id": refund["refund"]["id"]})
        assert await member_balances(k1) == (1990, 0, 0, 0)
        assert await member_balances(k0) == (597, 0, 0, 0)
        assert await guide_balances(g) == (398, 0, 0, 0)
        assert await check_ledger() == []

    assert await run_job("settle-commission", start + timedelta(days=7) - timedelta(seconds=1)) == 0
    settled_at = start + timedelta(days=7, minutes=1)
    assert await run_job("settle-commission", settled_at) == 3
    with clock.frozen_at(settled_at):
        k1, k0, m = await api.member("k1"), await api.member("k0"), await api.member("m")
        finance = await api.staff(StaffRole.HQ_FINANCE)
        assert await member_balances(k1) == (0, 1990, 0, 0)
        assert await member_balances(k0) == (0, 597, 0, 0)
        assert await guide_balances(g) == (0, 398, 0, 0)
        assert await check_ledger() == []

        requested = (await k1.client.data(WITHDRAW))["requestWithdrawal"]
        assert requested["errors"] == []
        assert await member_balances(k1) == (0, 990, 1000, 0)
        withdrawal_id = requested["withdrawal"]["id"]
        approved = await finance.client.data(REVIEW_WITHDRAWAL, {"id": withdrawal_id})
        paid = await finance.client.data(PAY_WITHDRAWAL, {"id": withdrawal_id})
        assert approved["reviewWithdrawal"]["errors"] == paid["payWithdrawal"]["errors"] == []
        assert await member_balances(k1) == (0, 990, 0, 1000)
        assert await check_ledger() == []

        refund = (await m.client.data(REFUND, {"item": item_id}))["requestRefund"]
        await finance.client.data(REVIEW_REFUND, {"id": refund["refund"]["id"]})
        assert await member_balances(k1) == (0, -1000, 0, 1000)
        assert await member_balances(k0) == (0, 0, 0, 0)
        assert await guide_balances(g) == (0, 0, 0, 0)
        refused = (await k1.client.data(WITHDRAW))["requestWithdrawal"]
        assert refused == {"withdrawal": None, "errors": [{"code": "NEGATIVE_BALANCE"}]}
        assert await member_balances(k1) == (0, -1000, 0, 1000)
        assert await check_ledger() == []
