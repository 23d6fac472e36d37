"""The member's withdrawals (SPEC 11): `requestWithdrawal`, and the node and list helpers the
distribution centre reuses (`withdrawals_of_member`, `withdrawal_node`, `member_withdrawals`).

A member sees their payee only masked, even their own account number: the full number is
never sent back once given; the same for their real name (`setPayeeRealName`, needed for WeChat
transfers of 2000 yuan and more).

A WeChat transfer waiting for the member (`AWAITING_PAYEE`) carries `payeeConfirmation`: what
the mini-program passes to `wx.requestMerchantTransfer({mchId, appId, package})`, and until when.
Only the member's own view has it (the admin API's Withdrawal does not).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeAlias

import strawberry
from strawberry.types import Info

from api.auth.permissions import require_member
from api.graphql.enums import expose_enum
from api.graphql.errors import UserError
from api.graphql.ids import to_global_id
from api.graphql.relay import After, Connection, First, Ordering, SortField, paginate
from api.graphql.scalars import Long, Money
from distribution import withdrawals as service
from distribution.models import Withdrawal, WithdrawalMethod, WithdrawalStatus
from distribution.payouts import transfer_provider
from distribution.withdrawals import withdrawals_of_member

__all__ = [
    "NEWEST_WITHDRAWALS_FIRST",
    "WithdrawalCommon",
    "WithdrawalMethodEnum",
    "WithdrawalNode",
    "WithdrawalStatusEnum",
    "member_withdrawals",
    "withdrawal_fields",
    "withdrawal_node",
    "withdrawals_of_member",
]

expose_enum(
    WithdrawalMethod,
    "WithdrawalMethod",
    "Where a withdrawal (提现) is paid to.",
    {
        WithdrawalMethod.WECHAT_BALANCE: "The member's WeChat balance (微信零钱), by their openid;"
        " no payee details needed.",
        WithdrawalMethod.BANK: "A bank account (银行卡): name, bank and account number, stored"
        " encrypted.",
        WithdrawalMethod.ALIPAY: "An Alipay account (支付宝): name and account.",
    },
)
WithdrawalMethodEnum: TypeAlias = WithdrawalMethod
expose_enum(
    WithdrawalStatus,
    "WithdrawalStatus",
    "Where a withdrawal is (SPEC 11): PENDING_REVIEW → APPROVED → PAID, or FAILED (pay again, or"
    " release); REJECTED.",
    {
        WithdrawalStatus.PENDING_REVIEW: "Requested; the amount is held (available →"
        " withdrawing) until finance reviews it (待审核).",
        WithdrawalStatus.APPROVED: "Approved by finance, waiting to be paid (待打款).",
        WithdrawalStatus.PAID: "Paid out by the payout provider (已打款); amount minus fee reached"
        " the payee.",
        WithdrawalStatus.FAILED: "The payout failed (打款失败); still held: pay again or release.",
        WithdrawalStatus.REJECTED: "Rejected by finance (已驳回); the hold went back to available.",
        WithdrawalStatus.RELEASED: "A failed withdrawal given up; the hold went back to available.",
        WithdrawalStatus.PAYING: "A WeChat transfer bill is being made or its outcome is being"
        " checked (转账中); still held.",
        WithdrawalStatus.AWAITING_PAYEE: "WeChat waits for the payee to confirm the transfer in"
        " the mini-program (待确认收款): `payeeConfirmation` carries the package.",
        WithdrawalStatus.CANCELLED: "Finance cancelled the transfer before the payee confirmed;"
        " the hold went back to available.",
        WithdrawalStatus.EXPIRED: "The payee did not confirm within WeChat's 24 hours, or WeChat"
        " closed the bill; the hold went back to available and the member may ask again.",
    },
)
WithdrawalStatusEnum: TypeAlias = WithdrawalStatus

NEWEST_WITHDRAWALS_FIRST = Ordering((SortField("requested_at", True, True), SortField("id", True)))


@strawberry.type(name="WithdrawalCommon")
class WithdrawalCommon:
    """What both APIs show of a withdrawal (the type itself is never in a schema)."""

    id: strawberry.ID = strawberry.field(description="Global ID (Withdrawal).")
    amount: Money = strawberry.field(description="Taken from the available balance.")
    fee: Money = strawberry.field(description="floor(amount × withdraw.fee_bp / 10000).")
    payout: Money = strawberry.field(description="What the payee receives: amount − fee.")
    method: WithdrawalMethodEnum
    payee_masked: str = strawberry.field(
        description="'**** **** **** 1234', '138****1234', 'a***@example.com' or '微信零钱'."
    )
    status: WithdrawalStatusEnum
    requested_at: datetime
    paid_at: datetime | None
    failure_reason: str | None = strawberry.field(
        description="Why it was not paid: the provider's reason, or the reviewer's note."
    )
    real_name_masked: str = strawberry.field(
        description="The payee's real name for WeChat transfers of 2000 yuan and more, masked "
        "('张*三') for everybody; empty when none was needed."
    )


@strawberry.type(name="PayeeConfirmation")
class PayeeConfirmation:
    """The arguments of `wx.requestMerchantTransfer`; valid until `expiresAt`."""

    mch_id: str
    app_id: str
    package: str
    expires_at: datetime


@strawberry.type(name="Withdrawal", description="A withdrawal (提现) of commission, in fen.")
class WithdrawalNode(WithdrawalCommon):
    payee_confirmation: PayeeConfirmation | None = strawberry.field(
        description="Set while AWAITING_PAYEE: open WeChat's confirm page with it."
    )


def payee_confirmation(withdrawal: Withdrawal) -> PayeeConfirmation | None:
    provider = transfer_provider()
    if (
        withdrawal.status != WithdrawalStatus.AWAITING_PAYEE
        or provider is None
        or not withdrawal.package_info
        or withdrawal.package_expires_at is None
    ):
        return None
    return PayeeConfirmation(
        mch_id=provider.mch_id,
        app_id=provider.app_id,
        package=withdrawal.package_info,
        expires_at=withdrawal.package_expires_at,
    )


def withdrawal_fields(withdrawal: Withdrawal) -> dict[str, Any]:
    return {
        "id": strawberry.ID(to_global_id("Withdrawal", withdrawal.id)),
        "amount": Money.of(withdrawal.amount_fen),
        "fee": Money.of(withdrawal.fee_fen),
        "payout": Money.of(withdrawal.payout_fen),
        "method": withdrawal.method,
        "payee_masked": withdrawal.payee_masked,
        "status": withdrawal.status,
        "requested_at": withdrawal.requested_at,
        "paid_at": withdrawal.paid_at,
        "failure_reason": withdrawal.failure_reason,
        "real_name_masked": withdrawal.real_name_masked,
    }


def withdrawal_node(withdrawal: Withdrawal) -> WithdrawalNode:
    return WithdrawalNode(
        **withdrawal_fields(withdrawal), payee_confirmation=payee_confirmation(withdrawal)
    )


async def member_withdrawals(
    member_id: int,
    status: WithdrawalStatus | None = None,
    first: First = 20,
    after: After = None,
) -> Connection[WithdrawalNode]:
    """One page of the member's withdrawals, newest first (one SQL statement, plus a COUNT only
    when totalCount is asked)."""
    queryset = withdrawals_of_member(member_id)
    if status is not None:
        queryset = queryset.filter(status=WithdrawalStatus(status))
    return await paginate(queryset, NEWEST_WITHDRAWALS_FIRST, first, after, withdrawal_node)


@strawberry.input
class RequestWithdrawalInput:
    amount_fen: Long = strawberry.field(  # type: ignore[valid-type]
        description=(
            "In fen: at least withdraw.min_fen, at most the available balance; the fee "
            "(withdraw.fee_bp) comes off it."
        )
    )
    method: WithdrawalMethodEnum = strawberry.field(description="Where to pay it.")
    payee_name: str | None = strawberry.field(default=None, description="BANK and ALIPAY.")
    bank_name: str | None = strawberry.field(default=None, description="BANK.")
    account_number: str | None = strawberry.field(
        default=None,
        description="BANK: the card or account number; ALIPAY: the mobile number or e-mail.",
    )


@strawberry.type
class WithdrawalPayload:
    withdrawal: WithdrawalNode | None = None
    errors: list[UserError]


async def request_withdrawal(
    info: Info,
    input: Annotated[
        RequestWithdrawalInput, strawberry.argument(description="Amount, method and payee.")
    ],
) -> WithdrawalPayload:
    member_id = await require_member(info)
    withdrawal = await service.request_withdrawal(
        member_id,
        input.amount_fen,
        WithdrawalMethod(input.method),
        service.PayeeInput(input.payee_name, input.bank_name, input.account_number),
    )
    return WithdrawalPayload(withdrawal=withdrawal_node(withdrawal), errors=[])


@strawberry.type
class PayeeRealNamePayload:
    real_name_masked: str | None = strawberry.field(default=None, description="'张*三'.")
    errors: list[UserError]


async def set_payee_real_name(
    info: Info,
    real_name: Annotated[
        str, strawberry.argument(description="The payee's legal name as WeChat knows it (实名).")
    ],
) -> PayeeRealNamePayload:
    """The distributor's real name for WeChat transfers of 2000 yuan and more (WeChat checks it
    against the payee's verified identity); stored encrypted, shown masked."""
    member_id = await require_member(info)
    distributor = await service.set_real_name(member_id, real_name)
    return PayeeRealNamePayload(real_name_masked=distributor.real_name_masked, errors=[])
