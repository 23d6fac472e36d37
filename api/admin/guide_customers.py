"""The guide workbench's customers (SPEC 22, issue 17 item 1): the list with its filters and
sorts, and one customer's page.

Reach is the member scope (SPEC 13): a guide their own customers (the service relationship in
force names them), a store manager the store's, HQ every member; a customer transferred to
another guide leaves the first guide's list and page at once. Another's customer looks exactly
like a missing one (null). Phones are masked for everyone but HQ_ADMIN.

The page's sections are fields of `CustomerPage`, each one or two statements whatever its page
size; a section another area provides (the tasks of issue 17 item 3) is one more field there.
The customer's orders, refunds, coupons and points are all of theirs, not only those the caller
served: whoever serves a customer now needs their whole history (the orders' delivery
addresses are shown as the admin `order` field shows them to the caller's role).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeAlias

import strawberry
from strawberry.types import Info

from api.admin import customer_timeline
from api.admin.audience import AudienceFilterInput, audience_filter
from api.admin.customer_search import (
    CustomerQuery,
    CustomerRow,
    CustomerSort,
    customer_count,
    customer_page,
    prepare,
)
from api.admin.follow_ups import FollowUpNode, follow_up_node
from api.admin.nodes import MemberNode, member_node
from api.admin.orders import AdminOrderNode, OrderView, admin_order_node
from api.auth.permissions import granted
from api.graphql.enums import expose_enum
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.loyalty import (
    CouponNode,
    PointsTransactionNode,
    coupon_node,
    points_transaction_node,
)
from api.graphql.orders import RefundNode, refund_node
from api.graphql.relay import (
    NEWEST_FIRST,
    After,
    Connection,
    First,
    Ordering,
    SortField,
    build_connection,
    page_size,
    paginate,
)
from api.graphql.scalars import Money
from distribution.follow_ups.models import FollowUp
from domain.access.capabilities import Capability, Grant
from domain.errors import DomainError, ErrorCode
from domain.members.queries import MemberScope
from domain.orders.models import Order, Refund
from loyalty.audience.filters import validated
from loyalty.models import Coupon, PointsTransaction

expose_enum(
    CustomerSort,
    "CustomerSort",
    "What the customer list is sorted by (ties: the newest member first).",
    {
        CustomerSort.LAST_ORDER: "The last paid order; customers who never paid count as oldest.",
        CustomerSort.SPEND: "Spend net of refunds, all time.",
        CustomerSort.BOUND_AT: "When the service relationship in force began (绑定时间).",
    },
)
CustomerSortEnum: TypeAlias = CustomerSort

MONTHS = range(1, 13)
NEWEST_ID_FIRST = Ordering((SortField("id", True),))


@strawberry.input(
    description="The audience conditions (as for segments) and the workbench's own; every one"
    " is optional and the given ones must all hold."
)
class CustomerFilterInput(AudienceFilterInput):
    birthday_month: int | None = strawberry.field(
        default=None, description="Born in this month (1..12), any year and day."
    )
    guide_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only the customers of this guide (Staff global ID): a store manager or HQ"
        " looking at one guide's list.",
    )


@strawberry.type(name="Customer", description="A customer in the caller's reach (我的客户).")
class CustomerNode:
    id: strawberry.ID = strawberry.field(description="Global ID (Member).")
    member: MemberNode = strawberry.field(
        description="The member, masked as for members; audience tags and loyalty inside."
    )
    store_id: strawberry.ID | None = strawberry.field(
        description="The Store serving the customer now; null when none does (HQ's view)."
    )
    guide_id: strawberry.ID | None = strawberry.field(
        description="The guide (Staff) serving the customer now; null: the store alone."
    )
    bound_at: datetime | None = strawberry.field(
        description="When the service relationship in force began."
    )
    last_order_at: datetime | None = strawberry.field(
        description="The last paid order (as the audience stats last saw it)."
    )
    spend: Money = strawberry.field(description="Spend net of refunds, all time.")
    sort_key: strawberry.Private[Any]
    pk: strawberry.Private[int]


def customer_node(row: CustomerRow, full_phone: bool) -> CustomerNode:
    return CustomerNode(
        id=strawberry.ID(to_global_id("Member", row.member.id)),
        member=member_node(row.member, full_phone),
        store_id=strawberry.ID(to_global_id("Store", row.store_id)) if row.store_id else None,
        guide_id=strawberry.ID(to_global_id("Staff", row.guide_id)) if row.guide_id else None,
        bound_at=row.bound_at,
        last_order_at=row.last_paid_at,
        spend=Money.of(row.spend_fen),
        sort_key=row.sort_key,
        pk=row.member.id,
    )


@strawberry.type(
    name="CustomerPage",
    description="One customer's page (客户详情): the customer and their history, section by"
    " section; each section is a connection read only when selected.",
)
class CustomerPage:
    customer: CustomerNode = strawberry.field(description="Who, whose, and their figures.")
    grant: strawberry.Private[Grant]

    @property
    def _member_id(self) -> int:
        return self.customer.pk

    @strawberry.field(description="Their orders with items, newest first (all of them).")
    async def orders(self, first: First = 20, after: After = None) -> Connection[AdminOrderNode]:
        view = OrderView.of(self.grant)
        queryset = Order.filter(member_id=self._member_id)
        return await paginate(
            queryset, NEWEST_FIRST, first, after, lambda o: admin_order_node(o, view)
        )

    @strawberry.field(description="Their refund requests (售后), newest first.")
    async def refunds(self, first: First = 20, after: After = None) -> Connection[RefundNode]:
        queryset = Refund.filter(order__member_id=self._member_id)
        return await paginate(queryset, NEWEST_FIRST, first, after, refund_node)

    @strawberry.field(description="Their coupons in any status, newest first.")
    async def coupons(self, first: First = 20, after: After = None) -> Connection[CouponNode]:
        queryset = Coupon.filter(member_id=self._member_id).select_related("template")
        return await paginate(queryset, NEWEST_ID_FIRST, first, after, coupon_node)

    @strawberry.field(
        description="Their points movements (积分明细), newest first; the balance is in"
        " customer.member.loyalty."
    )
    async def points(
        self, first: First = 20, after: After = None
    ) -> Connection[PointsTransactionNode]:
        queryset = PointsTransaction.filter(member_id=self._member_id)
        return await paginate(queryset, NEWEST_FIRST, first, after, points_transaction_node)

    @strawberry.field(
        description="Share links they opened and service touches, on one timeline, newest first."
    )
    async def timeline(
        self, first: First = 20, after: After = None
    ) -> Connection[customer_timeline.TimelineEventNode]:
        return await customer_timeline.timeline(self._member_id, first, after)

    @strawberry.field(description="Follow-ups of the customer by anyone, newest first.")
    async def follow_ups(self, first: First = 20, after: After = None) -> Connection[FollowUpNode]:
        queryset = FollowUp.filter(member_id=self._member_id)
        return await paginate(queryset, NEWEST_FIRST, first, after, follow_up_node)


async def _query(
    grant: Grant,
    search: CustomerFilterInput,
    sort: CustomerSort,
    descending: bool,
) -> CustomerQuery:
    """The validated request; a filter that makes no sense raises its DomainError."""
    audience = await validated(audience_filter(search, "filter"), "filter")
    month = search.birthday_month
    if month is not None and month not in MONTHS:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "filter.birthdayMonth", "1..12")
    scope = MemberScope.of(grant)
    return CustomerQuery(
        scope_store_id=scope.store_id,
        scope_guide_id=scope.guide_id,
        audience=audience,
        guide_id=optional_global_id(search.guide_id, "Staff", "filter.guideId"),
        birthday_month=month,
        sort=CustomerSort(sort),
        descending=descending,
    )


def _ordering(query: CustomerQuery) -> Ordering:
    is_moment = query.sort is not CustomerSort.SPEND
    return Ordering(
        (SortField("sort_key", query.descending, is_moment), SortField("pk", query.descending))
    )


async def customers(
    info: Info,
    filter: Annotated[
        CustomerFilterInput | None,
        strawberry.argument(description="Optional conditions, all of which must hold."),
    ] = None,
    sort: Annotated[
        CustomerSortEnum,
        strawberry.argument(description="LAST_ORDER (default), SPEND or BOUND_AT."),
    ] = CustomerSort.LAST_ORDER,
    descending: Annotated[
        bool, strawberry.argument(description="true (default): the largest or latest first.")
    ] = True,
    first: First = 20,
    after: After = None,
) -> Connection[CustomerNode]:
    """One statement per page whatever the filters (tags and tiers: one more each to check
    them); a filter that makes no sense is BAD_USER_INPUT with its UserError."""
    grant = await granted(info)
    query = await _query(grant, filter or CustomerFilterInput(), sort, descending)
    ordering = _ordering(query)
    size = page_size(first)
    cursor = None
    if after:
        key, pk = ordering.decode(after)
        cursor = (key, pk)
    prepared = await prepare(query)
    found = await customer_page(prepared, size + 1, cursor) if size else None
    rows = found.rows if found else []
    total = found.total if found else None
    full = grant.allows(Capability.PERSONAL_DATA_UNMASKED)
    nodes = [customer_node(row, full) for row in rows[:size]]

    async def counter() -> int:
        return total if total is not None else await customer_count(prepared)

    return build_connection(nodes, nodes, len(rows) > size, after, ordering, counter)


async def customer(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Member global ID.")],
) -> CustomerPage | None:
    """Null for an unknown, malformed or out-of-reach id alike."""
    grant = await granted(info)
    pk = from_global_id(id, "Member")
    scope = MemberScope.of(grant)
    query = CustomerQuery(
        scope_store_id=scope.store_id, scope_guide_id=scope.guide_id, member_id=pk
    )
    found = await customer_page(await prepare(query), 1, None)
    if not found.rows:
        return None
    full = grant.allows(Capability.PERSONAL_DATA_UNMASKED)
    return CustomerPage(customer=customer_node(found.rows[0], full), grant=grant)
