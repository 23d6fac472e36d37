"""Which orders a staff member may see: their store's (served or picked up there), a guide's own
(served or assisted) and pickups at their store; HQ sees all."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain.orders.models import Order, Refund


@dataclass(frozen=True)
class OrderScope:
    store_id: int | None = None
    guide_id: int | None = None

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
