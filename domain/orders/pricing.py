"""The checkout pricing pipeline of SPEC 8.3, in its fixed order:
tier discount → coupon → points → shipping → payable.

The core owns the pipeline and the shipping step; the tier, coupon and points steps are plugged
in at start-up by `loyalty` (the dependency rule: the core declares the need, the upper layer
fills it). Each step prices a `Quote` without side effects (`price`), and reserves what it used
inside the order's transaction (`commit`): preview and placement run the same `price`, so they
always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from domain.catalog.models import Product, Sku
from domain.orders.models import Fulfilment, Order
from domain.settings.service import Settings


@dataclass
class QuoteLine:
    line: int
    sku: Sku
    product: Product
    quantity: int
    tier_discount_fen: int = 0
    coupon_discount_fen: int = 0
    points_discount_fen: int = 0

    @property
    def amount_fen(self) -> int:
        return self.sku.price_fen * self.quantity

    @property
    def after_tier_fen(self) -> int:
        return self.amount_fen - self.tier_discount_fen

    @property
    def after_coupon_fen(self) -> int:
        return self.after_tier_fen - self.coupon_discount_fen

    @property
    def paid_fen(self) -> int:
        return self.after_coupon_fen - self.points_discount_fen


@dataclass
class Quote:
    """Everything checkout knows about a cart while it is priced."""

    member_id: int
    lines: list[QuoteLine]
    fulfilment: Fulfilment
    settings: Settings
    coupon_id: int | None = None
    applied_coupon_id: int | None = None
    points_requested: int = 0
    points_used: int = 0
    free_shipping: bool = False
    shipping_fen: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def goods_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def tier_discount_fen(self) -> int:
        return sum(line.tier_discount_fen for line in self.lines)

    @property
    def coupon_discount_fen(self) -> int:
        return sum(line.coupon_discount_fen for line in self.lines)

    @property
    def points_discount_fen(self) -> int:
        return sum(line.points_discount_fen for line in self.lines)

    @property
    def goods_after_discounts_fen(self) -> int:
        return sum(line.paid_fen for line in self.lines)

    @property
    def payable_fen(self) -> int:
        return max(1, self.goods_after_discounts_fen + self.shipping_fen)


class PricingStep(Protocol):
    async def price(self, quote: Quote) -> None:
        """Apply this step's discount to the quote. Reads only; raises DomainError to refuse."""
        ...

    async def commit(self, quote: Quote, order: Order) -> None:
        """Reserve what the quote used (lock a coupon, lock points) in the order's transaction."""
        ...


class ShippingStep:
    """Delivery costs `order.shipping_fen` unless the goods after discounts reach the free
    threshold or a tier or coupon gives free shipping; pickup is free."""

    async def price(self, quote: Quote) -> None:
        threshold = quote.settings["order.free_shipping_threshold_fen"]
        free = (
            quote.fulfilment == Fulfilment.PICKUP
            or quote.free_shipping
            or quote.goods_after_discounts_fen >= threshold
        )
        quote.shipping_fen = 0 if free else quote.settings["order.shipping_fen"]

    async def commit(self, quote: Quote, order: Order) -> None:
        return None


class Pipeline:
    """The slots are fixed by SPEC 8.3; an empty slot prices nothing."""

    SLOTS = ("tier", "coupon", "points")

    def __init__(self) -> None:
        self._steps: dict[str, PricingStep] = {}
        self._shipping = ShippingStep()

    def plug(self, slot: str, step: PricingStep) -> None:
        if slot not in self.SLOTS:
            raise ValueError(f"unknown pricing slot {slot}")
        self._steps[slot] = step

    def steps(self) -> list[PricingStep]:
        return [self._steps[s] for s in self.SLOTS if s in self._steps] + [self._shipping]

    async def price(self, quote: Quote) -> Quote:
        for step in self.steps():
            await step.price(quote)
        return quote

    async def commit(self, quote: Quote, order: Order) -> None:
        for step in self.steps():
            await step.commit(quote, order)


pipeline = Pipeline()
