"""A distributor's bound customers (分销中心 "我的客户", issue 16 item 6).

The members whose referral binding in force points at the distributor, each with a masked
nickname, when and until when the binding holds, and what they bought through the distributor.

Decision (the issue says "paid total" and "last order date" without a scope): both count the
member's paid orders whose level-1 distributor is this distributor (the attribution snapshot),
whenever they were paid, including orders later cancelled or refunded: they are what the
distributor's commission was accrued on, and the figures never jump when a binding is renewed.
The nickname shows its first character and two stars whatever its length (`mask_nickname`):
the customer's identity stays theirs, the distributor still tells customers apart.

A page costs three statements whatever its size: the bindings, the members' nicknames, and one
grouped aggregate of the page's orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Max, Sum

from distribution.models import ReferralBinding
from domain.members.models import Member
from domain.orders.models import Order

ANONYMOUS = "**"


def mask_nickname(nickname: str) -> str:
    """'小红薯' → '小**', '' → '**': one character shows, the length does not."""
    return nickname[:1] + "**" if nickname else ANONYMOUS


@dataclass(frozen=True)
class BoundCustomer:
    binding_id: int
    masked_nickname: str
    bound_at: datetime
    expires_at: datetime | None
    last_order_at: datetime | None
    paid_total_fen: int


async def bound_customers(
    distributor_id: int, bindings: Sequence[ReferralBinding]
) -> list[BoundCustomer]:
    """The page's customers in the bindings' order: two statements whatever the page size."""
    if not bindings:
        return []
    member_ids = [b.member_id for b in bindings]
    nicknames = dict(await Member.filter(id__in=member_ids).values_list("id", "nickname"))
    totals = {
        row["member_id"]: row
        for row in await Order.filter(
            member_id__in=member_ids,
            level1_distributor_id=distributor_id,
            paid_at__isnull=False,
        )
        .group_by("member_id")
        .annotate(last_paid=Max("paid_at"), paid=Sum("payable_fen"))
        .values("member_id", "last_paid", "paid")
    }
    return [
        BoundCustomer(
            binding_id=b.id,
            masked_nickname=mask_nickname(str(nicknames.get(b.member_id, ""))),
            bound_at=b.valid_from,
            expires_at=b.expires_at,
            last_order_at=totals.get(b.member_id, {}).get("last_paid"),
            paid_total_fen=int(totals.get(b.member_id, {}).get("paid") or 0),
        )
        for b in bindings
    ]
