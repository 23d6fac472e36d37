"""Distributor and application types shared by the shop's distribution centre and the admin."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.enums import ApplicationStatusEnum, DistributorKindEnum, DistributorStatusEnum
from api.graphql.ids import to_global_id
from distribution.models import Distributor, DistributorApplication


@strawberry.type(
    name="Distributor",
    description=(
        "A distributor (分销员): earns commission on sales through their links and referrals."
    ),
)
class DistributorNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Distributor).")
    kind: DistributorKindEnum
    status: DistributorStatusEnum
    display_name: str = strawberry.field(
        description="The member's nickname or the guide's name when enrolled."
    )
    shop_name: str | None = strawberry.field(description="SHOP only: the partner shop's name.")
    upline_id: strawberry.ID | None = strawberry.field(
        description=("Global ID of the upline Distributor (level 2 earns on this one's sales).")
    )
    created_at: datetime


@strawberry.type(
    name="DistributorApplication", description="A member's application to become a distributor."
)
class ApplicationNode:
    id: strawberry.ID = strawberry.field(description="Global ID (DistributorApplication).")
    kind: DistributorKindEnum
    status: ApplicationStatusEnum
    shop_name: str | None = strawberry.field(description="SHOP only.")
    note: str = strawberry.field(description="The applicant's note.")
    review_note: str | None = strawberry.field(description="The reviewer's note, once reviewed.")
    created_at: datetime


def distributor_node(distributor: Distributor) -> DistributorNode:
    return DistributorNode(
        id=strawberry.ID(to_global_id("Distributor", distributor.id)),
        kind=distributor.kind,
        status=distributor.status,
        display_name=distributor.display_name,
        shop_name=distributor.shop_name,
        upline_id=(
            strawberry.ID(to_global_id("Distributor", distributor.upline_id))
            if distributor.upline_id
            else None
        ),
        created_at=distributor.created_at,
    )


def application_node(application: DistributorApplication) -> ApplicationNode:
    return ApplicationNode(
        id=strawberry.ID(to_global_id("DistributorApplication", application.id)),
        kind=application.kind,
        status=application.status,
        shop_name=application.shop_name,
        note=application.note,
        review_note=application.review_note,
        created_at=application.created_at,
    )
