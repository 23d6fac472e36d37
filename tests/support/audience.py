"""Members with paid orders at chosen moments, paid the way payments do (`mark_paid` publishes
`OrderPaid`, so the audience handlers run) under the frozen clock."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from domain import clock
from domain.db import transaction
from domain.members.models import Member
from domain.orders import lifecycle
from domain.orders.models import Fulfilment, Order, OrderItem
from loyalty.audience.models import MemberAudience

NOW = datetime.fromisoformat("2026-11-22T04:00:00+00:00")


async def new_member() -> int:
    return (await Member.create(created_at=NOW, updated_at=NOW)).id


async def paid_order(member_id: int, paid_at: datetime, fen: int = 10_000) -> Order:
    """An order of one item worth `fen`, paid at `paid_at`."""
    with clock.frozen_at(paid_at):
        order = await Order.create(
            number=f"T{secrets.token_hex(6)}",
            member_id=member_id,
            fulfilment=Fulfilment.DELIVERY,
            goods_fen=fen,
            payable_fen=fen,
            idempotency_key=secrets.token_hex(8),
            request_hash="0" * 64,
            created_at=paid_at,
            pay_deadline=paid_at + timedelta(minutes=30),
        )
        await OrderItem.create(
            order=order,
            line=1,
            sku_id=1,
            product_id=1,
            category_id=1,
            title="面霜",
            commission_enabled=False,
            unit_price_fen=fen,
            quantity=1,
            amount_fen=fen,
            paid_fen=fen,
        )
        async with transaction():
            assert await lifecycle.mark_paid(order)
    return order


async def member_with_orders(*days_ago: float, fen: int = 10_000, now: datetime = NOW) -> int:
    member_id = await new_member()
    for days in days_ago:
        await paid_order(member_id, now - timedelta(days=days), fen)
    return member_id


async def audience(member_id: int) -> MemberAudience | None:
    return await MemberAudience.get_or_none(member_id=member_id)
