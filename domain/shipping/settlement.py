"""WeChat's settlement of a shipped order (小程序发货信息管理): the buyer confirmed receipt in
WeChat (or WeChat confirmed it after its own deadline) and the money is released.

It reaches siyu two ways: the `trade_manage_order_settlement` push (api/wechat/shipping.py)
and the daily reconcile, which asks `get_order` about every open shipped order. Either records
`WechatOrderState.settled_at` once, and with `wechat.shipping_management` on completes the
order (its commission then settles as for any completed order). With the setting on,
`auto-complete` only completes shipped orders WeChat has settled
(domain/orders/lifecycle.complete_shipped).
"""

from __future__ import annotations

from datetime import datetime

from domain import sql
from domain.orders import lifecycle
from domain.orders.models import Order, OrderStatus
from domain.payments.models import Payment
from domain.settings.service import get_setting
from domain.shipping.models import WechatOrderState

# get_order's order_state: 1 待发货, 2 已发货, 3 确认收货, 4 交易完成, 5 已退款, 6 资金待结算.
SHIPPED_STATES = frozenset({2, 3, 4, 6})
SETTLED_STATES = frozenset({3, 4})
REFUNDED_STATE = 5

_FIRST_WORD = sql.Insert(
    "shipping.wechat_order_state", WechatOrderState, tail='ON CONFLICT ("order_id") DO NOTHING'
)


async def order_paid_by(transaction_id: str | None, out_trade_no: str | None) -> Order | None:
    """The order a WeChat payment paid, by its transaction id or out_trade_no."""
    if transaction_id:
        payments = Payment.filter(transaction_id=transaction_id)
    elif out_trade_no:
        payments = Payment.filter(out_trade_no=out_trade_no)
    else:
        return None
    order_id = await payments.first().values_list("order_id", flat=True)
    return None if order_id is None else await Order.get_or_none(id=order_id)


async def _row_of(order_id: int) -> None:
    """The order's row exists afterwards (written once, whoever comes first)."""
    await sql.execute(_FIRST_WORD, **_FIRST_WORD.params([WechatOrderState(order_id=order_id)]))


async def record_state(order_id: int, state: int | None, now: datetime) -> None:
    """What the reconcile saw."""
    await _row_of(order_id)
    await WechatOrderState.filter(order_id=order_id).update(order_state=state, checked_at=now)


async def record_settled(order: Order, now: datetime) -> bool:
    """Record WeChat's settlement (once) and, with shipping management on, complete the order
    if it is shipped. True when the order was completed here."""
    await _row_of(order.id)
    await WechatOrderState.filter(order_id=order.id, settled_at__isnull=True).update(settled_at=now)
    if order.status != OrderStatus.SHIPPED:
        return False
    if not await get_setting("wechat.shipping_management"):
        return False
    return await lifecycle.complete(order, (OrderStatus.SHIPPED,))
