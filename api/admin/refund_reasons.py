"""The refund reasons HQ offers members (退款原因): list them all, create or edit one."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError
from api.graphql.orders import RefundReasonNode, refund_reason_node
from domain.orders import aftersale


@strawberry.input
class RefundReasonInput:
    code: str = strawberry.field(
        description=(
            "Stable code: upper-case letters, digits and _, starting with a letter, at most 32. "
            "An existing code is edited, a new one created."
        )
    )
    text_zh: str = strawberry.field(description="Chinese text, at most 60 characters.")
    text_en: str = strawberry.field(description="English text, at most 120 characters.")
    position: int = strawberry.field(default=0, description="Order in the list, 0..9999.")
    active: bool = strawberry.field(default=True, description="Offered to members.")


@strawberry.type
class RefundReasonPayload:
    reason: RefundReasonNode | None = None
    errors: list[UserError]


async def refund_reasons(info: Info) -> list[RefundReasonNode]:
    return [refund_reason_node(r) for r in await aftersale.all_reasons()]


async def save_refund_reason(
    info: Info,
    input: Annotated[
        RefundReasonInput, strawberry.argument(description="The reason as it should be.")
    ],
) -> RefundReasonPayload:
    staff = (await granted(info)).staff
    reason = await aftersale.save_reason(
        input.code, input.text_zh, input.text_en, input.position, input.active, f"staff:{staff.id}"
    )
    return RefundReasonPayload(reason=refund_reason_node(reason), errors=[])
