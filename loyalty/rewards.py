"""Growth and points follow an order's items (SPEC 9.1, 9.2, 8.6).

On `OrderCompleted` each item earns growth floor(net paid / 100) and points that much × the
member's tier multiplier (the tier held when the order completed, before this order's growth),
net paid being what the item paid minus what was already refunded. On `ItemRefunded` the
reversals are cumulative: after refunds totalling R since earning, an item has given back
floor(earned × R / net) (everything once fully refunded), so several partial refunds never
take back more than one refund of the same sum. Points spent on the item go back to the lots
that paid them in the same proportion of the item's paid amount.

A reversal of earned points takes them from the lot they were earned in, then from other lots
earliest-expiring first. What the member has already spent beyond their balance is written off
(noted on the REVERSE transaction): the balance never goes negative.
"""

from __future__ import annotations

from domain import clock, events
from domain.money import proportional, share
from domain.orders.models import Order, OrderItem
from loyalty import points, tiers
from loyalty.models import (
    GrowthReason,
    GrowthRecord,
    ItemReward,
    LotSource,
    PointsKind,
    PointsSpend,
)

GROWTH_PER_FEN = 100


def _growth_of(net_fen: int) -> int:
    return net_fen // GROWTH_PER_FEN


async def on_order_completed(event: events.OrderCompleted) -> None:
    order = await Order.get(id=event.order_id)
    multiplier = (await tiers.tier_of(order.member_id)).points_multiplier_bp
    moment = clock.now()
    earned_growth = 0
    for item in await OrderItem.filter(order_id=order.id).order_by("line"):
        net = item.paid_fen - item.refunded_fen
        growth = _growth_of(net)
        earned = share(growth, multiplier)
        lot = None
        if earned:
            lot = await points.add_lot(
                order.member_id, earned, LotSource.EARN, order_id=order.id, item_id=item.id
            )
            await points.record(
                order.member_id,
                PointsKind.EARN,
                earned,
                order_id=order.id,
                item_id=item.id,
                lot_id=lot.id,
            )
        await ItemReward.create(
            item_id=item.id,
            order_id=order.id,
            member_id=order.member_id,
            base_fen=net,
            refunded_at_earn_fen=item.refunded_fen,
            growth=growth,
            points=earned,
            lot_id=lot.id if lot else None,
            earned_at=moment,
        )
        if growth:
            await GrowthRecord.create(
                member_id=order.member_id,
                reason=GrowthReason.EARN,
                delta=growth,
                order_id=order.id,
                item_id=item.id,
                earned_at=moment,
                created_at=moment,
            )
        earned_growth += growth
    await tiers.add_growth(order.member_id, earned_growth)


async def on_item_refunded(event: events.ItemRefunded) -> None:
    await _return_spent_points(event)
    reward = await ItemReward.get_or_none(item_id=event.item_id)
    if reward is not None:
        await _reverse_reward(reward, event)


def _cumulative(earned: int, refunded: int, paid: int) -> int:
    """How much of `earned` refunds of `refunded` out of `paid` take back in total."""
    if refunded >= paid:
        return earned
    return proportional(earned, refunded, paid)


async def _return_spent_points(event: events.ItemRefunded) -> None:
    for spend in await PointsSpend.filter(item_id=event.item_id).order_by("id"):
        due = _cumulative(spend.amount, event.refunded_fen, event.paid_fen) - spend.returned
        await points.give_back(spend, due)


async def _reverse_reward(reward: ItemReward, event: events.ItemRefunded) -> None:
    since_earn = event.refunded_fen - reward.refunded_at_earn_fen
    growth_target = _cumulative(reward.growth, since_earn, reward.base_fen)
    points_target = _cumulative(reward.points, since_earn, reward.base_fen)
    growth_due = growth_target - reward.growth_reversed
    points_due = points_target - reward.points_reversed
    if growth_due <= 0 and points_due <= 0:
        return
    # Refunds of one item never run at once (one open request per item): a plain
    # compare-and-set on what was reversed before is enough.
    changed = await ItemReward.filter(
        item_id=reward.item_id,
        growth_reversed=reward.growth_reversed,
        points_reversed=reward.points_reversed,
    ).update(growth_reversed=growth_target, points_reversed=points_target)
    if not changed:
        raise RuntimeError(f"item reward {reward.item_id} reversed concurrently")
    if points_due > 0:
        await _reverse_points(reward, points_due)
    if growth_due > 0:
        moment = clock.now()
        await GrowthRecord.create(
            member_id=reward.member_id,
            reason=GrowthReason.REVERSE,
            delta=-growth_due,
            order_id=reward.order_id,
            item_id=reward.item_id,
            earned_at=reward.earned_at,
            created_at=moment,
        )
        await tiers.add_growth(reward.member_id, -growth_due)


async def _reverse_points(reward: ItemReward, due: int) -> None:
    taken = sum(part for _, part in await points.take(reward.member_id, due, reward.lot_id))
    note = f"{due - taken} already spent, written off" if taken < due else ""
    if taken or note:
        await points.record(
            reward.member_id,
            PointsKind.REVERSE,
            -taken,
            order_id=reward.order_id,
            item_id=reward.item_id,
            lot_id=reward.lot_id,
            note=note,
        )
