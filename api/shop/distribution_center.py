"""分销中心: a member's distributor status, balances, team, links, commission and withdrawals.

Each sub-list is its own paginated connection, resolved only when selected; the root costs one
query for the distributor and one for the account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.commission import (
    BalancesNode,
    CommissionEntryNode,
    EntryStatusEnum,
    balances_node,
    entry_node,
)
from api.graphql.distributors import (
    ApplicationNode,
    DistributorNode,
    application_node,
    distributor_node,
)
from api.graphql.ids import from_global_id, to_global_id
from api.graphql.relay import (
    NEWEST_FIRST,
    After,
    Connection,
    First,
    Ordering,
    SortField,
    build_connection,
    fetch_page,
    paginate,
)
from api.shop.distribution_links import ShareLinkNode, link_node
from api.shop.withdrawals import WithdrawalNode, WithdrawalStatusEnum, member_withdrawals
from distribution import referrals
from distribution.commission.estimate import estimate_product
from distribution.commission.queries import account_of, balances_of, entries
from distribution.customers import BoundCustomer, bound_customers
from distribution.models import (
    AccountOwner,
    CommissionEntry,
    Distributor,
    DistributorApplication,
    EntryStatus,
    ShareLink,
)
from domain import clock
from domain.orders.models import Order, OrderItem


@strawberry.type
class Team:
    level1: int = strawberry.field(description="Distributors whose upline is me.")
    level2: int = strawberry.field(description="Distributors whose upline's upline is me.")
    referred_members: int = strawberry.field(description="Members bound to me right now.")


@strawberry.type(name="CommissionEntry")
class MemberCommissionEntryNode(CommissionEntryNode):
    order_number: str
    item_title: str


RECENTLY_BOUND = Ordering((SortField("valid_from", True, True), SortField("id", True)))


@strawberry.type(description="A customer bound to me (我的客户), nickname masked.")
class BoundCustomerNode:
    nickname: str = strawberry.field(description="The first character and two stars.")
    bound_at: datetime = strawberry.field(description="When the binding in force began.")
    expires_at: datetime | None = strawberry.field(
        description="When the binding expires; null = permanent."
    )
    last_order_at: datetime | None = strawberry.field(
        description="When their latest order attributed to me was paid; null = none yet."
    )
    paid_total_fen: int = strawberry.field(
        description="What they paid for orders attributed to me (level 1), fen."
    )

    @classmethod
    def of(cls, customer: BoundCustomer) -> BoundCustomerNode:
        return cls(
            nickname=customer.masked_nickname,
            bound_at=customer.bound_at,
            expires_at=customer.expires_at,
            last_order_at=customer.last_order_at,
            paid_total_fen=customer.paid_total_fen,
        )


@strawberry.type(description="What the distributor earns on one SKU (预估佣金).")
class SkuCommissionEstimate:
    sku_id: strawberry.ID = strawberry.field(description="The SKU.")
    price_fen: int = strawberry.field(description="The SKU's price (a V0 member's price), fen.")
    level1_fen: int = strawberry.field(
        description="Level-1 commission on one unit bought through my link, fen."
    )


@strawberry.type(description="Estimated commission on a product for the calling distributor.")
class CommissionEstimate:
    min_fen: int = strawberry.field(description="The lowest estimate over the SKUs, fen.")
    max_fen: int = strawberry.field(description="The highest estimate over the SKUs, fen.")
    skus: list[SkuCommissionEstimate] = strawberry.field(description="Per SKU, by SKU id.")


@strawberry.type(description="The member's distribution centre (分销中心).")
class DistributionCenter:
    distributor: DistributorNode | None = strawberry.field(
        description="The member's distributor record; null when not a distributor."
    )
    application: ApplicationNode | None = strawberry.field(
        description="The latest application, while there is no distributor yet."
    )
    balances: BalancesNode = strawberry.field(
        description="Commission balances in fen; zero when not a distributor."
    )
    member_pk: strawberry.Private[int]
    distributor_pk: strawberry.Private[int | None]
    account_pk: strawberry.Private[int | None]

    @strawberry.field(description="Who the member brought in (团队).")
    async def team(self) -> Team:
        if self.distributor_pk is None:
            return Team(level1=0, level2=0, referred_members=0)
        now = clock.now()
        return Team(
            level1=await Distributor.filter(upline_id=self.distributor_pk).count(),
            level2=await Distributor.filter(upline__upline_id=self.distributor_pk).count(),
            referred_members=await referrals.referred_members(self.distributor_pk, now).count(),
        )

    @strawberry.field(
        description=(
            "What I would earn (预估佣金) when a V0 customer buys one unit of the product "
            "through my link: accrual's own rules, level 1 only, at each SKU's price. Zero when "
            "I am not an active distributor or the product earns no commission; null when no "
            "such product is on sale."
        )
    )
    async def estimated_commission(
        self, product_id: Annotated[strawberry.ID, strawberry.argument(description="The product.")]
    ) -> CommissionEstimate | None:
        skus = await estimate_product(
            self.distributor_pk, from_global_id(product_id, "Product", "productId")
        )
        if not skus:
            return None
        return CommissionEstimate(
            min_fen=min(s.level1_fen for s in skus),
            max_fen=max(s.level1_fen for s in skus),
            skus=[
                SkuCommissionEstimate(
                    sku_id=strawberry.ID(to_global_id("Sku", s.sku_id)),
                    price_fen=s.price_fen,
                    level1_fen=s.level1_fen,
                )
                for s in skus
            ],
        )

    @strawberry.field(
        description=(
            "My bound customers (我的客户): members whose referral binding in force points at "
            "me, most recently bound first. Totals count their paid orders attributed to me "
            "at level 1. Empty when I am not a distributor."
        )
    )
    async def bound_customers(
        self, first: First = 20, after: After = None
    ) -> Connection[BoundCustomerNode]:
        queryset = referrals.referred_members(self.distributor_pk or 0, clock.now())
        rows, has_next = await fetch_page(queryset, RECENTLY_BOUND, first, after)
        customers = await bound_customers(self.distributor_pk or 0, rows)
        return build_connection(
            rows,
            [BoundCustomerNode.of(c) for c in customers],
            has_next,
            after,
            RECENTLY_BOUND,
            queryset.count,
        )

    @strawberry.field(description="The member's own share links, newest first.")
    async def links(self, first: First = 20, after: After = None) -> Connection[ShareLinkNode]:
        queryset = ShareLink.filter(distributor_id=self.distributor_pk or 0)
        return await paginate(queryset, NEWEST_FIRST, first, after, link_node)

    @strawberry.field(description="Commission earned, newest first.")
    async def commission_entries(
        self,
        status: Annotated[
            EntryStatusEnum | None,
            strawberry.argument(description="Only entries in this status; all when omitted."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[MemberCommissionEntryNode]:
        queryset = entries(
            account_id=self.account_pk or 0,
            status=EntryStatus(status) if status is not None else None,
        )
        rows, has_next = await fetch_page(queryset, NEWEST_FIRST, first, after)
        return build_connection(
            rows, await _entry_nodes(rows), has_next, after, NEWEST_FIRST, queryset.count
        )

    @strawberry.field(description="The member's withdrawals, newest first.")
    async def withdrawals(
        self,
        status: Annotated[
            WithdrawalStatusEnum | None,
            strawberry.argument(description="Only withdrawals in this status; all when omitted."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[WithdrawalNode]:
        return await member_withdrawals(self.member_pk, status, first, after)


async def _entry_nodes(rows: list[CommissionEntry]) -> list[MemberCommissionEntryNode]:
    """Order numbers and item titles for a page of entries: two queries, whatever its size."""
    numbers = dict(
        await Order.filter(id__in={r.order_id for r in rows}).values_list("id", "number")
    )
    titles = dict(
        await OrderItem.filter(id__in={r.item_id for r in rows}).values_list("id", "title")
    )
    return [
        MemberCommissionEntryNode(
            **vars(entry_node(r)),
            order_number=numbers.get(r.order_id, ""),
            item_title=titles.get(r.item_id, ""),
        )
        for r in rows
    ]


async def distribution_center(info: Info) -> DistributionCenter:
    member_id = await require_member(info)
    distributor = await Distributor.get_or_none(member_id=member_id)
    account = await account_of(AccountOwner.DISTRIBUTOR, distributor.id) if distributor else None
    application = None
    if distributor is None:
        application = (
            await DistributorApplication.filter(member_id=member_id).order_by("-id").first()
        )
    return DistributionCenter(
        distributor=distributor_node(distributor) if distributor else None,
        application=application_node(application) if application else None,
        balances=balances_node(balances_of(account)),
        member_pk=member_id,
        distributor_pk=distributor.id if distributor else None,
        account_pk=account.id if account else None,
    )
