"""Points lots (SPEC 9.2): earned in lots that expire, spent earliest-expiring first, given back
to the lots that paid, and every change a transaction the member sees.

Balance = the sum of the remainders of lots that have not expired; it can never go negative
because every decrement is a guarded update on one lot (`remaining >= n`). A lot past its
`expires_at` no longer counts even before the expiry job has written its EXPIRE transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F
from tortoise.functions import Sum

from domain import clock
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.settings.service import get_setting
from domain.validation import clean_text
from loyalty.models import LotSource, PointsKind, PointsLot, PointsSpend, PointsTransaction

MAX_ATTEMPTS = 10
MAX_ADJUST = 10**9


async def balance(member_id: int, now: datetime | None = None) -> int:
    moment = now or clock.now()
    rows = (
        await PointsLot.filter(member_id=member_id, expires_at__gt=moment)
        .annotate(total=Sum("remaining"))
        .group_by("member_id")
        .values_list("total", flat=True)
    )
    return int(rows[0] or 0) if rows else 0


async def balances_of(member_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """The balances of many members in one statement (0 for a member without points)."""
    rows = (
        await PointsLot.filter(member_id__in=list(member_ids), expires_at__gt=now)
        .annotate(total=Sum("remaining"))
        .group_by("member_id")
        .values_list("member_id", "total")
    )
    found = {member_id: int(total or 0) for member_id, total in rows}
    return {member_id: found.get(member_id, 0) for member_id in member_ids}


async def record(
    member_id: int,
    kind: PointsKind,
    delta: int,
    *,
    order_id: int | None = None,
    item_id: int | None = None,
    lot_id: int | None = None,
    note: str = "",
    actor: str = "system",
) -> PointsTransaction:
    return await PointsTransaction.create(
        member_id=member_id,
        kind=kind,
        delta=delta,
        order_id=order_id,
        item_id=item_id,
        lot_id=lot_id,
        note=note,
        actor=actor,
        created_at=clock.now(),
    )


async def add_lot(
    member_id: int,
    amount: int,
    source: LotSource,
    *,
    order_id: int | None = None,
    item_id: int | None = None,
) -> PointsLot:
    moment = clock.now()
    days = await get_setting("points.valid_days")
    return await PointsLot.create(
        member_id=member_id,
        source=source,
        amount=amount,
        remaining=amount,
        order_id=order_id,
        item_id=item_id,
        expires_at=moment + timedelta(days=days),
        created_at=moment,
    )


async def take(
    member_id: int, amount: int, first_lot_id: int | None = None
) -> list[tuple[int, int]]:
    """Take up to `amount` points from unexpired lots, `first_lot_id` first, then the earliest
    expiring. Returns (lot id, points taken) pairs. Each decrement is guarded, so two spends
    racing for the same lot never take more than it holds: the loser reads again."""
    taken: list[tuple[int, int]] = []
    need = amount
    for _ in range(MAX_ATTEMPTS):
        if need == 0:
            break
        lots = await _spendable(member_id)
        if first_lot_id is not None:
            lots.sort(key=lambda lot: lot.id != first_lot_id)
        if not lots:
            break
        for lot in lots:
            part = min(lot.remaining, need)
            changed = await PointsLot.filter(id=lot.id, remaining__gte=part).update(
                remaining=F("remaining") - part
            )
            if not changed:
                break  # another spend got there first: read the lots again
            taken.append((lot.id, part))
            need -= part
            if need == 0:
                break
    return taken


async def _spendable(member_id: int) -> list[PointsLot]:
    return list(
        await PointsLot.filter(member_id=member_id, expires_at__gt=clock.now(), remaining__gt=0)
        .order_by("expires_at", "id")
        .all()
    )


def pair_up(
    demands: Sequence[tuple[int, int]], supplies: Sequence[tuple[int, int]]
) -> list[tuple[int, int, int]]:
    """Match (item, points) demands with (lot, points) supplies in order: (item, lot, points)
    rows whose sums per item and per lot equal the inputs."""
    rows: list[tuple[int, int, int]] = []
    supply = [list(s) for s in supplies]
    index = 0
    for item_id, wanted in demands:
        while wanted:
            lot_id, left = supply[index]
            part = min(left, wanted)
            rows.append((item_id, lot_id, part))
            wanted -= part
            supply[index][1] -= part
            if supply[index][1] == 0:
                index += 1
    return rows


async def spend_for_order(
    member_id: int, order_id: int, per_item: Sequence[tuple[int, int]]
) -> None:
    """Lock the order's points at placement (caller's transaction): FIFO over lots, recorded
    per (item, lot). Refused when the balance no longer covers it."""
    total = sum(points for _, points in per_item)
    if total == 0:
        return
    taken = await take(member_id, total)
    if sum(part for _, part in taken) < total:
        raise DomainError(ErrorCode.INSUFFICIENT_POINTS, "points")
    for item_id, lot_id, part in pair_up([d for d in per_item if d[1]], taken):
        await PointsSpend.create(
            member_id=member_id, order_id=order_id, item_id=item_id, lot_id=lot_id, amount=part
        )
    await record(member_id, PointsKind.SPEND, -total, order_id=order_id)


async def give_back(spend: PointsSpend, amount: int) -> None:
    """Return `amount` of a spend row to its lot (caller's transaction). Points returned to a
    lot that has expired stay expired: a RETURN and an EXPIRE of the same amount."""
    if amount <= 0:
        return
    changed = await PointsSpend.filter(id=spend.id, returned__lte=spend.amount - amount).update(
        returned=F("returned") + amount
    )
    if not changed:
        raise RuntimeError(f"points spend {spend.id} returned twice")
    spend.returned += amount
    lot = await PointsLot.get(id=spend.lot_id)
    await record(
        spend.member_id,
        PointsKind.RETURN,
        amount,
        order_id=spend.order_id,
        item_id=spend.item_id,
        lot_id=lot.id,
    )
    if lot.expires_at > clock.now():
        await PointsLot.filter(id=lot.id).update(remaining=F("remaining") + amount)
        return
    await PointsLot.filter(id=lot.id).update(expired=F("expired") + amount)
    await record(
        spend.member_id,
        PointsKind.EXPIRE,
        -amount,
        order_id=spend.order_id,
        item_id=spend.item_id,
        lot_id=lot.id,
        note="returned to an expired lot",
    )


async def return_order(order_id: int) -> None:
    """An unpaid order was cancelled: every point it locked goes back."""
    for spend in await PointsSpend.filter(order_id=order_id).order_by("id"):
        await give_back(spend, spend.amount - spend.returned)


@dataclass(frozen=True)
class Adjustment:
    member_id: int
    delta: int
    reason: str
    actor: str


async def adjust(change: Adjustment) -> int:
    """HQ adds (a new lot valid `points.valid_days`) or removes points (earliest-expiring
    first; refused beyond the balance). Returns the new balance."""
    if change.delta == 0 or abs(change.delta) > MAX_ADJUST:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "amount")
    reason = clean_text(change.reason, "reason", 200, multiline=True)
    async with transaction():
        lot_id = None
        if change.delta > 0:
            lot_id = (await add_lot(change.member_id, change.delta, LotSource.ADJUST)).id
        else:
            taken = await take(change.member_id, -change.delta)
            if sum(part for _, part in taken) < -change.delta:
                raise DomainError(ErrorCode.INSUFFICIENT_POINTS, "amount")
        await record(
            change.member_id,
            PointsKind.ADJUST,
            change.delta,
            lot_id=lot_id,
            note=reason,
            actor=change.actor,
        )
    return await balance(change.member_id)


async def expire_due(now: datetime) -> int:
    """Job: write off what is left on lots past their expiry. Compare-and-set on the lot's
    remainder, so two runs at once expire each point once. Returns the points expired."""
    expired = 0
    for lot in await PointsLot.filter(expires_at__lte=now, remaining__gt=0).order_by("id"):
        async with transaction():
            changed = await PointsLot.filter(id=lot.id, remaining=lot.remaining).update(
                remaining=0, expired=F("expired") + lot.remaining
            )
            if not changed:
                continue  # the other run expired it first
            await record(lot.member_id, PointsKind.EXPIRE, -lot.remaining, lot_id=lot.id)
        expired += lot.remaining
    return expired
