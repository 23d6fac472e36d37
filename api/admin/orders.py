"""Orders for staff: scoped lists, fulfilment (ship, pickup) and refund reviews."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.enums import OrderChannelEnum, OrderStatusEnum, RefundStatusEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.orders import DeliveryAddress, OrderNode, RefundNode, order_fields, refund_node
from api.graphql.relay import (
    NEWEST_FIRST,
    After,
    Connection,
    First,
    build_connection,
    fetch_page,
    paginate,
)
from api.graphql.scalars import Long
from domain.access.capabilities import Capability, Grant
from domain.errors import DomainError, ErrorCode
from domain.members.phones import mask_phone
from domain.orders import lifecycle, refunds
from domain.orders.models import Order, OrderItem, OrderStatus, Refund, RefundStatus
from domain.orders.queries import OrderScope, visible_orders, visible_refunds
from domain.shipping import packages as shipment
from domain.shipping.packages import Package


@strawberry.type(
    description="Who an order is attributed to (SPEC 8.4), fixed when it was placed, with the"
    " rule that filled each slot. Read from the order row: it costs no query."
)
class Attribution:
    channel: OrderChannelEnum = strawberry.field(description="The order's channel.")
    level1_distributor_id: strawberry.ID | None = strawberry.field(
        description=("Global ID of the level-1 Distributor (一级); null when none earns.")
    )
    level1_rule: str | None = strawberry.field(
        description="last_share_within_window, bound_referrer or self_purchase_excluded;"
        " null when nobody filled the slot."
    )
    level2_distributor_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the level-2 Distributor (二级); null when none."
    )
    level2_rule: str | None = strawberry.field(description="level1_upline, or null.")
    service_store_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the serving Store; null for HQ online sales."
    )
    service_guide_id: strawberry.ID | None = strawberry.field(description="A Staff ID.")
    service_rule: str | None = strawberry.field(
        description="assisting_guide, service_relationship, pickup_store or none."
    )
    share_link_id: strawberry.ID | None = strawberry.field(
        description="The share link whose touch decided level 1."
    )
    self_purchase: bool = strawberry.field(
        description="The buyer was the level-1 distributor of their own order."
    )


@strawberry.type(name="Order")
class AdminOrderNode(OrderNode):
    address: DeliveryAddress | None = strawberry.field(
        description="Null for HQ_FINANCE (amounts and numbers only); the phone is masked but "
        "for HQ_ADMIN."
    )
    pickup_code: str | None = strawberry.field(
        description="Always null here: only the member sees the code (SPEC 13)."
    )
    member_id: strawberry.ID = strawberry.field(description="Global ID of the buyer (Member).")
    channel: OrderChannelEnum = strawberry.field(description="From the attribution snapshot.")
    service_store_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the serving Store."
    )
    service_guide_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the serving guide (Staff)."
    )
    placed_by_staff_id: strawberry.ID | None = strawberry.field(
        description=(
            "Global ID of the guide (Staff) who placed it for the member "
            "(代客下单); null otherwise."
        )
    )
    attribution: Attribution
    commission_capped: bool = strawberry.field(
        description="Commission rules would have paid more than commission.max_share_bp of an"
        " item, so every role on it was scaled down (SPEC 10.1): for HQ to review."
    )


def _gid(type_name: str, pk: int | None) -> strawberry.ID | None:
    return strawberry.ID(to_global_id(type_name, pk)) if pk else None


@dataclass(frozen=True)
class OrderView:
    """What a staff member may see of an order's personal data (SPEC 13): the delivery address
    (never for HQ_FINANCE: null, not masked), its phone unmasked (HQ_ADMIN only). The pickup
    code is never shown on the admin API: only the member sees it."""

    address: bool
    full_phone: bool

    @staticmethod
    def of(grant: Grant) -> OrderView:
        return OrderView(
            address=grant.allows(Capability.DELIVERY_ADDRESS_READ),
            full_phone=grant.allows(Capability.PERSONAL_DATA_UNMASKED),
        )


def _rule(slot: object) -> str | None:
    """A slot's rule in the snapshot: {"rule": ...} from the distribution attributor, or the
    bare rule text the core's store-only attributor writes for the service slot."""
    if isinstance(slot, dict):
        return slot.get("rule")
    return slot if isinstance(slot, str) else None


def attribution_of(order: Order) -> Attribution:
    """The snapshot's keys come from the order's columns (what commission and reports use),
    the rules from the snapshot itself."""
    snapshot = order.attribution or {}
    return Attribution(
        channel=order.channel,
        level1_distributor_id=_gid("Distributor", order.level1_distributor_id),
        level1_rule=_rule(snapshot.get("level1")),
        level2_distributor_id=_gid("Distributor", order.level2_distributor_id),
        level2_rule=_rule(snapshot.get("level2")),
        service_store_id=_gid("Store", order.service_store_id),
        service_guide_id=_gid("Staff", order.service_guide_id),
        service_rule=_rule(snapshot.get("service")),
        share_link_id=_gid("ShareLink", order.share_link_id),
        self_purchase=bool(snapshot.get("self_purchase", False)),
    )


def admin_order_node(order: Order, view: OrderView) -> AdminOrderNode:
    phone = order.address["phone"] if order.address else None
    fields = order_fields(order, phone if view.full_phone else mask_phone(phone))
    if not view.address:
        fields["address"] = None
    fields["pickup_code"] = None
    return AdminOrderNode(
        **fields,
        member_id=strawberry.ID(to_global_id("Member", order.member_id)),
        channel=order.channel,
        service_store_id=_gid("Store", order.service_store_id),
        service_guide_id=_gid("Staff", order.service_guide_id),
        placed_by_staff_id=_gid("Staff", order.placed_by_staff_id),
        attribution=attribution_of(order),
        commission_capped=order.commission_capped,
    )


def _node(order: Order, grant: Grant) -> AdminOrderNode:
    return admin_order_node(order, OrderView.of(grant))


async def _visible_order(grant: Grant, order_id: strawberry.ID, field: str = "id") -> Order:
    pk = from_global_id(order_id, "Order", field)
    found = await visible_orders(OrderScope.of(grant)).get_or_none(id=pk)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, field)
    return found


@strawberry.type
class AdminOrderPayload:
    order: AdminOrderNode | None = None
    errors: list[UserError]


@strawberry.type
class ReviewRefundPayload:
    refund: RefundNode | None = None
    errors: list[UserError]


async def orders(
    info: Info,
    status: Annotated[
        OrderStatusEnum | None, strawberry.argument(description="Only orders in this status.")
    ] = None,
    first: First = 20,
    after: After = None,
    commission_capped: Annotated[
        bool | None,
        strawberry.argument(description="true: only orders whose commission the cap scaled down."),
    ] = None,
) -> Connection[AdminOrderNode]:
    grant = await granted(info)
    queryset = visible_orders(OrderScope.of(grant))
    if status is not None:
        queryset = queryset.filter(status=OrderStatus(status))
    if commission_capped is not None:
        queryset = queryset.filter(commission_capped=commission_capped)
    rows, has_next = await fetch_page(queryset, NEWEST_FIRST, first, after)
    view = OrderView.of(grant)
    nodes = [admin_order_node(r, view) for r in rows]
    return build_connection(rows, nodes, has_next, after, NEWEST_FIRST, queryset.count)


async def order(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="An Order global ID.")]
) -> AdminOrderNode | None:
    """Null for an unknown, malformed or out-of-scope id alike."""
    grant = await granted(info)
    return _node(await _visible_order(grant, id), grant)


@strawberry.input(description="One package of a shipment (包裹).")
class ShipmentPackageInput:
    carrier: str = strawberry.field(
        description="The carrier's delivery_id from WeChat's delivery company list (运力 id, "
        "e.g. SF, ZTO, YTO, STO, YD, JD, EMS)."
    )
    tracking_number: str = strawberry.field(
        description="Tracking number (快递单号), 1 to 64 characters."
    )
    item_description: str | None = strawberry.field(
        default=None,
        description="What this package holds, at most 120 characters (WeChat's item_desc); "
        "the order's items when absent.",
    )


async def ship_order(
    info: Info,
    order_id: Annotated[
        strawberry.ID, strawberry.argument(description="An Order global ID, PAID, DELIVERY.")
    ],
    carrier: Annotated[
        str | None,
        strawberry.argument(
            description="One package: the carrier's delivery_id from WeChat's delivery company "
            "list (e.g. SF). With trackingNumber, instead of packages."
        ),
    ] = None,
    tracking_number: Annotated[
        str | None,
        strawberry.argument(
            description="One package: its tracking number (快递单号), at most 64 characters."
        ),
    ] = None,
    packages: Annotated[
        list[ShipmentPackageInput] | None,
        strawberry.argument(
            description="1 to 15 packages (分拆发货), instead of carrier and trackingNumber."
        ),
    ] = None,
) -> AdminOrderPayload:
    grant = await granted(info)
    if packages is None:
        if carrier is None:
            raise DomainError(ErrorCode.REQUIRED, "carrier")
        if tracking_number is None:
            raise DomainError(ErrorCode.REQUIRED, "trackingNumber")
        given = [Package(carrier, tracking_number)]
    elif carrier is not None or tracking_number is not None:
        raise DomainError(ErrorCode.INVALID, "packages", "packages, or carrier and trackingNumber")
    else:
        given = [Package(p.carrier, p.tracking_number, p.item_description) for p in packages]
    checked = await shipment.checked(given, listed=packages is not None)
    shipped = await lifecycle.ship(await _visible_order(grant, order_id, "orderId"), checked)
    return AdminOrderPayload(order=_node(shipped, grant), errors=[])


async def mark_ready_for_pickup(
    info: Info,
    order_id: Annotated[
        strawberry.ID, strawberry.argument(description="An Order global ID, PAID, PICKUP.")
    ],
) -> AdminOrderPayload:
    grant = await granted(info)
    ready = await lifecycle.ready_for_pickup(await _visible_order(grant, order_id, "orderId"))
    return AdminOrderPayload(order=_node(ready, grant), errors=[])


async def verify_pickup(
    info: Info,
    code: Annotated[
        str, strawberry.argument(description="The pickup code (提货码) the member shows.")
    ],
) -> AdminOrderPayload:
    """Store staff verify a code at their own store; HQ_ADMIN at any store."""
    grant = await granted(info)
    completed = await lifecycle.verify_pickup(grant.store_id, code)
    return AdminOrderPayload(order=_node(completed, grant), errors=[])


async def refund_requests(
    info: Info,
    status: Annotated[
        RefundStatusEnum | None, strawberry.argument(description="Only refunds in this status.")
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[RefundNode]:
    grant = await granted(info)
    queryset = visible_refunds(OrderScope.of(grant))
    if status is not None:
        queryset = queryset.filter(status=RefundStatus(status))
    return await paginate(queryset, NEWEST_FIRST, first, after, refund_node)


async def review_refund(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Refund global ID.")],
    approve: Annotated[
        bool, strawberry.argument(description="true refunds the money, false rejects.")
    ],
    note: Annotated[
        str, strawberry.argument(description="Reviewer's note, at most 200 characters.")
    ] = "",
    return_required: Annotated[
        bool,
        strawberry.argument(
            description=(
                "With approve: the goods must come back first (退货退款); the refund waits in "
                "AWAITING_RETURN until confirmRefundReturn."
            )
        ),
    ] = False,
) -> ReviewRefundPayload:
    grant = await granted(info)
    refund = await _visible_refund(grant, id)
    actor = f"staff:{grant.staff.id}"
    reviewed: Refund = await (
        refunds.approve(refund, actor, note, return_required)
        if approve
        else refunds.reject(refund, actor, note)
    )
    return ReviewRefundPayload(refund=refund_node(reviewed), errors=[])


async def _visible_refund(grant: Grant, id: strawberry.ID) -> Refund:
    pk = from_global_id(id, "Refund")
    refund = await visible_refunds(OrderScope.of(grant)).get_or_none(id=pk)
    if refund is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return refund


async def confirm_refund_return(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Refund global ID.")],
) -> ReviewRefundPayload:
    grant = await granted(info)
    refund = await _visible_refund(grant, id)
    confirmed = await refunds.confirm_return(refund, f"staff:{grant.staff.id}")
    return ReviewRefundPayload(refund=refund_node(confirmed), errors=[])


@strawberry.type
class StaffRefundsPayload:
    refunds: list[RefundNode] | None = None
    errors: list[UserError]


async def refund_item(
    info: Info,
    item_id: Annotated[
        strawberry.ID, strawberry.argument(description="An OrderItem global ID of a paid order.")
    ],
    reason_code: Annotated[
        str, strawberry.argument(description="The code of an active refund reason, e.g. 缺货.")
    ],
    amount_fen: Annotated[
        Long | None,  # type: ignore[valid-type]
        strawberry.argument(description="Fen to refund; everything left of the item if omitted."),
    ] = None,
    note: Annotated[
        str, strawberry.argument(description="Staff's note, at most 200 characters.")
    ] = "",
) -> ReviewRefundPayload:
    grant = await granted(info)
    pk = from_global_id(item_id, "OrderItem", "itemId")
    item = await OrderItem.get_or_none(id=pk)
    scope = visible_orders(OrderScope.of(grant))
    if item is None or not await scope.filter(id=item.order_id).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "itemId")
    refund = await refunds.staff_refund(
        item.order_id, item.id, amount_fen, reason_code, note, f"staff:{grant.staff.id}"
    )
    return ReviewRefundPayload(refund=refund_node(refund), errors=[])


async def cancel_paid_order(
    info: Info,
    order_id: Annotated[
        strawberry.ID, strawberry.argument(description="An Order global ID, paid and unshipped.")
    ],
    reason_code: Annotated[
        str, strawberry.argument(description="The code of an active refund reason.")
    ],
    note: Annotated[
        str, strawberry.argument(description="Staff's note, at most 200 characters.")
    ] = "",
) -> StaffRefundsPayload:
    grant = await granted(info)
    pk = from_global_id(order_id, "Order", "orderId")
    if not await visible_orders(OrderScope.of(grant)).filter(id=pk).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "orderId")
    done = await refunds.cancel_paid_order(pk, reason_code, note, f"staff:{grant.staff.id}")
    return StaffRefundsPayload(refunds=[refund_node(r) for r in done], errors=[])
