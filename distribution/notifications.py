"""What distribution tells (SPEC 19): distributors hear of commission from a new order (the
buyer's nickname masked), commission settled, their withdrawal paid / failed / waiting for
their confirmation and a new customer bound; finance hears of a withdrawal to review and
operators of an application to review. Facts are announced in the transaction that causes them
(one outbox row) and resolved to recipients after commit (domain/notifications/fanout.py).

A guide earns commission as staff, not as a member: guides get no subscription message.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from distribution.events import CommissionSettled, DistributorApplied, WithdrawalMoved
from distribution.models import (
    AccountOwner,
    CommissionAccount,
    CommissionEntry,
    Distributor,
    DistributorApplication,
    EntryStatus,
    Withdrawal,
    WithdrawalStatus,
)
from domain import clock, events
from domain.members.models import Member
from domain.notifications import orders as order_facts
from domain.notifications.catalogue import NotifyEvent
from domain.notifications.fanout import Delivery, Resolver, ToMember, ToStaff, announce
from domain.notifications.templates import amount_text, masked_name, moment_text
from domain.orders.models import Order
from domain.org.models import StaffRole

S = WithdrawalStatus
_WITHDRAWAL_FACTS = {
    S.PENDING_REVIEW.value: "withdrawal.review",
    S.PAID.value: "withdrawal.paid",
    S.FAILED.value: "withdrawal.failed",
    # A transfer cancelled or left unconfirmed failed too, as the payee sees it: the hold went
    # back and they may ask again.
    S.CANCELLED.value: "withdrawal.failed",
    S.EXPIRED.value: "withdrawal.failed",
    S.AWAITING_PAYEE.value: "withdrawal.awaiting",
}
SETTLED, BOUND, APPLIED = "commission.settled", "referral.bound", "distributor.applied"


async def on_withdrawal_moved(event: WithdrawalMoved) -> None:
    fact = _WITHDRAWAL_FACTS.get(event.status)
    if fact is not None:
        await announce(fact, f"w{event.withdrawal_id}", {"withdrawal_id": event.withdrawal_id})


async def on_commission_settled(event: CommissionSettled) -> None:
    """One message per order and account, however many of its entries settle."""
    subject = f"o{event.order_id}:a{event.account_id}"
    await announce(SETTLED, subject, {"order_id": event.order_id, "account_id": event.account_id})


async def on_referral_bound(event: events.ReferralBound) -> None:
    subject = f"m{event.member_id}:d{event.distributor_id}"
    data = {
        "member_id": event.member_id,
        "distributor_id": event.distributor_id,
        "at": clock.now().isoformat(),
    }
    await announce(BOUND, subject, data)


async def on_distributor_applied(event: DistributorApplied) -> None:
    data = {"application_id": event.application_id}
    await announce(APPLIED, f"a{event.application_id}", data)


SUBSCRIPTIONS = (
    (WithdrawalMoved, on_withdrawal_moved),
    (CommissionSettled, on_commission_settled),
    (events.ReferralBound, on_referral_bound),
    (DistributorApplied, on_distributor_applied),
)
"""What api/plugins.py subscribes."""


async def _distributor_members(account_ids: list[int]) -> dict[int, int]:
    """Account id → the member behind it (member distributors only)."""
    accounts = dict(
        await CommissionAccount.filter(
            id__in=account_ids, owner_type=AccountOwner.DISTRIBUTOR
        ).values_list("id", "owner_id")
    )
    members = dict(
        await Distributor.filter(
            id__in=list(accounts.values()), member_id__not_isnull=True
        ).values_list("id", "member_id")
    )
    return {
        account_id: members[owner] for account_id, owner in accounts.items() if owner in members
    }


async def commission_new(payload: dict[str, Any]) -> list[Delivery]:
    """Each member distributor earning on a paid order: their share of it, the buyer masked."""
    order = await Order.get_or_none(id=payload["order_id"])
    if order is None:
        return []
    earned: dict[int, int] = defaultdict(int)
    for account_id, amount in await CommissionEntry.filter(order_id=order.id).values_list(
        "account_id", "original_fen"
    ):
        earned[account_id] += amount
    members = await _distributor_members(list(earned))
    buyer = await Member.get_or_none(id=order.member_id).values_list("nickname", flat=True)
    return [
        ToMember(
            NotifyEvent.COMMISSION_NEW,
            member_id,
            {
                "order_no": order.number,
                "buyer": masked_name(str(buyer or "")),
                "order_amount": amount_text(order.payable_fen),
                "amount": amount_text(earned[account_id]),
                "paid_at": moment_text(order.paid_at),
            },
        )
        for account_id, member_id in members.items()
        if earned[account_id] > 0
    ]


async def commission_settled(payload: dict[str, Any]) -> list[Delivery]:
    members = await _distributor_members([payload["account_id"]])
    member_id = members.get(payload["account_id"])
    order = await Order.get_or_none(id=payload["order_id"])
    if member_id is None or order is None:
        return []
    entries = await CommissionEntry.filter(
        order_id=order.id, account_id=payload["account_id"], status=EntryStatus.SETTLED
    ).values_list("amount_fen", "settled_at")
    settled_at = max((at for _, at in entries if at is not None), default=None)
    values = {
        "order_no": order.number,
        "amount": amount_text(sum(amount for amount, _ in entries)),
        "settled_at": moment_text(settled_at),
    }
    return [ToMember(NotifyEvent.COMMISSION_SETTLED, member_id, values)]


async def _withdrawal(payload: dict[str, Any]) -> tuple[Withdrawal, int | None] | None:
    withdrawal = await Withdrawal.get_or_none(id=payload["withdrawal_id"])
    if withdrawal is None:
        return None
    members = await _distributor_members([withdrawal.account_id])
    return withdrawal, members.get(withdrawal.account_id)


def _withdrawal_values(withdrawal: Withdrawal) -> dict[str, str]:
    return {
        "withdrawal_no": f"W{withdrawal.id}",
        "amount": amount_text(withdrawal.payout_fen),
        "reason": withdrawal.failure_reason or "",
        "at": moment_text(withdrawal.paid_at or withdrawal.reviewed_at or withdrawal.requested_at),
    }


def _to_payee(event: NotifyEvent) -> Resolver:
    async def resolver(payload: dict[str, Any]) -> list[Delivery]:
        found = await _withdrawal(payload)
        if found is None:
            return []
        withdrawal, member_id = found
        if member_id is None:
            return []
        return [ToMember(event, member_id, _withdrawal_values(withdrawal))]

    return resolver


async def withdrawal_review(payload: dict[str, Any]) -> list[Delivery]:
    withdrawal = await Withdrawal.get_or_none(id=payload["withdrawal_id"])
    if withdrawal is None:
        return []
    body = f"提现 W{withdrawal.id}：{amount_text(withdrawal.amount_fen)}（{withdrawal.method}）"
    return [
        ToStaff(
            NotifyEvent.WITHDRAWAL_REVIEW,
            (StaffRole.HQ_FINANCE,),
            "提现待审核",
            body,
            subject=f"Withdrawal:{withdrawal.id}",
        )
    ]


async def customer_bound(payload: dict[str, Any]) -> list[Delivery]:
    distributor = await Distributor.get_or_none(id=payload["distributor_id"])
    if distributor is None or distributor.member_id is None:
        return []
    customer = await Member.get_or_none(id=payload["member_id"])
    if customer is None:
        return []
    values = {
        "customer": masked_name(customer.nickname),
        "bound_at": moment_text(datetime.fromisoformat(payload["at"])),
    }
    return [ToMember(NotifyEvent.CUSTOMER_BOUND, distributor.member_id, values)]


async def application_review(payload: dict[str, Any]) -> list[Delivery]:
    application = await DistributorApplication.get_or_none(id=payload["application_id"])
    if application is None:
        return []
    return [
        ToStaff(
            NotifyEvent.DISTRIBUTOR_APPLICATION,
            (StaffRole.HQ_OPERATOR,),
            "分销员申请待审核",
            f"申请 #{application.id}：{application.kind}",
            subject=f"DistributorApplication:{application.id}",
        )
    ]


RESOLVERS = (
    (order_facts.PAID, commission_new),
    (SETTLED, commission_settled),
    ("withdrawal.paid", _to_payee(NotifyEvent.WITHDRAWAL_PAID)),
    ("withdrawal.failed", _to_payee(NotifyEvent.WITHDRAWAL_FAILED)),
    ("withdrawal.awaiting", _to_payee(NotifyEvent.WITHDRAWAL_AWAITING)),
    ("withdrawal.review", withdrawal_review),
    (BOUND, customer_bound),
    (APPLIED, application_review),
)
"""What api/plugins.py registers with fanout.resolve."""
