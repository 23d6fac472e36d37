"""Withdrawals for HQ finance (SPEC 11, 13): the review queue, approve or reject, pay through the
payout provider, release a failed payout. HQ_FINANCE and HQ_ADMIN only.

The payee is personal data: HQ_FINANCE sees it masked; only HQ_ADMIN's view decrypts the account
number (and shows the full name). The real name a WeChat transfer of 2000 yuan and more carries is
masked for every role; HQ_ADMIN may reveal it (`revealPayeeRealName`), which is audited (who,
whose, which withdrawal, why). `cancelWithdrawalTransfer` cancels a transfer the payee has not
confirmed yet (→ CANCELLED, hold released).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError, matching_id, user_errors
from api.graphql.ids import from_global_id, optional_global_id, to_global_id
from api.graphql.relay import After, Connection, First, build_connection, fetch_page
from api.shop.withdrawals import (
    NEWEST_WITHDRAWALS_FIRST,
    WithdrawalCommon,
    WithdrawalStatusEnum,
    withdrawal_fields,
)
from distribution import withdrawals as service
from distribution.models import AccountOwner, CommissionAccount, Withdrawal, WithdrawalStatus
from domain.access.capabilities import Capability, Grant
from domain.errors import DomainError, ErrorCode


@strawberry.type(name="Payee")
class PayeeNode:
    name: str = strawberry.field(description="Masked ('张*') unless the viewer is HQ_ADMIN.")
    bank_name: str
    account: str | None = strawberry.field(
        description="Masked unless the viewer is HQ_ADMIN; null for WECHAT_BALANCE."
    )


@strawberry.type(name="Withdrawal")
class AdminWithdrawalNode(WithdrawalCommon):
    distributor_id: strawberry.ID | None
    payee: PayeeNode
    reviewed_at: datetime | None
    reviewed_by: str | None
    transfer_state: str | None = strawberry.field(
        description="WeChat's state of the transfer bill (ACCEPTED, WAIT_USER_CONFIRM, SUCCESS, "
        "FAIL, CANCELLED...), when paid by transfer."
    )
    transfer_bill_no: str | None


def sees_full_payee(grant: Grant) -> bool:
    """Bank details are personal data: only HQ_ADMIN sees them unmasked."""
    return grant.allows(Capability.PERSONAL_DATA_UNMASKED)


def admin_withdrawal_node(
    withdrawal: Withdrawal, account: CommissionAccount, full: bool
) -> AdminWithdrawalNode:
    payee = service.payee_view(withdrawal, full=full)
    distributor = (
        strawberry.ID(to_global_id("Distributor", account.owner_id))
        if account.owner_type == AccountOwner.DISTRIBUTOR
        else None
    )
    return AdminWithdrawalNode(
        **withdrawal_fields(withdrawal),
        distributor_id=distributor,
        payee=PayeeNode(name=payee.name, bank_name=payee.bank, account=payee.account),
        reviewed_at=withdrawal.reviewed_at,
        reviewed_by=withdrawal.reviewed_by,
        transfer_state=withdrawal.transfer_state,
        transfer_bill_no=withdrawal.transfer_bill_no,
    )


async def _node(withdrawal: Withdrawal, grant: Grant) -> AdminWithdrawalNode:
    account = await CommissionAccount.get(id=withdrawal.account_id)
    return admin_withdrawal_node(withdrawal, account, sees_full_payee(grant))


@strawberry.type
class AdminWithdrawalPayload:
    withdrawal: AdminWithdrawalNode | None = None
    errors: list[UserError]


async def withdrawals(
    info: Info,
    status: Annotated[
        WithdrawalStatusEnum | None,
        strawberry.argument(description="Only withdrawals in this status."),
    ] = None,
    distributor_id: Annotated[
        strawberry.ID | None,
        strawberry.argument(
            description=("Only this Distributor's withdrawals (a malformed ID matches nothing).")
        ),
    ] = None,
    first: First = 20,
    after: After = None,
) -> Connection[AdminWithdrawalNode]:
    """A malformed `distributorId` matches nothing, like an unknown one."""
    grant = await granted(info)
    distributor_pk = matching_id(
        lambda: optional_global_id(distributor_id, "Distributor", "distributorId")
    )
    queryset = service.withdrawals_for_staff(
        WithdrawalStatus(status) if status is not None else None, distributor_pk
    )
    rows, has_next = await fetch_page(queryset, NEWEST_WITHDRAWALS_FIRST, first, after)
    full = sees_full_payee(grant)
    nodes = [admin_withdrawal_node(r, r.account, full) for r in rows]
    return build_connection(rows, nodes, has_next, after, NEWEST_WITHDRAWALS_FIRST, queryset.count)


def _pk(id: strawberry.ID) -> int:
    return from_global_id(id, "Withdrawal", "id")


async def review_withdrawal(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Withdrawal global ID.")],
    approve: Annotated[bool, strawberry.argument(description="true approves, false rejects.")],
    note: Annotated[
        str,
        strawberry.argument(
            description=(
                "Reviewer's note, at most 200 characters; a rejection's note is "
                "shown to the member as the reason."
            )
        ),
    ] = "",
) -> AdminWithdrawalPayload:
    grant = await granted(info)
    reviewed = await service.review(_pk(id), approve, note, f"staff:{grant.staff.id}")
    return AdminWithdrawalPayload(withdrawal=await _node(reviewed, grant), errors=[])


async def pay_withdrawal(
    info: Info,
    id: Annotated[
        strawberry.ID,
        strawberry.argument(description="A Withdrawal global ID, APPROVED or FAILED."),
    ],
) -> AdminWithdrawalPayload:
    """PAID, or FAILED with `failureReason` and a PAYOUT_FAILED error: the one error reported
    together with a changed withdrawal (FAILED can be paid again or released)."""
    grant = await granted(info)
    paid = await service.pay(_pk(id), f"staff:{grant.staff.id}")
    errors = []
    if paid.status == WithdrawalStatus.FAILED:
        errors = user_errors(DomainError(ErrorCode.PAYOUT_FAILED, "id"))
    return AdminWithdrawalPayload(withdrawal=await _node(paid, grant), errors=errors)


async def release_withdrawal(
    info: Info,
    id: Annotated[
        strawberry.ID, strawberry.argument(description="A Withdrawal global ID, FAILED.")
    ],
) -> AdminWithdrawalPayload:
    grant = await granted(info)
    released = await service.release(_pk(id), f"staff:{grant.staff.id}")
    return AdminWithdrawalPayload(withdrawal=await _node(released, grant), errors=[])


async def cancel_withdrawal_transfer(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="A Withdrawal global ID.")],
) -> AdminWithdrawalPayload:
    grant = await granted(info)
    cancelled = await service.cancel_transfer(_pk(id), f"staff:{grant.staff.id}")
    return AdminWithdrawalPayload(withdrawal=await _node(cancelled, grant), errors=[])


@strawberry.type
class RevealPayeeRealNamePayload:
    real_name: str | None = None
    errors: list[UserError]


async def reveal_payee_real_name(
    info: Info,
    withdrawal_id: Annotated[
        strawberry.ID, strawberry.argument(description="A Withdrawal global ID.")
    ],
    reason: Annotated[str, strawberry.argument(description="Why it is revealed (audited).")],
) -> RevealPayeeRealNamePayload:
    """The payee's real name in full, to check it before approving: every reveal is audited."""
    grant = await granted(info)
    pk = from_global_id(withdrawal_id, "Withdrawal", "withdrawalId")
    name = await service.reveal_real_name(pk, grant.staff.id, reason)
    return RevealPayeeRealNamePayload(real_name=name, errors=[])
