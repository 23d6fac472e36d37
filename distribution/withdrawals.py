"""Withdrawals (提现, SPEC 11): a distributor takes available commission out, HQ finance reviews
and pays it through the payout provider.

    PENDING_REVIEW ──approve──▶ APPROVED ──pay──▶ PAID
          │                        │  ▲
        reject                   pay (refused)
          ▼                        ▼  │ pay again (same idempotency key)
      REJECTED                   FAILED ──release──▶ RELEASED

Money (ledger rows on the distributor's account, amount a):
- request: HOLD available −a, withdrawing +a, by a guarded update (`ledger.move(...,
  require_available=a)`): no number of concurrent requests, from any number of processes, can
  overdraw. The request, the day counter and the hold are one transaction.
- PAID: withdrawing −a, withdrawn +a. The payee receives a − fee (fee = floor(a × fee_bp /
  10000), kept by HQ): the fee is taken off the payout, never added on top of the hold.
- REJECTED / RELEASED: RELEASE withdrawing −a, available +a.

Rules, in the order they are checked: the member is a distributor (NOT_A_DISTRIBUTOR; any status:
a frozen or disabled distributor keeps the balance earned, and finance reviews every request);
a ≥ `withdraw.min_fen` and something is left to pay after the fee (WITHDRAWAL_BELOW_MINIMUM);
the payee is complete; a negative available balance (a clawback after settlement) blocks every
withdrawal (NEGATIVE_BALANCE); a ≤ available (INSUFFICIENT_BALANCE); at most
`withdraw.daily_max_count` requests per account per Asia/Shanghai day (DAILY_WITHDRAWAL_LIMIT),
counted race-free on the account row, and a refused hold gives the count back (same
transaction).

Every transition is a compare-and-set on the status, so a repeat is harmless: approving an
approved withdrawal, rejecting a rejected one, releasing a released one or paying a paid one
returns it unchanged. Paying claims the row with a guarded update first, which keeps its row lock
(PostgreSQL; SQLite serialises writers) until the outcome is recorded: a second payWithdrawal or
a releaseWithdrawal waits for it and then sees PAID or FAILED, so a payout is never paid twice nor
paid and released. The provider call happens under that lock, keyed by the withdrawal id: if the
process dies after the provider paid but before the commit, paying again returns the same payout.

Review notes: a rejection's note is kept as `failure_reason` (the distributor sees why); an
approval's note is not stored (the model has no field for it).

Nothing here logs or raises the payee's name, account or openid (distribution/payees.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tortoise.expressions import F, Subquery
from tortoise.queryset import QuerySet

from distribution import ledger, payees
from distribution.distributors import for_member
from distribution.events import WithdrawalMoved
from distribution.ledger import Deltas, Refs
from distribution.models import (
    AccountOwner,
    CommissionAccount,
    Distributor,
    LedgerKind,
    Withdrawal,
    WithdrawalMethod,
    WithdrawalStatus,
)
from distribution.payouts import (
    PayoutError,
    PayoutOutcomeUnknown,
    PayoutRequest,
    payout_provider,
)
from domain import clock, events, money
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import MemberIdentity
from domain.settings.service import load_settings
from domain.validation import clean_text

log = logging.getLogger("siyu.withdrawals")

S = WithdrawalStatus
PAYABLE = (S.APPROVED, S.FAILED)
WECHAT_BALANCE_MASK = "微信零钱"
NOTE_MAX = 200


@dataclass(frozen=True)
class PayeeInput:
    """What the member typed; WECHAT_BALANCE needs none of it (the payee is their openid)."""

    name: str | None = None
    bank: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class PayeeView:
    """A payee as a staff member may see it: masked unless `full`."""

    name: str
    bank: str
    account: str | None
    masked: str


@dataclass(frozen=True)
class _Payee:
    name: str
    bank: str
    masked: str
    encrypted: str


def shanghai_day() -> str:
    return clock.to_shanghai(clock.now()).date().isoformat()


async def _openid_of(member_id: int) -> str | None:
    return (
        await MemberIdentity.filter(member_id=member_id, provider="WECHAT")
        .order_by("id")
        .first()
        .values_list("openid", flat=True)
    )


async def _payee(member_id: int, method: WithdrawalMethod, given: PayeeInput) -> _Payee:
    cipher = payees.cipher()
    if method == WithdrawalMethod.BANK:
        name = payees.payee_name(given.name)
        bank = payees.bank_name(given.bank)
        number = payees.bank_account(given.account)
        return _Payee(name, bank, payees.mask_bank_account(number), cipher.encrypt(number))
    if method == WithdrawalMethod.ALIPAY:
        name = payees.payee_name(given.name)
        account = payees.alipay_account(given.account)
        return _Payee(name, "", payees.mask_alipay_account(account), cipher.encrypt(account))
    # WECHAT_BALANCE: to the openid the member logs in with; anything typed is not kept.
    openid = await _openid_of(member_id)
    if not openid:
        raise DomainError(ErrorCode.INVALID, "method", "no WeChat identity")
    return _Payee("", "", WECHAT_BALANCE_MASK, cipher.encrypt(openid))


async def request_withdrawal(
    member_id: int, amount_fen: int, method: WithdrawalMethod | str, payee: PayeeInput
) -> Withdrawal:
    """Ask to withdraw `amount_fen` of the member's available commission (the hold is taken now,
    the money leaves when finance pays)."""
    distributor = await for_member(member_id)
    if distributor is None:
        raise DomainError(ErrorCode.NOT_A_DISTRIBUTOR, None)
    settings = await load_settings()
    minimum = settings["withdraw.min_fen"]
    fee = money.share(max(amount_fen, 0), settings["withdraw.fee_bp"])
    if amount_fen < minimum or amount_fen - fee <= 0:
        raise DomainError(
            ErrorCode.WITHDRAWAL_BELOW_MINIMUM, "amountFen", f"min {money.format_fen(minimum)}"
        )
    method = WithdrawalMethod(method)
    checked = await _payee(member_id, method, payee)
    account = await CommissionAccount.get_or_none(
        owner_type=AccountOwner.DISTRIBUTOR, owner_id=distributor.id
    )
    available = account.available_fen if account else 0
    if available < 0:
        raise DomainError(ErrorCode.NEGATIVE_BALANCE, "amountFen")
    if account is None or amount_fen > available:
        raise DomainError(ErrorCode.INSUFFICIENT_BALANCE, "amountFen")
    day = shanghai_day()
    actor = f"member:{member_id}"
    async with transaction():
        await _count_today(account.id, day, settings["withdraw.daily_max_count"])
        withdrawal = await Withdrawal.create(
            account_id=account.id,
            amount_fen=amount_fen,
            fee_fen=fee,
            payout_fen=amount_fen - fee,
            method=method,
            payee_name=checked.name,
            payee_bank=checked.bank,
            payee_masked=checked.masked,
            payee_encrypted=checked.encrypted,
            requested_at=clock.now(),
            requested_day=day,
        )
        await ledger.move(
            account.id,
            LedgerKind.HOLD,
            Deltas(available=-amount_fen, withdrawing=amount_fen),
            actor=actor,
            reason="withdrawal requested",
            refs=Refs(withdrawal_id=withdrawal.id),
            require_available=amount_fen,
        )
        await events.publish(WithdrawalMoved(withdrawal.id, S.PENDING_REVIEW.value))
    log.info(
        "withdrawal requested",
        extra={"withdrawal_id": withdrawal.id, "amount_fen": amount_fen, "method": method.value},
    )
    return withdrawal


async def _count_today(account_id: int, day: str, daily_max: int) -> None:
    """One more request today, or DAILY_WITHDRAWAL_LIMIT. Both steps are guarded updates on the
    account row: a new day resets the counter once, then the counter only grows below the max."""
    await (
        CommissionAccount.filter(id=account_id)
        .exclude(withdraw_day=day)
        .update(withdraw_day=day, withdraw_day_count=0)
    )
    counted = await CommissionAccount.filter(
        id=account_id, withdraw_day=day, withdraw_day_count__lt=daily_max
    ).update(withdraw_day_count=F("withdraw_day_count") + 1)
    if not counted:
        raise DomainError(ErrorCode.DAILY_WITHDRAWAL_LIMIT, "amountFen")


async def _get(withdrawal_id: int) -> Withdrawal:
    found = await Withdrawal.get_or_none(id=withdrawal_id)
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, "id")
    return found


async def _release_hold(withdrawal: Withdrawal, actor: str, reason: str) -> None:
    await ledger.move(
        withdrawal.account_id,
        LedgerKind.RELEASE,
        Deltas(available=withdrawal.amount_fen, withdrawing=-withdrawal.amount_fen),
        actor=actor,
        reason=reason,
        refs=Refs(withdrawal_id=withdrawal.id),
    )


async def review(withdrawal_id: int, approve: bool, note: str, actor: str) -> Withdrawal:
    """Approve (→ APPROVED, ready to pay) or reject (→ REJECTED, the hold goes back)."""
    note = clean_text(note or "", "note", NOTE_MAX, multiline=True, required=False)
    withdrawal = await _get(withdrawal_id)
    target = S.APPROVED if approve else S.REJECTED
    changes: dict = {"status": target, "reviewed_by": actor, "reviewed_at": clock.now()}
    if not approve:
        changes["failure_reason"] = note or None
    async with transaction():
        moved = await Withdrawal.filter(id=withdrawal.id, status=S.PENDING_REVIEW).update(**changes)
        if moved and not approve:
            await _release_hold(withdrawal, actor, f"withdrawal rejected: {note}")
        if moved:
            await events.publish(WithdrawalMoved(withdrawal.id, target.value))
    await withdrawal.refresh_from_db()
    if not moved and withdrawal.status != target:
        raise DomainError(ErrorCode.INVALID_STATE, "id")
    if moved:
        log.info(
            "withdrawal reviewed",
            extra={"withdrawal_id": withdrawal.id, "status": target.value, "actor": actor},
        )
    return withdrawal


async def pay(withdrawal_id: int, actor: str) -> Withdrawal:
    """Pay an APPROVED (or retry a FAILED) withdrawal through the payout provider: PAID, or
    FAILED with the provider's reason. A PAID one is returned as it is."""
    provider = payout_provider()
    async with transaction():
        claimed = await Withdrawal.filter(id=withdrawal_id, status__in=PAYABLE).update(
            failure_reason=None
        )
        if not claimed:
            current = await _get(withdrawal_id)
            if current.status == S.PAID:
                return current
            raise DomainError(ErrorCode.INVALID_STATE, "id")
        withdrawal = await Withdrawal.get(id=withdrawal_id)
        request: PayoutRequest | None = None
        try:
            request = _payout_request(withdrawal)
            result = await provider.pay(request)
        except PayoutError as error:
            secrets = [withdrawal.payee_name]
            if request is not None:
                secrets += [request.account, request.openid]
            reason = payees.scrub(error.reason, secrets)
            await Withdrawal.filter(id=withdrawal.id).update(status=S.FAILED, failure_reason=reason)
            await events.publish(WithdrawalMoved(withdrawal.id, S.FAILED.value))
            log.warning(
                "payout refused",
                extra={"withdrawal_id": withdrawal.id, "provider": provider.name, "why": reason},
            )
        except PayoutOutcomeUnknown:
            log.warning(
                "payout outcome unknown",
                extra={"withdrawal_id": withdrawal.id, "provider": provider.name},
            )
            raise DomainError(
                ErrorCode.PAYOUT_FAILED, "id", "outcome unknown: pay again to settle it"
            ) from None
        else:
            marked = await Withdrawal.filter(id=withdrawal.id, status__in=PAYABLE).update(
                status=S.PAID, paid_at=clock.now()
            )
            if not marked:  # cannot happen while the claim holds the row; never pay twice
                raise DomainError(ErrorCode.INVALID_STATE, "id")
            await ledger.move(
                withdrawal.account_id,
                LedgerKind.PAID,
                Deltas(withdrawing=-withdrawal.amount_fen, withdrawn=withdrawal.amount_fen),
                actor=actor,
                reason=f"payout {provider.name} {result.reference}",
                refs=Refs(withdrawal_id=withdrawal.id),
            )
            await events.publish(WithdrawalMoved(withdrawal.id, S.PAID.value))
            log.info(
                "withdrawal paid",
                extra={
                    "withdrawal_id": withdrawal.id,
                    "payout_fen": withdrawal.payout_fen,
                    "provider": provider.name,
                    "reference": result.reference,
                },
            )
    await withdrawal.refresh_from_db()
    return withdrawal


def _payout_request(withdrawal: Withdrawal) -> PayoutRequest:
    try:
        secret = payees.cipher().decrypt(withdrawal.payee_encrypted)
    except payees.PayeeUnreadable:
        raise PayoutError("payee details cannot be decrypted (encryption key changed?)") from None
    wechat = withdrawal.method == WithdrawalMethod.WECHAT_BALANCE
    return PayoutRequest(
        idempotency_key=str(withdrawal.id),
        amount_fen=withdrawal.payout_fen,
        method=withdrawal.method,
        payee_name=withdrawal.payee_name,
        account=None if wechat else secret,
        openid=secret if wechat else None,
        bank_name=withdrawal.payee_bank,
    )


async def release(withdrawal_id: int, actor: str) -> Withdrawal:
    """Give a FAILED withdrawal's hold back to the available balance (→ RELEASED)."""
    withdrawal = await _get(withdrawal_id)
    async with transaction():
        moved = await Withdrawal.filter(id=withdrawal.id, status=S.FAILED).update(status=S.RELEASED)
        if moved:
            await _release_hold(withdrawal, actor, "payout failed: released")
            await events.publish(WithdrawalMoved(withdrawal.id, S.RELEASED.value))
    await withdrawal.refresh_from_db()
    if not moved and withdrawal.status != S.RELEASED:
        raise DomainError(ErrorCode.INVALID_STATE, "id")
    if moved:
        log.info("withdrawal released", extra={"withdrawal_id": withdrawal.id, "actor": actor})
    return withdrawal


# Queries


def withdrawals_of_member(member_id: int) -> QuerySet[Withdrawal]:
    """The member's own withdrawals (through their distributor's account), as a queryset to
    page or count: one SQL statement, no lookup first."""
    distributor_ids = Distributor.filter(member_id=member_id).values("id")
    account_ids = CommissionAccount.filter(
        owner_type=AccountOwner.DISTRIBUTOR, owner_id__in=Subquery(distributor_ids)
    ).values("id")
    return Withdrawal.filter(account_id__in=Subquery(account_ids))


def withdrawals_for_staff(
    status: WithdrawalStatus | None = None, distributor_id: int | None = None
) -> QuerySet[Withdrawal]:
    """Every withdrawal (HQ finance sees all), with its account joined for the owner."""
    queryset = Withdrawal.all().select_related("account")
    if status is not None:
        queryset = queryset.filter(status=status)
    if distributor_id is not None:
        queryset = queryset.filter(
            account__owner_type=AccountOwner.DISTRIBUTOR, account__owner_id=distributor_id
        )
    return queryset


def payee_view(withdrawal: Withdrawal, *, full: bool) -> PayeeView:
    """Masked for every staff role but HQ_ADMIN (`full`), for whom the account is decrypted."""
    account = withdrawal.payee_masked
    if full and withdrawal.method != WithdrawalMethod.WECHAT_BALANCE:
        try:
            account = payees.cipher().decrypt(withdrawal.payee_encrypted)
        except payees.PayeeUnreadable:
            account = withdrawal.payee_masked
    elif withdrawal.method == WithdrawalMethod.WECHAT_BALANCE:
        account = None
    return PayeeView(
        name=withdrawal.payee_name if full else payees.mask_name(withdrawal.payee_name),
        bank=withdrawal.payee_bank,
        account=account,
        masked=withdrawal.payee_masked,
    )
