"""Which orders a staff member may see: their store's (served or picked up there), a guide's own
(served or assisted) and pickups at their store; HQ sees all. The scope comes from the
capability grant (`domain.access.capabilities`)."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain import sql
from domain.access.capabilities import Grant
from domain.orders.models import Order, Refund
from domain.sql import Sql


@dataclass(frozen=True)
class OrderScope:
    store_id: int | None = None
    guide_id: int | None = None

    @staticmethod
    def of(grant: Grant) -> OrderScope:
        """ALL: every order; OWN_STORE: the store's; OWN_CUSTOMERS: the guide's own and the
        pickups at the guide's store."""
        return OrderScope(store_id=grant.store_id, guide_id=grant.guide_id)

    def condition(self, prefix: str = "") -> Q | None:
        if self.guide_id is not None:
            return (
                Q(**{f"{prefix}service_guide_id": self.guide_id})
                | Q(**{f"{prefix}placed_by_staff_id": self.guide_id})
                | Q(**{f"{prefix}pickup_store_id": self.store_id})
            )
        if self.store_id is not None:
            return Q(**{f"{prefix}service_store_id": self.store_id}) | Q(
                **{f"{prefix}pickup_store_id": self.store_id}
            )
        return None


def visible_orders(scope: OrderScope) -> QuerySet[Order]:
    condition = scope.condition()
    return Order.all() if condition is None else Order.filter(condition)


def visible_refunds(scope: OrderScope) -> QuerySet[Refund]:
    condition = scope.condition("order__")
    return Refund.all() if condition is None else Refund.filter(condition)


_TO_PAY = Sql(
    "orders.to_pay",
    """SELECT {o}, (SELECT i.openid FROM member_identity i
      WHERE i.member_id = o.member_id AND i.provider = 'WECHAT' ORDER BY i.id LIMIT 1) AS openid
    FROM "order" o WHERE o.id = :id AND o.member_id = :member_id""",
    o=Order,
)


async def order_to_pay(member_id: int, order_id: int) -> tuple[Order, str | None] | None:
    """The member's order with the payer's first WeChat openid (a JSAPI payment needs it), in
    one hand-written statement (`domain.sql`): every payment starts here."""
    row = await sql.fetch_one(_TO_PAY, id=order_id, member_id=member_id)
    return None if row is None else (sql.as_model(Order, row, "o"), row["openid"])
