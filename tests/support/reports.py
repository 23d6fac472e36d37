"""A small business built through the real API for report tests: two stores, a guide, a KOC
chain, share links and visits, paid orders, refunds before and after settlement, settlement,
a paid withdrawal and a manual adjustment. Everything happens on 2026-03-10 (Asia/Shanghai)
and, after the freeze days, on 2026-03-18."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from api.graphql.ids import to_global_id
from api.jobs import run_job
from distribution.distributors import for_guide
from distribution.ledger import check_ledger
from distribution.models import Distributor, ShareVisit
from domain import clock
from domain.catalog.models import Sku
from domain.clock import SHANGHAI
from domain.org.models import StaffRole, Store, StoreKind
from tests.support.api import MemberSession, StaffSession, make_store
from tests.support.catalog import make_category, make_product
from tests.support.commission import paid_order
from tests.support.orders import delivery, pay, place_ok

START = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
SETTLED = START + timedelta(days=8)

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
SHIP = """
mutation($id: ID!) {
  shipOrder(orderId: $id, carrier: "SF", trackingNumber: "SF1") { errors { code } }
}
"""
CONFIRM = "mutation($id: ID!) { confirmReceipt(orderId: $id) { errors { code } } }"
REFUND = """
mutation($item: ID!, $amount: Long!) {
  requestRefund(itemId: $item, amountFen: $amount, reason: "少了一件") {
    refund { id } errors { code }
  }
}
"""
REVIEW_REFUND = "mutation($id: ID!) { reviewRefund(id: $id, approve: true) { errors { code } } }"
WITHDRAW = """
mutation { requestWithdrawal(input: {amountFen: 1000, method: WECHAT_BALANCE}) {
  withdrawal { id } errors { code } } }
"""
REVIEW_WITHDRAWAL = """
mutation($id: ID!) { reviewWithdrawal(id: $id, approve: true) { errors { code } } }
"""
PAY_WITHDRAWAL = "mutation($id: ID!) { payWithdrawal(id: $id) { errors { code } } }"
ADJUST = """
mutation($id: ID!) {
  adjustCommission(distributorId: $id, amountFen: 500, reason: "活动奖励") { errors { code field } }
}
"""


@dataclass
class Business:
    s1: Store
    s2: Store
    guide: StaffSession
    guide_distributor: Distributor
    k0: Distributor
    k1: Distributor
    m: MemberSession
    n: MemberSession
    order_m: dict[str, Any]
    order_n: dict[str, Any]
    k1_link_code: str


async def _ok(client, query: str, variables: dict | None, field: str) -> dict[str, Any]:
    result = (await client.data(query, variables))[field]
    assert result["errors"] == [], result
    return result


async def _share(client, target: str, target_id: str | None = None) -> str:
    created = await _ok(
        client, LINK, {"input": {"target": target, "targetId": target_id}}, "createShareLink"
    )
    return created["link"]["code"]


async def _visit(session: MemberSession, code: str) -> str:
    return (await session.client.data(VISIT, {"c": code}))["recordShareVisit"]["outcome"]


async def _refund(session: MemberSession, staff: StaffSession, order: dict, amount: int) -> None:
    item = order["items"][0]["id"]
    requested = await _ok(session.client, REFUND, {"item": item, "amount": amount}, "requestRefund")
    await _ok(staff.client, REVIEW_REFUND, {"id": requested["refund"]["id"]}, "reviewRefund")


async def build_business(api) -> Business:
    with clock.frozen_at(START):
        operator = await api.staff(StaffRole.HQ_OPERATOR)
        finance = await api.staff(StaffRole.HQ_FINANCE)
        s1 = await make_store(StoreKind.DIRECT)
        s2 = await make_store(StoreKind.FRANCHISE)
        guide = await api.staff(StaffRole.GUIDE, s1)
        product = await make_product(await make_category(), (19900,), stock=50)
        sku = await Sku.get(product_id=product.id)
        product_id = to_global_id("Product", product.id)

        k0_session = await api.member("k0")
        applied = await _ok(k0_session.client, APPLY, None, "applyForDistributor")
        await _ok(
            operator.client,
            REVIEW,
            {"id": applied["application"]["id"]},
            "reviewDistributorApplication",
        )
        k1_session = await api.member("k1")
        assert await _visit(k1_session, await _share(k0_session.client, "HOME")) == "BOUND"
        applied = await _ok(k1_session.client, APPLY, None, "applyForDistributor")
        await _ok(
            operator.client,
            REVIEW,
            {"id": applied["application"]["id"]},
            "reviewDistributorApplication",
        )

        # m is the guide's customer, then touched by k1's link: k1 level 1, k0 level 2
        m = await api.member("m")
        assert await _visit(m, await _share(guide.client, "PRODUCT", product_id)) == "BOUND"
        k1_link_code = await _share(k1_session.client, "PRODUCT", product_id)
        assert await _visit(m, k1_link_code) == "ALREADY_BOUND"
        # m had opened it half an hour earlier too: the visit again counts (within 30 minutes
        # a repeat would not)
        await ShareVisit.filter(member_id=m.member_id, link__code=k1_link_code).update(
            visited_at=START - timedelta(minutes=30)
        )
        assert await _visit(m, k1_link_code) == "ALREADY_BOUND"
        order_m = await place_ok(m.client, delivery((sku, 2)))
        await pay(api, m.client, order_m)

        # n buys once, served by the franchise store s2 with k0 as level 1
        k0 = await Distributor.get(member_id=k0_session.member_id)
        k1 = await Distributor.get(member_id=k1_session.member_id)
        n = await api.member("n")
        order_n = await paid_order(
            api, n, [(sku, 1)], level1_distributor_id=k0.id, service_store_id=s2.id
        )
        # an unpaid order through k1's link counts as an order without paid fen
        await place_ok(m.client, delivery((sku, 1), shareCode=k1_link_code))

        for order, buyer in ((order_m, m), (order_n, n)):
            await _ok(operator.client, SHIP, {"id": order["id"]}, "shipOrder")
            await _ok(buyer.client, CONFIRM, {"id": order["id"]}, "confirmReceipt")
        await _refund(m, finance, order_m, 19900)  # before settlement: CANCEL

    assert await run_job("settle-commission", SETTLED) > 0
    with clock.frozen_at(SETTLED):
        # tokens last 15 minutes: everyone logs in again
        k1_session, n = await api.member("k1"), await api.member("n")
        finance = await api.staff(StaffRole.HQ_FINANCE)
        requested = await _ok(k1_session.client, WITHDRAW, None, "requestWithdrawal")
        withdrawal = requested["withdrawal"]["id"]
        await _ok(finance.client, REVIEW_WITHDRAWAL, {"id": withdrawal}, "reviewWithdrawal")
        await _ok(finance.client, PAY_WITHDRAWAL, {"id": withdrawal}, "payWithdrawal")
        await _refund(n, finance, order_n, 5000)  # after settlement: CLAWBACK
        await _ok(
            finance.client, ADJUST, {"id": to_global_id("Distributor", k0.id)}, "adjustCommission"
        )
        assert await check_ledger() == []
    return Business(
        s1=s1,
        s2=s2,
        guide=guide,
        guide_distributor=await for_guide(guide.staff),
        k0=k0,
        k1=k1,
        m=m,
        n=n,
        order_m=order_m,
        order_n=order_n,
        k1_link_code=k1_link_code,
    )
