"""Customers for staff (SPEC 5.1, 13): guides' share links, signing a member up in store (开卡),
transferring a guide's customers (离职继承) and the service relationship history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info
from tortoise.expressions import Subquery

from api.admin.nodes import MemberNode, member_node
from api.auth.permissions import granted
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError, matching_id
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, Ordering, SortField, paginate
from api.shop.distribution_links import (
    CreateShareLinkInput,
    ShareLinkNode,
    ShareLinkPayload,
    link_node,
)
from distribution import links
from distribution import service_relationships as relationships
from distribution.distributors import for_guide
from distribution.models import Distributor, ServiceReason, ServiceRelationship, ShareLink
from domain.access.capabilities import Capability
from domain.errors import DomainError, ErrorCode

LATEST_FIRST = Ordering((SortField("valid_from", True, True), SortField("id", True)))

expose_enum(
    ServiceReason,
    "ServiceReason",
    "Why a service relationship (服务关系, whose customer a member is) began (SPEC 5.1).",
    {
        ServiceReason.GUIDE_SHARE: "The member opened a guide's share link.",
        ServiceReason.STORE_QR: "The member scanned a store's QR code (store only, no guide).",
        ServiceReason.OFFLINE_SIGNUP: "Staff signed the member up in store (开卡).",
        ServiceReason.TRANSFER: "A store manager or HQ transferred the customer (离职继承"
        " or reassignment); always replaces the one in force.",
        ServiceReason.MERGE: "Taken over from an account merged into this member (One-ID).",
    },
)
ServiceReasonEnum: TypeAlias = ServiceReason
expose_enum(
    relationships.SignUpOutcome,
    "SignUpOutcome",
    "What an in-store sign-up (开卡) did, as the signing staff may learn it.",
    {
        relationships.SignUpOutcome.CREATED: "No member had the phone: a new member, now the"
        " caller's customer.",
        relationships.SignUpOutcome.JOINED_THIS_STORE: "An existing member whose service"
        " relationship moved to the caller.",
        relationships.SignUpOutcome.ALREADY_OURS: "Already served by the caller (a manager: by"
        " their store); nothing changed.",
        relationships.SignUpOutcome.KEPT_IN_THIS_STORE: "Protected (service.protection_days): a"
        " colleague or the store itself keeps serving the member; nothing changed.",
        relationships.SignUpOutcome.KEPT_BY_ANOTHER_STORE: "Protected: another store keeps"
        " serving the member; nothing changed, and nothing about that store is disclosed.",
    },
)
SignUpOutcomeEnum: TypeAlias = relationships.SignUpOutcome


@strawberry.type(name="CustomerRelationship")
class CustomerRelationshipNode:
    id: strawberry.ID
    member_id: strawberry.ID
    store_id: strawberry.ID
    guide_id: strawberry.ID | None = strawberry.field(description="A Staff id; null: the store.")
    reason: ServiceReasonEnum
    actor: str
    valid_from: datetime
    valid_to: datetime | None = strawberry.field(description="Null while in force.")


def relationship_node(row: ServiceRelationship) -> CustomerRelationshipNode:
    return CustomerRelationshipNode(
        id=strawberry.ID(to_global_id("CustomerRelationship", row.id)),
        member_id=strawberry.ID(to_global_id("Member", row.member_id)),
        store_id=strawberry.ID(to_global_id("Store", row.store_id)),
        guide_id=strawberry.ID(to_global_id("Staff", row.guide_id)) if row.guide_id else None,
        reason=row.reason,
        actor=row.actor,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


@strawberry.type
class SignUpCustomerPayload:
    outcome: SignUpOutcomeEnum | None = None
    member: MemberNode | None = strawberry.field(
        default=None, description="Null unless the member is now the caller's to see."
    )
    created: bool = strawberry.field(
        default=False, description="False when a member already had this phone."
    )
    relationship: CustomerRelationshipNode | None = strawberry.field(
        default=None,
        description="The relationship in force afterwards; null unless the member is now the "
        "caller's to see (another's protected customer stays another's).",
    )
    errors: list[UserError]


@strawberry.type
class TransferCustomersPayload:
    moved: int = 0
    errors: list[UserError]


async def create_share_link(
    info: Info,
    input: Annotated[
        CreateShareLinkInput,
        strawberry.argument(description="What the link opens and where it will be posted."),
    ],
) -> ShareLinkPayload:
    """A guide's own link: visits through it bind the referral and touch the service
    relationship (the guide and the guide's store)."""
    grant = await granted(info)
    link = await links.create_link(await for_guide(grant.staff), input.to_domain())
    return ShareLinkPayload(link=link_node(link), errors=[])


async def my_share_links(
    info: Info, first: First = 20, after: After = None
) -> Connection[ShareLinkNode]:
    """The guide's own links with their funnels, newest first (read only: a guide without a
    distributor row simply has none)."""
    grant = await granted(info)
    own = Subquery(Distributor.filter(staff_id=grant.staff.id).values("id"))
    return await paginate(
        ShareLink.filter(distributor_id__in=own), NEWEST_FIRST, first, after, link_node
    )


async def sign_up_customer(
    info: Info,
    phone: Annotated[str, strawberry.argument(description="The customer's mobile number.")],
) -> SignUpCustomerPayload:
    grant = await granted(info)
    signed = await relationships.sign_up_customer(grant.staff, phone)
    return SignUpCustomerPayload(
        outcome=signed.outcome,
        member=(
            member_node(signed.member, grant.allows(Capability.PERSONAL_DATA_UNMASKED))
            if signed.member
            else None
        ),
        created=signed.created,
        relationship=relationship_node(signed.relationship) if signed.relationship else None,
        errors=[],
    )


async def transfer_customers(
    info: Info,
    from_guide_id: Annotated[
        strawberry.ID,
        strawberry.argument(description="The guide (a Staff global ID) whose customers move."),
    ],
    to_guide_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description=(
                "Another guide of the same store (Staff global ID); omit to give "
                "them to the store itself."
            )
        ),
    ] = None,
    member_ids: Annotated[
        list[strawberry.ID] | None,
        strawberry.argument(
            description=(
                "Only these members (Member global IDs, at most 100); all of the "
                "guide's customers when omitted."
            )
        ),
    ] = None,
) -> TransferCustomersPayload:
    """To another guide of the same store, or with no `toGuideId` to the store itself; all the
    guide's customers, or only `memberIds`. A store manager transfers within their store."""
    grant = await granted(info)
    if member_ids is not None and len(member_ids) > relationships.MAX_TRANSFER_IDS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, "memberIds", f"max {relationships.MAX_TRANSFER_IDS}"
        )
    request = relationships.Transfer(
        from_guide_id=from_global_id(from_guide_id, "Staff", "fromGuideId"),
        to_guide_id=optional_global_id(to_guide_id, "Staff", "toGuideId"),
        member_ids=(
            tuple(from_global_id(m, "Member", f"memberIds.{i}") for i, m in enumerate(member_ids))
            if member_ids is not None
            else None
        ),
    )
    moved = await relationships.transfer_customers(
        request, grant.store_id, f"staff:{grant.staff.id}"
    )
    return TransferCustomersPayload(moved=moved, errors=[])


async def customer_relationships(
    info: Info,
    member_id: Annotated[strawberry.ID, strawberry.argument(description="A Member global ID.")],
    first: First = 20,
    after: After = None,
) -> Connection[CustomerRelationshipNode]:
    """Newest first. A store manager sees the history of the members their store serves now;
    for anyone else's the list is empty, as for an unknown member."""
    grant = await granted(info)
    pk = matching_id(lambda: from_global_id(member_id, "Member", "memberId"))
    queryset = relationships.relationship_history(pk or 0)
    scope = grant.store_id
    if scope is not None:
        queryset = queryset.filter(member_id__in=relationships.members_served(store_id=scope))
    return await paginate(queryset, LATEST_FIRST, first, after, relationship_node)
