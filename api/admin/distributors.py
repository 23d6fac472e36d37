"""Distributor administration for HQ (reviews, freeze/disable) and guides' assisted orders."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.admin.orders import AdminOrderPayload, admin_order_node
from api.auth.permissions import require_staff
from api.graphql.distributors import (
    ApplicationNode,
    DistributorNode,
    application_node,
    distributor_node,
)
from api.graphql.enums import ApplicationStatusEnum, DistributorKindEnum, DistributorStatusEnum
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import from_global_id
from api.graphql.relay import BY_ID, NEWEST_FIRST, Connection, paginate
from api.shop.orders import CheckoutInput
from distribution import enrollment
from distribution.models import (
    ApplicationStatus,
    Distributor,
    DistributorApplication,
    DistributorKind,
    DistributorStatus,
    ServiceRelationship,
)
from domain.errors import DomainError, ErrorCode
from domain.orders import checkout
from domain.org.models import StaffRole

R = StaffRole
HQ = frozenset({R.HQ_ADMIN, R.HQ_OPERATOR, R.HQ_FINANCE})
REVIEWERS = frozenset({R.HQ_ADMIN, R.HQ_OPERATOR})


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
    kind: DistributorKindEnum | None = None,  # type: ignore[valid-type]
    status: DistributorStatusEnum | None = None,  # type: ignore[valid-type]
    first: int | None = 20,
    after: str | None = None,
) -> Connection[DistributorNode]:
    await require_staff(info, HQ)
    queryset = Distributor.all()
    if kind is not None:
        queryset = queryset.filter(kind=DistributorKind(kind))
    if status is not None:
        queryset = queryset.filter(status=DistributorStatus(status))
    return await paginate(queryset, BY_ID, first, after, distributor_node)


async def distributor_applications(
    info: Info,
    status: ApplicationStatusEnum | None = ApplicationStatus.PENDING,  # type: ignore[valid-type]
    first: int | None = 20,
    after: str | None = None,
) -> Connection[ApplicationNode]:
    await require_staff(info, REVIEWERS)
    queryset = DistributorApplication.all()
    if status is not None:
        queryset = queryset.filter(status=ApplicationStatus(status))
    return await paginate(queryset, NEWEST_FIRST, first, after, application_node)


async def review_distributor_application(
    info: Info, id: strawberry.ID, approve: bool, note: str = ""
) -> ReviewApplicationPayload:
    staff = await require_staff(info, REVIEWERS)
    try:
        application = await enrollment.review(
            from_global_id(id, "DistributorApplication"), approve, f"staff:{staff.id}", note
        )
    except DomainError as error:
        return ReviewApplicationPayload(errors=user_errors(error))
    return ReviewApplicationPayload(application=application_node(application), errors=[])


async def set_distributor_status(
    info: Info,
    id: strawberry.ID,
    status: DistributorStatusEnum,  # type: ignore[valid-type]
) -> DistributorPayload:
    await require_staff(info, REVIEWERS)
    try:
        distributor = await enrollment.set_status(
            from_global_id(id, "Distributor"), DistributorStatus(status)
        )
    except DomainError as error:
        return DistributorPayload(errors=user_errors(error))
    return DistributorPayload(distributor=distributor_node(distributor), errors=[])


async def place_assisted_order(
    info: Info, member_id: strawberry.ID, input: CheckoutInput, idempotency_key: str
) -> AdminOrderPayload:
    """代客下单: a guide orders for one of their own customers (service relationship in force)."""
    staff = await require_staff(info, frozenset({R.GUIDE}))
    try:
        member_pk = from_global_id(member_id, "Member", "memberId")
        served = await ServiceRelationship.exists(
            member_id=member_pk, guide_id=staff.id, valid_to__isnull=True
        )
        if not served:
            raise DomainError(ErrorCode.NOT_FOUND, "memberId")
        placed = await checkout.place_order(
            member_pk,
            input.to_domain(),
            idempotency_key,
            checkout.Assistance(staff_id=staff.id, store_id=staff.store_id),
        )
    except DomainError as error:
        return AdminOrderPayload(errors=user_errors(error))
    return AdminOrderPayload(order=admin_order_node(placed.order, False), errors=[])
