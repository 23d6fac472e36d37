"""Domain events, handled inside the transaction that raised them.

The core publishes (`OrderPaid`, `MemberMerged`, ...); `distribution` and `loyalty` subscribe at
start-up (composition root). A handler's failure rolls the whole business operation back, so an
order is never paid without its commission entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain.orders.models import Order, OrderItem
    from domain.org.models import Staff

Handler = Callable[[Any], Awaitable[None]]

_handlers: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type, handler: Handler) -> None:
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def unsubscribe(event_type: type, handler: Handler) -> None:
    if handler in _handlers.get(event_type, ()):
        _handlers[event_type].remove(handler)


async def publish(event: object) -> None:
    """Run every handler of the event in order, in the caller's transaction."""
    for handler in _handlers.get(type(event), ()):
        await handler(event)


@dataclass(frozen=True)
class MemberMerged:
    """The absorbed member's belongings move to the survivor (One-ID)."""

    survivor_id: int
    absorbed_id: int
    moved: dict[str, int]


@dataclass(frozen=True)
class MemberJoined:
    """A member was created by their first login (welcome coupon)."""

    member_id: int


@dataclass(frozen=True)
class ReferralBound:
    """A referral binding was created for the member (new-customer coupon)."""

    member_id: int
    distributor_id: int


@dataclass(frozen=True)
class StaffJoined:
    """A staff member was created (`staff` as stored): a guide becomes a distributor at once."""

    staff: Staff


@dataclass(frozen=True)
class StaffLeft:
    """A staff member left: a guide's distributor earns nothing new."""

    staff_id: int


@dataclass(frozen=True)
class OrderPlaced:
    order_id: int


@dataclass(frozen=True)
class OrderPaid:
    """`order` and `items` are the rows as paid. Amounts and attribution never change after
    payment, so handlers use them instead of reading them again in the payment's transaction."""

    order_id: int
    order: Order
    items: tuple[OrderItem, ...]


@dataclass(frozen=True)
class OrderShipped:
    order_id: int


@dataclass(frozen=True)
class OrderCompleted:
    order_id: int


@dataclass(frozen=True)
class OrderCancelled:
    """Unpaid order ended: whatever was locked for it (stock, coupon, points) is released."""

    order_id: int
    reason: str


@dataclass(frozen=True)
class ItemRefunded:
    """`amount_fen` of an item's `paid_fen` went back to the member; `refunded_fen` is the
    item's total refunded so far (this refund included)."""

    order_id: int
    item_id: int
    refund_id: int
    amount_fen: int
    paid_fen: int
    refunded_fen: int
    shipped: bool

    @property
    def fully_refunded(self) -> bool:
        return self.refunded_fen >= self.paid_fen


@dataclass(frozen=True)
class RefundRequested:
    """A member asked for `amount_fen` of an item back (the request awaits review)."""

    refund_id: int
    amount_fen: int


@dataclass(frozen=True)
class RefundRejected:
    """A reviewer turned a refund request down (approval publishes `ItemRefunded`)."""

    refund_id: int


@dataclass(frozen=True)
class PaymentNotified:
    """A payment notification was received and recorded with its outcome (`PAID`, `REPEAT`,
    `PAID_AFTER_CANCEL`, `UNKNOWN_PAYMENT`, `AMOUNT_MISMATCH`, `BAD_SIGNATURE`)."""

    provider: str
    outcome: str


@dataclass(frozen=True)
class CustomersReassigned:
    """The service relationship in force of these members changed hands (a touch after the
    protection, a transfer): they are now served by `store_id` and `guide_id` (None: the store
    alone). Guide tasks follow the customers."""

    member_ids: tuple[int, ...]
    store_id: int
    guide_id: int | None
