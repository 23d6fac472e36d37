"""Becoming a distributor from the mini-program (分销中心 entry)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.distributors import (
    ApplicationNode,
    DistributorNode,
    application_node,
    distributor_node,
)
from api.graphql.enums import DistributorKindEnum
from api.graphql.errors import UserError
from distribution import enrollment
from distribution.models import Distributor, DistributorKind


@strawberry.type
class ApplyForDistributorPayload:
    distributor: DistributorNode | None = strawberry.field(
        default=None, description="Set when enrollment was immediate (OPEN or THRESHOLD)."
    )
    application: ApplicationNode | None = strawberry.field(
        default=None, description="Set when HQ reviews the application (APPLY)."
    )
    errors: list[UserError]


async def apply_for_distributor(
    info: Info,
    kind: Annotated[
        DistributorKindEnum,
        strawberry.argument(
            description=(
                "MEMBER (人人分销, default), KOC or SHOP (小b); GUIDE is refused (guides are "
                "distributors already)."
            )
        ),
    ] = DistributorKind.MEMBER,
    shop_name: Annotated[
        str | None,
        strawberry.argument(
            description="The shop's name, required for SHOP, at most 64 characters."
        ),
    ] = None,
    note: Annotated[
        str, strawberry.argument(description="A note for the reviewer, at most 200 characters.")
    ] = "",
) -> ApplyForDistributorPayload:
    member_id = await require_member(info)
    result = await enrollment.apply(member_id, DistributorKind(kind), shop_name, note)
    if isinstance(result, Distributor):
        return ApplyForDistributorPayload(distributor=distributor_node(result), errors=[])
    return ApplyForDistributorPayload(application=application_node(result), errors=[])
