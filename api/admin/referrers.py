"""HQ corrects a member's referrer (rebind, unbind) and reads the member's binding history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError, matching_id
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import After, Connection, First, Ordering, SortField, paginate
from distribution.models import ReferralBinding
from distribution.referrer_edits import ReferrerEdit, edit_referrer
from domain import clock

NEWEST_BINDING_FIRST = Ordering((SortField("valid_from", True, True), SortField("id", True)))


@strawberry.type(
    name="ReferralBinding",
    description="One row of a member's referral binding history (推广关系).",
)
class ReferralBindingNode:
    id: strawberry.ID = strawberry.field(description="Global ID (ReferralBinding).")
    referrer_id: strawberry.ID = strawberry.field(description="The referrer's Distributor ID.")
    reason: str = strawberry.field(
        description="How the binding began: VISIT (a share visit) or ADMIN (HQ's rebind)."
    )
    actor: str = strawberry.field(description="Who began it: member:<id> or staff:<id>.")
    note: str | None = strawberry.field(description="Why HQ began it (ADMIN); null for a visit.")
    valid_from: datetime = strawberry.field(description="When it began.")
    expires_at: datetime | None = strawberry.field(description="When it expires; null: never.")
    ended_at: datetime | None = strawberry.field(description="When it was ended; null: open.")
    ended_by: str | None = strawberry.field(
        description="Who ended it: member:<id> (a rebinding visit) or staff:<id> (HQ)."
    )
    end_note: str | None = strawberry.field(description="Why HQ ended it; null otherwise.")
    in_force: bool = strawberry.field(description="Open, started and not expired now.")


def binding_node(binding: ReferralBinding) -> ReferralBindingNode:
    now = clock.now()
    return ReferralBindingNode(
        id=strawberry.ID(to_global_id("ReferralBinding", binding.id)),
        referrer_id=strawberry.ID(to_global_id("Distributor", binding.referrer_id)),
        reason=binding.reason,
        actor=binding.actor,
        note=binding.note,
        valid_from=binding.valid_from,
        expires_at=binding.expires_at,
        ended_at=binding.ended_at,
        ended_by=binding.ended_by,
        end_note=binding.end_note,
        in_force=binding.ended_at is None
        and binding.valid_from <= now
        and (binding.expires_at is None or binding.expires_at > now),
    )


@strawberry.input(description="Bind a member to another referrer from now.")
class RebindReferrerInput:
    member_id: strawberry.ID = strawberry.field(description="The member (Member global ID).")
    referrer_id: strawberry.ID = strawberry.field(
        description="The new referrer: an ACTIVE distributor (Distributor global ID)."
    )
    current_binding_id: strawberry.ID | None = strawberry.field(
        description=(
            "The binding in force the editor saw (ReferralBinding global ID); null when none "
            "was. Another one in force now refuses the edit (REFERRAL_CHANGED)."
        )
    )
    reason: str = strawberry.field(description="Why (required, at most 200 characters).")


@strawberry.input(description="End a member's referral binding from now, binding nobody.")
class UnbindReferrerInput:
    member_id: strawberry.ID = strawberry.field(description="The member (Member global ID).")
    current_binding_id: strawberry.ID = strawberry.field(
        description=(
            "The binding in force the editor saw (ReferralBinding global ID). Another one in "
            "force now, or none, refuses the edit (REFERRAL_CHANGED)."
        )
    )
    reason: str = strawberry.field(description="Why (required, at most 200 characters).")


@strawberry.type
class ReferrerEditPayload:
    binding: ReferralBindingNode | None = strawberry.field(
        default=None, description="The binding in force after the edit; null after an unbind."
    )
    errors: list[UserError]


async def referral_bindings(
    info: Info,
    member_id: Annotated[strawberry.ID, strawberry.argument(description="A Member global ID.")],
    first: First = 20,
    after: After = None,
) -> Connection[ReferralBindingNode]:
    """Newest first; an unknown or malformed member id lists nothing."""
    await granted(info)
    pk = matching_id(lambda: from_global_id(member_id, "Member", "memberId"))
    queryset = ReferralBinding.filter(member_id=pk or 0)
    return await paginate(queryset, NEWEST_BINDING_FIRST, first, after, binding_node)


async def _edit(
    info: Info, member_id: str, referrer_id: str | None, current: str | None, reason: str
) -> ReferrerEditPayload:
    """One edit from the input's global ids, by the calling staff member."""
    staff = (await granted(info)).staff
    edit = ReferrerEdit(
        member_id=from_global_id(member_id, "Member", "input.memberId"),
        referrer_id=optional_global_id(referrer_id, "Distributor", "input.referrerId"),
        current_binding_id=optional_global_id(current, "ReferralBinding", "input.currentBindingId"),
        reason=reason,
    )
    binding = await edit_referrer(edit, f"staff:{staff.id}")
    return ReferrerEditPayload(binding=binding_node(binding) if binding else None, errors=[])


async def rebind_referrer(
    info: Info,
    input: Annotated[RebindReferrerInput, strawberry.argument(description="The new referrer.")],
) -> ReferrerEditPayload:
    return await _edit(
        info, input.member_id, input.referrer_id, input.current_binding_id, input.reason
    )


async def unbind_referrer(
    info: Info,
    input: Annotated[UnbindReferrerInput, strawberry.argument(description="The binding to end.")],
) -> ReferrerEditPayload:
    return await _edit(info, input.member_id, None, input.current_binding_id, input.reason)
