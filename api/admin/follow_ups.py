"""Follow-ups for staff (SPEC 22, issue 17 item 2): record one for a customer in reach, correct
it within 24 hours, list them. Reach follows the member scope: another guide's customer's
follow-up is NOT_FOUND (null in lists), like a missing one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import NEWEST_FIRST, After, Connection, First, paginate
from distribution.follow_ups import service
from distribution.follow_ups.models import FollowUp, FollowUpChannel, FollowUpOutcome
from domain.members.queries import MemberScope

expose_enum(
    FollowUpChannel,
    "FollowUpChannel",
    "How a customer was followed up (回访方式).",
    {
        FollowUpChannel.CALL: "A phone call.",
        FollowUpChannel.WECOM: "A WeCom (企业微信) chat.",
        FollowUpChannel.IN_STORE: "Face to face in the store.",
        FollowUpChannel.OTHER: "Any other way (the note says which).",
    },
)
FollowUpChannelEnum: TypeAlias = FollowUpChannel
expose_enum(
    FollowUpOutcome,
    "FollowUpOutcome",
    "What a follow-up achieved (回访结果).",
    {
        FollowUpOutcome.REACHED: "Talked to the customer; nothing more specific.",
        FollowUpOutcome.NO_ANSWER: "Could not reach the customer.",
        FollowUpOutcome.INTERESTED: "The customer showed interest.",
        FollowUpOutcome.NOT_INTERESTED: "The customer declined.",
        FollowUpOutcome.PURCHASE_PROMISED: "The customer said they would buy.",
    },
)
FollowUpOutcomeEnum: TypeAlias = FollowUpOutcome


@strawberry.type(name="FollowUp", description="A follow-up of a customer (回访记录).")
class FollowUpNode:
    id: strawberry.ID = strawberry.field(description="Global ID (FollowUp).")
    member_id: strawberry.ID = strawberry.field(description="Global ID of the customer (Member).")
    author_id: strawberry.ID = strawberry.field(description="Global ID of the Staff who wrote it.")
    channel: FollowUpChannelEnum
    outcome: FollowUpOutcomeEnum
    note: str = strawberry.field(description="Free text, at most 2000 characters, may be empty.")
    next_date: date | None = strawberry.field(description="When to follow up again (Shanghai).")
    credit_until: datetime = strawberry.field(
        description="Orders the customer pays until then are credited to this follow-up (the"
        " latest one before each payment), guide.follow_up_credit_days after recording."
    )
    created_at: datetime
    updated_at: datetime
    editable_until: datetime = strawberry.field(
        description="Its author may change it until then (24 hours); append-only afterwards."
    )


def follow_up_node(row: FollowUp) -> FollowUpNode:
    return FollowUpNode(
        id=strawberry.ID(to_global_id("FollowUp", row.id)),
        member_id=strawberry.ID(to_global_id("Member", row.member_id)),
        author_id=strawberry.ID(to_global_id("Staff", row.author_id)),
        channel=row.channel,
        outcome=row.outcome,
        note=row.note,
        next_date=row.next_date,
        credit_until=row.credit_until,
        created_at=row.created_at,
        updated_at=row.updated_at,
        editable_until=row.created_at + service.EDITABLE_FOR,
    )


@strawberry.input(description="A new follow-up.")
class RecordFollowUpInput:
    member_id: strawberry.ID = strawberry.field(
        description="The customer (Member global ID), in the caller's reach."
    )
    channel: FollowUpChannelEnum = strawberry.field(description="How the customer was reached.")
    outcome: FollowUpOutcomeEnum = strawberry.field(description="What came of it.")
    note: str = strawberry.field(
        default="", description="What was said, at most 2000 characters; lines allowed."
    )
    next_date: date | None = strawberry.field(
        default=None, description="When to follow up again: today up to a year ahead."
    )


@strawberry.input(description="A correction by the author within 24 hours; omitted keeps.")
class UpdateFollowUpInput:
    channel: FollowUpChannelEnum | None = strawberry.field(
        default=None, description="Replaces the channel."
    )
    outcome: FollowUpOutcomeEnum | None = strawberry.field(
        default=None, description="Replaces the outcome."
    )
    note: str | None = strawberry.field(
        default=None, description="Replaces the note (at most 2000 characters)."
    )
    next_date: date | None = strawberry.field(
        default=None, description="Replaces the next date: today up to a year ahead."
    )
    clear_next_date: bool = strawberry.field(
        default=False, description="true removes the next date (nextDate is then ignored)."
    )


@strawberry.type
class FollowUpPayload:
    follow_up: FollowUpNode | None = None
    errors: list[UserError]


async def record_follow_up(
    info: Info,
    input: Annotated[RecordFollowUpInput, strawberry.argument(description="The follow-up.")],
) -> FollowUpPayload:
    grant = await granted(info)
    made = await service.record_follow_up(
        grant.staff,
        MemberScope.of(grant),
        from_global_id(input.member_id, "Member", "input.memberId"),
        service.FollowUpInput(
            FollowUpChannel(input.channel),
            FollowUpOutcome(input.outcome),
            input.note,
            input.next_date,
        ),
    )
    return FollowUpPayload(follow_up=follow_up_node(made), errors=[])


async def update_follow_up(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A FollowUp global ID.")],
    input: Annotated[UpdateFollowUpInput, strawberry.argument(description="What changes.")],
) -> FollowUpPayload:
    grant = await granted(info)
    changed = await service.change_follow_up(
        grant.staff,
        MemberScope.of(grant),
        from_global_id(id, "FollowUp"),
        service.FollowUpChange(
            channel=FollowUpChannel(input.channel) if input.channel else None,
            outcome=FollowUpOutcome(input.outcome) if input.outcome else None,
            note=input.note,
            next_date=input.next_date,
            clear_next_date=input.clear_next_date,
        ),
    )
    return FollowUpPayload(follow_up=follow_up_node(changed), errors=[])


async def follow_ups(
    info: Info,
    member_id: Annotated[
        strawberry.ID | None, strawberry.argument(description="Only this customer's (Member).")
    ] = None,
    mine: Annotated[
        bool, strawberry.argument(description="true: only those the caller recorded.")
    ] = False,
    next_date_by: Annotated[
        date | None,
        strawberry.argument(description="Only those with a next date on or before this day."),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[FollowUpNode]:
    """Newest first, of the customers in the caller's reach."""
    grant = await granted(info)
    queryset = service.visible_follow_ups(MemberScope.of(grant))
    member = optional_global_id(member_id, "Member", "memberId")
    if member is not None:
        queryset = queryset.filter(member_id=member)
    if mine:
        queryset = queryset.filter(author_id=grant.staff.id)
    if next_date_by is not None:
        queryset = queryset.filter(next_date__lte=next_date_by)
    return await paginate(queryset, NEWEST_FIRST, first, after, follow_up_node)
