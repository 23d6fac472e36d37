"""Refunds finance must act on (SPEC 20): WeChat answered ABNORMAL (the buyer's card or account
refused the money) or CLOSED, with the state and the suggested action; and finance's answer,
recorded with who, when and the note (`domain.orders.refunds.resolve`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.enums import RefundStatusEnum, expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, paginate
from api.graphql.scalars import Money
from domain.errors import DomainError, ErrorCode
from domain.orders import refunds
from domain.orders.models import Refund, RefundResolution
from domain.orders.queries import OrderScope, visible_refunds

expose_enum(
    RefundResolution,
    "RefundResolution",
    "How finance settles a refund the provider left ABNORMAL or CLOSED.",
    {
        RefundResolution.REFUNDED_OFFLINE: "ABNORMAL: finance paid the buyer another way;"
        " the reversals apply now.",
        RefundResolution.RETRIED: "CLOSED: re-initiated under a new out_refund_no.",
        RefundResolution.ABANDONED: "CLOSED: the request ends, nothing reversed; the item may be"
        " asked for again.",
    },
)
RefundResolutionEnum: TypeAlias = RefundResolution


@strawberry.type(name="RefundNeedingAttention")
class RefundAttentionNode:
    id: strawberry.ID = strawberry.field(description="The Refund's id.")
    order_id: strawberry.ID
    item_id: strawberry.ID
    amount: Money
    status: RefundStatusEnum = strawberry.field(description="ABNORMAL or CLOSED.")
    out_refund_no: str
    provider_refund_id: str | None
    finished_at: datetime | None = strawberry.field(
        description="When the provider's ABNORMAL or CLOSED was recorded."
    )
    suggested_action: str = strawberry.field(description="What finance should do (中文 / English).")


def attention_node(refund: Refund) -> RefundAttentionNode:
    return RefundAttentionNode(
        id=strawberry.ID(to_global_id("Refund", refund.id)),
        order_id=strawberry.ID(to_global_id("Order", refund.order_id)),
        item_id=strawberry.ID(to_global_id("OrderItem", refund.item_id)),
        amount=Money.of(refund.amount_fen),
        status=refund.status,
        out_refund_no=refund.out_refund_no,
        provider_refund_id=refund.provider_refund_id,
        finished_at=refund.finished_at,
        suggested_action=refunds.SUGGESTED_ACTIONS[refund.status],
    )


async def refunds_needing_attention(
    info: Info, first: First = 20, after: After = None
) -> Connection[RefundAttentionNode]:
    grant = await granted(info)
    queryset = refunds.needing_attention(visible_refunds(OrderScope.of(grant)))
    return await paginate(queryset, NEWEST_FIRST, first, after, attention_node)


@strawberry.type
class ResolveRefundPayload:
    refund: RefundAttentionNode | None = None
    status: RefundStatusEnum | None = strawberry.field(
        default=None, description="The refund's status after the resolution."
    )
    errors: list[UserError]


async def resolve_refund(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Refund global ID.")],
    resolution: Annotated[
        RefundResolutionEnum, strawberry.argument(description="What finance did about it.")
    ],
    note: Annotated[str, strawberry.argument(description="Why, for the audit trail.")],
) -> ResolveRefundPayload:
    grant = await granted(info)
    refund = await visible_refunds(OrderScope.of(grant)).get_or_none(
        id=from_global_id(id, "Refund")
    )
    if refund is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    actor = f"staff:{grant.staff.id}"
    resolved = await refunds.resolve(refund, RefundResolution(resolution), actor, note)
    shown = attention_node(resolved) if resolved.status in refunds.SUGGESTED_ACTIONS else None
    return ResolveRefundPayload(refund=shown, status=resolved.status, errors=[])
