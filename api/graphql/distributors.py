"""Distributor and application types shared by the shop's distribution centre and the admin."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.enums import ApplicationStatusEnum, DistributorKindEnum, DistributorStatusEnum
from api.graphql.ids import to_global_id
from distribution.models import Distributor, DistributorApplication


@strawberry.type(name="Distributor")
class DistributorNode:
    id: strawberry.ID
    kind: DistributorKindEnum
    status: DistributorStatusEnum
    display_name: str
    shop_name: str | None
    upline_id: strawberry.ID | None
    created_at: datetime


@strawberry.type(name="DistributorApplication")
class ApplicationNode:
    id: strawberry.ID
    kind: DistributorKindEnum
    status: ApplicationStatusEnum
    shop_name: str | None
    note: str
    review_note: str | None
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
