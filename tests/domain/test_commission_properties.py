"""Commission money properties (SPEC 10, issue 4): over random items, rules and sequences of
partial refunds before and after settlement, no entry gives back more than it accrued, a full
refund leaves every entry at exactly zero, the cap is never passed, and the ledger balances.

The pure calculation is what the event handlers run; a seeded-random test then drives the real
handlers through HTTP refunds and the settlement job and checks the database ledger."""

import random
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.jobs import run_job
from distribution.commission.calculation import (
    ItemFacts,
    cap_shares,
    item_shares,
    plan_reduction,
    remaining_after_refund,
    role_share,
)
from distribution.ledger import check_ledger
from distribution.models import (
    BeneficiaryRole,
    CommissionEntry,
    DistributorKind,
    EntryStatus,
    LedgerEntry,
    RuleScope,
)
from domain.money import share
from domain.org.models import StaffRole, StoreKind
from tests.support.api import make_store
from tests.support.commission import distributor, guide, paid_order, refund, ship_and_confirm, sku

ROLES = list(BeneficiaryRole)


@dataclass(frozen=True)
class FakeRule:
    id: int
    role: BeneficiaryRole
    distributor_kind: DistributorKind | None
    scope: RuleScope
    scope_id: int | None
    rate_bp: int | None
    fixed_fen_per_unit: int | None
    priority: int = 0


@st.composite
def items(draw):
    quantity = draw(st.integers(1, 50))
    paid = draw(st.integers(0, 10_000_000))
    return ItemFacts(
        sku_id=1,
        product_id=1,
        category_id=1,
        parent_category_id=None,
        paid_fen=paid,
        quantity=quantity,
        sku_level1_fen=draw(st.none() | st.integers(0, 100_000)),
        sku_level2_fen=draw(st.none() | st.integers(0, 100_000)),
    )


@st.composite
def rule_sets(draw):
    rules = []
    for index, role in enumerate(ROLES):
        if draw(st.booleans()):
            fixed = draw(st.booleans())
            rules.append(
                FakeRule(
                    id=index + 1,
                    role=role,
                    distributor_kind=None,
                    scope=RuleScope.ALL,
                    scope_id=None,
                    rate_bp=None if fixed else draw(st.integers(0, 10_000)),
                    fixed_fen_per_unit=draw(st.integers(0, 100_000)) if fixed else None,
                )
            )
    return rules


@st.composite
def refund_plans(draw, paid):
    """Cumulative refunded totals of partial refunds, ending fully refunded or not, and the
    step after which the entries settle (None: never)."""
    steps = draw(st.lists(st.integers(1, max(paid, 1)), max_size=8))
    totals, total = [], 0
    for step in steps:
        total = min(paid, total + step)
        totals.append(total)
        if total == paid:
            break
    if draw(st.booleans()) and (not totals or totals[-1] < paid):
        totals.append(paid)
    settle_after = draw(st.none() | st.integers(0, len(totals)))
    return totals, settle_after


@given(item=items(), rules=rule_sets(), max_bp=st.integers(0, 10_000))
@settings(max_examples=400, deadline=None)
def test_shares_never_pass_the_cap_and_scale_down_exactly(item, rules, max_bp):
    everyone = dict.fromkeys(ROLES, DistributorKind.KOC)
    shares = item_shares(item, everyone, rules, max_bp)
    uncapped = [
        role_share(next((r for r in rules if r.role == role), None), role, item) for role in ROLES
    ]
    limit = share(item.paid_fen, max_bp)
    total = sum(s.amount_fen for s in uncapped)

    assert all(s.amount_fen > 0 for s in shares)
    assert sum(s.amount_fen for s in shares) <= max(limit, 0)
    if total > limit:
        assert sum(s.amount_fen for s in cap_shares(uncapped, item.paid_fen, max_bp)) == limit
        assert all(s.capped for s in shares)
        for s in shares:  # no role ends above its proportional share rounded up
            before = next(u.amount_fen for u in uncapped if u.role == s.role)
            assert s.amount_fen <= before
            assert s.amount_fen * total <= limit * before + total
    else:
        assert [(s.role, s.amount_fen) for s in shares] == [
            (u.role, u.amount_fen) for u in uncapped if u.amount_fen > 0
        ]


@given(
    data=st.data(),
    paid=st.integers(1, 10_000_000),
    originals=st.lists(st.integers(0, 4_000_000), min_size=1, max_size=4),
)
@settings(max_examples=500, deadline=None)
def test_random_refunds_before_and_after_settlement_keep_every_entry_honest(data, paid, originals):
    totals, settle_after = data.draw(refund_plans(paid))
    entries = [
        {"original": o, "amount": o, "status": EntryStatus.PENDING, "pending": o, "available": 0}
        for o in originals
        if o > 0
    ]

    def settle():
        for e in entries:
            if e["status"] == EntryStatus.PENDING and e["amount"] > 0:
                e["pending"] -= e["amount"]
                e["available"] += e["amount"]
                e["status"] = EntryStatus.SETTLED

    for step, refunded in enumerate(totals):
        if settle_after == step:
            settle()
        for e in entries:
            before = e["amount"]
            plan = plan_reduction(e["status"], e["amount"], e["original"], paid, refunded)
            if plan is not None:
                bucket = "available" if plan.clawback else "pending"
                e[bucket] -= plan.given_back_fen
                e["amount"], e["status"] = plan.target_fen, plan.status
                assert plan.given_back_fen > 0
            # never up, never below zero, never more given back than accrued
            assert 0 <= e["amount"] <= before
            # path independence: the same as one refund of the cumulative total
            assert e["amount"] == remaining_after_refund(e["original"], paid, refunded)
            # the ledger of this entry balances: what is left is what it still holds
            assert e["pending"] + e["available"] == e["amount"]
            assert e["pending"] >= 0
    if settle_after == len(totals):
        settle()
    if totals and totals[-1] == paid:
        for e in entries:
            assert e["amount"] == 0
            assert (e["pending"], e["available"]) == (0, 0)
            assert e["status"] in (EntryStatus.CANCELLED, EntryStatus.SETTLED)


@given(original=st.integers(0, 10**9), paid=st.integers(1, 10**9), data=st.data())
@settings(max_examples=300, deadline=None)
def test_what_remains_never_grows_as_refunds_add_up(original, paid, data):
    a = data.draw(st.integers(0, paid))
    b = data.draw(st.integers(a, paid))

    assert (
        0
        <= remaining_after_refund(original, paid, b)
        <= remaining_after_refund(original, paid, a)
        <= original
    )
    assert remaining_after_refund(original, paid, paid) == 0
    assert remaining_after_refund(original, paid, 0) == original


async def test_seeded_random_refunds_through_the_real_handlers_keep_the_ledger_sound(api):
    """Random partial refunds before and after settlement, over HTTP, on a 3-role order."""
    finance = await api.staff(StaffRole.HQ_FINANCE)
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    for seed in range(4):
        rng = random.Random(seed)
        k0 = await distributor(api)
        k1 = await distributor(api, upline=k0)
        store = await make_store(StoreKind.FRANCHISE)
        g = await guide(api, store)
        m = await api.member()
        price, quantity = rng.randint(100, 50_000), rng.randint(1, 5)
        order = await paid_order(
            api,
            m,
            [(await sku(price), quantity)],
            level1_distributor_id=k1.id,
            level2_distributor_id=k0.id,
            service_store_id=store.id,
            service_guide_id=g.id,
        )
        paid = order["items"][0]["paid"]["fen"]
        originals = {
            e.id: e.original_fen
            for e in await CommissionEntry.filter(item__order__number=order["number"])
        }
        completed = await ship_and_confirm(operator, m, order)
        settled_at_step = seed  # settle before any refund, after one, two or three
        refunded = 0
        for step in range(4):
            if step == settled_at_step:
                await run_job("settle-commission", completed.completed_at + timedelta(days=7))
            if refunded == paid:
                break
            amount = paid - refunded if step == 3 else rng.randint(1, paid - refunded)
            await refund(api, m, finance, order, amount)
            refunded += amount
            assert await check_ledger() == []
            for entry in await CommissionEntry.filter(id__in=list(originals)):
                assert entry.amount_fen == remaining_after_refund(
                    originals[entry.id], paid, refunded
                )
        for entry in await CommissionEntry.filter(id__in=list(originals)):
            given_back = -sum(
                r.pending_delta + r.available_delta
                for r in await LedgerEntry.filter(
                    entry_id=entry.id, kind__in=["CANCEL", "CLAWBACK"]
                )
            )
            assert 0 <= given_back <= entry.original_fen
            assert entry.amount_fen == 0
            assert given_back == entry.original_fen
    kinds = set(await LedgerEntry.all().values_list("kind", flat=True))
    assert {"ACCRUE", "CANCEL", "SETTLE", "CLAWBACK"} <= kinds
