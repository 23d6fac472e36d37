"""HQ's monthly store targets (HQ_ADMIN, HQ_OPERATOR): the yardstick of storePerformance."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.scalars import Long, Money
from domain.org import targets
from domain.org.models import StoreTarget


@strawberry.input
class StoreTargetsInput:
    store_id: strawberry.ID = strawberry.field(description="A Store global ID.")
    month: str = strawberry.field(description="YYYY-MM (Asia/Shanghai).")
    new_members: int = strawberry.field(
        default=0, description="New members (开卡数) target, 0 or more."
    )
    sales_fen: Long = strawberry.field(default=0, description="Sales target in fen, 0 or more.")  # type: ignore[valid-type]
    distribution_sales_fen: Long = strawberry.field(  # type: ignore[valid-type]
        default=0, description="Distribution sales (分销业绩) target in fen, 0 or more."
    )


@strawberry.type
class StoreTargetsNode:
    store_id: strawberry.ID
    month: str
    new_members: int
    sales: Money
    distribution_sales: Money


@strawberry.type
class SetStoreTargetsPayload:
    targets: StoreTargetsNode | None = None
    errors: list[UserError]


def targets_node(target: StoreTarget) -> StoreTargetsNode:
    return StoreTargetsNode(
        store_id=strawberry.ID(to_global_id("Store", target.store_id)),
        month=target.month,
        new_members=target.new_members,
        sales=Money.of(target.sales_fen),
        distribution_sales=Money.of(target.distribution_sales_fen),
    )


async def set_store_targets(
    info: Info,
    input: Annotated[
        StoreTargetsInput, strawberry.argument(description="The store, month and targets.")
    ],
) -> SetStoreTargetsPayload:
    staff = (await granted(info)).staff
    store_id = from_global_id(input.store_id, "Store", "storeId")
    target = await targets.set_store_targets(
        store_id,
        input.month,
        targets.Targets(input.new_members, input.sales_fen, input.distribution_sales_fen),
        actor=f"staff:{staff.id}",
    )
    return SetStoreTargetsPayload(targets=targets_node(target), errors=[])
