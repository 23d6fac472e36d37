"""Distributor administration for HQ (reviews, freeze/disable) and guides' assisted orders."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.admin.orders import AdminOrderPayload, OrderView, admin_order_node
from api.auth.permissions import granted
from api.graphql.distributors import (
    ApplicationNode,
    DistributorNode,
    application_node,
    distributor_node,
)
from api.graphql.enums import ApplicationStatusEnum, DistributorKindEnum, DistributorStatusEnum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id
from api.graphql.relay import BY_ID, NEWEST_FIRST, After, Connection, First, paginate
from api.shop.orders import CheckoutInput
from distribution import assisted_orders, enrollment
from distribution.models import (
    ApplicationStatus,
    Distributor,
    DistributorApplication,
    DistributorKind,
    DistributorStatus,
)


@strawberry.type
class ReviewApplicationPayload:
    application: ApplicationNode | None = None
    errors: list[UserError]


@strawberry.type
class DistributorPayload:
    distributor: DistributorNode | None = None
    errors: list[UserError]


async def distributors(
    info: Info,
    kind: Annotated[
        DistributorKindEnum | None,
        strawberry.argument(description="Only distributors of this kind."),
    ] = None,
    status: Annotated[
        DistributorStatusEnum | None,
        strawberry.argument(description="Only distributors in this status."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[DistributorNode]:
    queryset = Distributor.all()
    if kind is not None:
        queryset = queryset.filter(kind=DistributorKind(kind))
    if status is not None:
        queryset = queryset.filter(status=DistributorStatus(status))
    return await paginate(queryset, BY_ID, first, after, distributor_node)


async def distributor_applications(
    info: Info,
    status: Annotated[
        ApplicationStatusEnum | None,
        strawberry.argument(
            description=("Only applications in this status (PENDING by default; null for all).")
        ),
    ] = ApplicationStatus.PENDING,
    first: First = 20,
    after: After = None,
) -> Connection[ApplicationNode]:
    queryset = DistributorApplication.all()
    if status is not None:
        queryset = queryset.filter(status=ApplicationStatus(status))
    return await paginate(queryset, NEWEST_FIRST, first, after, application_node)


async def review_distributor_application(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="A DistributorApplication global ID.")
    ],
    approve: Annotated[bool, strawberry.argument(description="true approves, false rejects.")],
    note: Annotated[
        str, strawberry.argument(description="Reviewer's note, at most 200 characters.")
    ] = "",
) -> ReviewApplicationPayload:
    staff = (await granted(info)).staff
    application = await enrollment.review(
        from_global_id(id, "DistributorApplication"), approve, f"staff:{staff.id}", note
    )
    return ReviewApplicationPayload(application=application_node(application), errors=[])


async def set_distributor_status(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Distributor global ID.")],
    status: Annotated[DistributorStatusEnum, strawberry.argument(description="The new status.")],
) -> DistributorPayload:
    distributor = await enrollment.set_status(
        from_global_id(id, "Distributor"), DistributorStatus(status)
    )
    return DistributorPayload(distributor=distributor_node(distributor), errors=[])


async def place_assisted_order(
    info: Info,
    member_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="A Member global ID the calling guide serves."),
    ],
    input: Annotated[
        CheckoutInput,
        strawberry.argument(description="The cart, as the member's placeOrder takes it."),
    ],
    idempotency_key: Annotated[
        str,
        strawberry.argument(
            description=(
                "Required, at most 64 characters, per checkout: sending it again "
                "returns the same order; with another cart IDEMPOTENCY_CONFLICT."
            )
        ),
    ],
) -> AdminOrderPayload:
    """代客下单: a guide orders for one of their own customers (`distribution.assisted_orders`)."""
    grant = await granted(info)
    placed = await assisted_orders.place_assisted_order(
        grant.staff,
        from_global_id(member_id, "Member", "memberId"),
        input.to_domain(),
        idempotency_key,
    )
    return AdminOrderPayload(order=admin_order_node(placed.order, OrderView.of(grant)), errors=[])
