"""Order and member events that move the system tags (subscribed in `api/plugins.py`). They run
inside the event's transaction, so each costs a constant number of statements."""

from __future__ import annotations

from tortoise.expressions import Subquery

from domain import events
from domain.orders.models import Order
from loyalty.audience.models import MemberAudience, MemberTag
from loyalty.audience.stats import refresh_member


async def _member_of(order_id: int) -> int:
    return await Order.filter(id=order_id).first().values_list("member_id", flat=True)


async def on_order_paid(event: events.OrderPaid) -> None:
    await refresh_member(event.order.member_id)


async def on_item_refunded(event: events.ItemRefunded) -> None:
    await refresh_member(await _member_of(event.order_id))


async def on_member_merged(event: events.MemberMerged) -> None:
    """The survivor takes the absorbed member's tags (those it lacks) and, its orders having
    moved, gets its stats recomputed. The merge record counts the tags that moved."""
    moved = (
        await MemberTag.filter(member_id=event.absorbed_id)
        .exclude(
            tag_id__in=Subquery(MemberTag.filter(member_id=event.survivor_id).values("tag_id"))
        )
        .update(member_id=event.survivor_id)
    )
    if moved:
        event.moved["tags"] = moved
    await MemberTag.filter(member_id=event.absorbed_id).delete()
    await MemberAudience.filter(member_id=event.absorbed_id).delete()
    await refresh_member(event.survivor_id)
