"""The member's after-sale refunds (售后): the list (`myRefunds`), one refund (`refund`) and the
reasons to choose from (`refundReasons`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.enums import RefundStatusEnum, ReturnMethodEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.orders import RefundReasonNode, refund_reason_node
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, build_connection, fetch_page
from api.graphql.scalars import Money
from api.shop.catalog import SpecValue
from domain.errors import DomainError, ErrorCode
from domain.orders import aftersale, refunds
from domain.orders.models import Refund, RefundStatus, ReturnMethod


@strawberry.type(
    name="MemberRefundItem", description="The order item a refund is about, as it was bought."
)
class MemberRefundItem:
    id: strawberry.ID = strawberry.field(description="Global ID (OrderItem).")
    title: str = strawberry.field(description="The product's title when it was bought.")
    specs: list[SpecValue] = strawberry.field(description="The SKU's specs when it was bought.")
    quantity: int = strawberry.field(description="How many were bought.")
    paid: Money = strawberry.field(description="What the item paid, shipping excluded.")
    refunded: Money = strawberry.field(description="What has been refunded of it so far.")


@strawberry.type(
    name="MemberRefund", description="One of the member's after-sale refunds (售后退款)."
)
class MemberRefundNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Refund).")
    order_id: strawberry.ID = strawberry.field(description="Global ID of the Order.")
    item: MemberRefundItem = strawberry.field(description="The item refunded.")
    amount: Money = strawberry.field(description="The amount asked for (refunded when approved).")
    reason: str = strawberry.field(description="The member's own words (empty with a code).")
    reason_code: str | None = strawberry.field(
        description="The code of the refund reason chosen; null for words alone."
    )
    status: RefundStatusEnum = strawberry.field(description="Where the refund stands.")
    review_note: str | None = strawberry.field(description="The reviewer's note, once reviewed.")
    return_method: ReturnMethodEnum | None = strawberry.field(
        description="How the goods come back, once the member recorded it."
    )
    return_carrier: str | None = strawberry.field(description="The courier, for EXPRESS.")
    return_tracking_number: str | None = strawberry.field(description="For EXPRESS.")
    return_received_at: datetime | None = strawberry.field(
        description="When the store confirmed it has the goods back."
    )
    created_at: datetime = strawberry.field(description="When the member asked.")
    reviewed_at: datetime | None = strawberry.field(description="When it was approved or rejected.")
    finished_at: datetime | None = strawberry.field(
        description="When the payment provider's final answer (refunded or failed) was recorded."
    )


def member_refund_node(refund: Refund) -> MemberRefundNode:
    item = refund.item
    return MemberRefundNode(
        id=strawberry.ID(to_global_id("Refund", refund.id)),
        order_id=strawberry.ID(to_global_id("Order", refund.order_id)),
        item=MemberRefundItem(
            id=strawberry.ID(to_global_id("OrderItem", item.id)),
            title=item.title,
            specs=[SpecValue(name=k, value=v) for k, v in item.specs.items()],
            quantity=item.quantity,
            paid=Money.of(item.paid_fen),
            refunded=Money.of(item.refunded_fen),
        ),
        amount=Money.of(refund.amount_fen),
        reason=refund.reason,
        reason_code=refund.reason_code,
        status=refund.status,
        review_note=refund.review_note,
        return_method=refund.return_method,
        return_carrier=refund.return_carrier,
        return_tracking_number=refund.return_tracking_number,
        return_received_at=refund.return_received_at,
        created_at=refund.created_at,
        reviewed_at=refund.reviewed_at,
        finished_at=refund.finished_at,
    )


async def my_refunds(
    info: Info,
    status: Annotated[
        RefundStatusEnum | None,
        strawberry.argument(description="Only refunds in this status; all when omitted."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[MemberRefundNode]:
    member_id = await require_member(info)
    queryset = aftersale.member_refunds(
        member_id, RefundStatus(status) if status is not None else None
    )
    rows, has_next = await fetch_page(queryset, NEWEST_FIRST, first, after)
    nodes = [member_refund_node(r) for r in rows]
    return build_connection(rows, nodes, has_next, after, NEWEST_FIRST, queryset.count)


async def refund(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A Refund global ID.")]
) -> MemberRefundNode | None:
    """Null for an unknown or another member's id alike (a malformed one is INVALID_ID)."""
    member_id = await require_member(info)
    found = await aftersale.member_refund(member_id, from_global_id(id, "Refund", "id"))
    return member_refund_node(found) if found else None


async def refund_reasons(info: Info) -> list[RefundReasonNode]:
    return [refund_reason_node(r) for r in await aftersale.active_reasons()]


@strawberry.type
class RecordReturnPayload:
    refund: MemberRefundNode | None = None
    errors: list[UserError]


async def record_refund_return(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="A Refund global ID, AWAITING_RETURN.")
    ],
    method: Annotated[ReturnMethodEnum, strawberry.argument(description="Courier or store.")],
    carrier: Annotated[
        str | None, strawberry.argument(description="EXPRESS: the courier, at most 32.")
    ] = None,
    tracking_number: Annotated[
        str | None, strawberry.argument(description="EXPRESS: the tracking number, at most 40.")
    ] = None,
) -> RecordReturnPayload:
    member_id = await require_member(info)
    refund = await aftersale.member_refund(member_id, from_global_id(id, "Refund", "id"))
    if refund is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    await refunds.record_return(refund, ReturnMethod(method), carrier, tracking_number)
    return RecordReturnPayload(refund=member_refund_node(refund), errors=[])
