"""Points properties (SPEC 9.2): after any sequence of earning, spending, refunds giving spent
points back, reversals, adjustments and expiry, the balance equals the sum of the unexpired
lot remainders and the sum of the member's transactions, and nothing is ever negative.

Runs the real points functions against the test database (SQLite or PostgreSQL); each example
uses a fresh member, so examples never see each other's points."""

from datetime import timedelta
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member
from loyalty import points
from loyalty.models import LotSource, PointsKind, PointsLot, PointsSpend, PointsTransaction

_orders = count(1)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 500)),
        st.tuples(st.just("spend"), st.integers(1, 800)),
        st.tuples(st.just("refund"), st.integers(0, 50), st.integers(1, 100)),
        st.tuples(st.just("reverse"), st.integers(1, 300)),
        st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool)),
        st.tuples(st.just("advance"), st.integers(1, 400)),
    ),
    max_size=25,
)


async def _apply(member_id: int, operation: tuple) -> None:
    kind = operation[0]
    if kind == "earn":
        lot = await points.add_lot(member_id, operation[1], LotSource.EARN)
        await points.record(member_id, PointsKind.EARN, operation[1], lot_id=lot.id)
    elif kind == "spend":
        order_id = next(_orders)
        half = operation[1] // 2
        try:
            async with transaction():
                await points.spend_for_order(
                    member_id,
                    order_id,
                    [(order_id * 2, half), (order_id * 2 + 1, operation[1] - half)],
                )
        except DomainError as error:
            assert error.code == ErrorCode.INSUFFICIENT_POINTS
    elif kind == "refund":
        spends = await PointsSpend.filter(member_id=member_id).order_by("id")
        if spends:
            spend = spends[operation[1] % len(spends)]
            due = (spend.amount - spend.returned) * operation[2] // 100
            await points.give_back(spend, due)
    elif kind == "reverse":
        taken = await points.take(member_id, operation[1])
        await points.record(member_id, PointsKind.REVERSE, -sum(p for _, p in taken))
    elif kind == "adjust":
        try:
            await points.adjust(points.Adjustment(member_id, operation[1], "test", "test"))
        except DomainError as error:
            assert error.code == ErrorCode.INSUFFICIENT_POINTS
    else:
        clock.advance(timedelta(days=operation[1]))


async def _assert_sound(member_id: int) -> None:
    now = clock.now()
    await points.expire_due(now)
    lots = await PointsLot.filter(member_id=member_id)
    unexpired = sum(lot.remaining for lot in lots if lot.expires_at > now)
    ledger = sum(
        await PointsTransaction.filter(member_id=member_id).values_list("delta", flat=True)
    )
    balance = await points.balance(member_id)
    assert balance == unexpired == ledger
    assert balance >= 0
    assert all(0 <= lot.remaining <= lot.amount for lot in lots)
    for spend in await PointsSpend.filter(member_id=member_id):
        assert 0 <= spend.returned <= spend.amount


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
async def test_the_balance_is_the_unexpired_lots_and_the_ledger_after_any_sequence(db, steps):
    token = clock.freeze(clock.now())
    try:
        moment = clock.now()
        member = await Member.create(created_at=moment, updated_at=moment)
        for operation in steps:
            await _apply(member.id, operation)
            await _assert_sound(member.id)
    finally:
        clock.unfreeze(token)
