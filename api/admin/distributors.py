"""Distributor administration for HQ (reviews, freeze/disable) and guides' assisted orders."""

from __future__ import annotations

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
    kind: DistributorKindEnum | None = None,
    status: DistributorStatusEnum | None = None,
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
    status: ApplicationStatusEnum | None = ApplicationStatus.PENDING,
    first: First = 20,
    after: After = None,
) -> Connection[ApplicationNode]:
    queryset = DistributorApplication.all()
    if status is not None:
        queryset = queryset.filter(status=ApplicationStatus(status))
    return await paginate(queryset, NEWEST_FIRST, first, after, application_node)


async def review_distributor_application(
    info: Info, id: strawberry.ID, approve: bool, note: str = ""
) -> ReviewApplicationPayload:
    staff = (await granted(info)).staff
    application = await enrollment.review(
        from_global_id(id, "DistributorApplication"), approve, f"staff:{staff.id}", note
    )
    return ReviewApplicationPayload(application=application_node(application), errors=[])


async def set_distributor_status(
    info: Info,
    id: strawberry.ID,
    status: DistributorStatusEnum,
) -> DistributorPayload:
    distributor = await enrollment.set_status(
        from_global_id(id, "Distributor"), DistributorStatus(status)
    )
    return DistributorPayload(distributor=distributor_node(distributor), errors=[])


async def place_assisted_order(
    info: Info, member_id: strawberry.ID, input: CheckoutInput, idempotency_key: str
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
