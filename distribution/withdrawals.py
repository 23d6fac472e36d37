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

WeChat transfer bills (商家转账, SPEC 20) pay WECHAT_BALANCE withdrawals when a transfer
provider is registered. They are asynchronous, so they do not hold a row lock across the call:

    APPROVED ──pay──▶ PAYING ──WAIT_USER_CONFIRM──▶ AWAITING_PAYEE ──payee confirms──▶ PAID
                      │  (answer lost: stays PAYING,   │
                      │   queried before all else)     ├─ bill FAIL ──▶ FAILED (released)
                      ├─ refused, no bill ─▶ FAILED    ├─ cancelled ──▶ CANCELLED (released)
                      │  (hold kept: pay or release)   └─ unconfirmed 24 h ──▶ EXPIRED (released)

- The bill's number is `WD<withdrawal id>` (`out_bill_no`): WeChat answers a repeated number with
  the bill it already has, so a retry, a second process, or a poll re-sending after a crash never
  creates a second transfer.
- Claiming is a committed compare-and-set (APPROVED, or FAILED without a bill → PAYING); every
  later transition is a compare-and-set from PAYING / AWAITING_PAYEE, and the ledger moves in the
  same transaction as the transition that won, so a notification and a poll arriving together
  move the money once.
- A timeout, a 5xx, SYSTEM_ERROR or FREQUENCY_LIMITED is an unknown outcome: the withdrawal stays
  PAYING and the next attempt (payWithdrawal again, or the poll job) queries the bill first. Only
  a bill WeChat reports FAIL or CANCELLED releases the hold; a refusal before any bill exists
  (NOT_ENOUGH, PARAM_ERROR...) is FAILED with the hold kept, as for other providers.
- A FAILED withdrawal whose bill failed (`transfer_state` FAIL) has had its hold released: it can
  be neither paid again nor released again; the member asks again.
- The payee must confirm within the package's validity (WeChat: 24 hours); after it the poll job
  cancels the bill and the withdrawal ends EXPIRED.
- From 2000 yuan paid out (`REAL_NAME_FROM_FEN`) WeChat needs the payee's real name: approval
  refuses without one (PAYEE_REAL_NAME_REQUIRED) and copies the distributor's, encrypted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F, Q, Subquery
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
    PayeeNameReveal,
    Withdrawal,
    WithdrawalMethod,
    WithdrawalStatus,
)
from distribution.payouts import (
    BillOutcome,
    PayoutError,
    PayoutOutcomeUnknown,
    PayoutRequest,
    TransferBill,
    TransferProvider,
    payout_provider,
    transfer_provider,
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
# Transfers in flight: a transition out of them is a compare-and-set from these.
TRANSFERRING = (S.PAYING, S.AWAITING_PAYEE)
# WeChat requires the payee's real name from this much paid out (2000 yuan).
REAL_NAME_FROM_FEN = 200_000
# How long the payee may confirm a transfer (WeChat's package validity).
PACKAGE_VALIDITY = timedelta(hours=24)
# A FAILED withdrawal still holding its amount: no transfer bill of it failed (that released it).
HOLDING_FAILED = Q(status=S.FAILED, transfer_state__isnull=True)
PAYABLE_NOW = Q(status=S.APPROVED) | HOLDING_FAILED
POLL_BATCH = 200
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
    elif withdrawal.status == S.PENDING_REVIEW and needs_real_name(withdrawal):
        distributor = await _distributor_of(withdrawal)
        if distributor is None or not distributor.real_name_encrypted:
            raise DomainError(ErrorCode.PAYEE_REAL_NAME_REQUIRED, "id")
        changes["real_name_encrypted"] = distributor.real_name_encrypted
        changes["real_name_masked"] = distributor.real_name_masked or ""
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
    transfers = transfer_provider()
    if transfers is not None:
        method = await Withdrawal.filter(id=withdrawal_id).first().values_list("method", flat=True)
        if method == WithdrawalMethod.WECHAT_BALANCE:
            return await _pay_by_transfer(transfers, withdrawal_id, actor)
    provider = payout_provider()
    async with transaction():
        claimed = await Withdrawal.filter(PAYABLE_NOW, id=withdrawal_id).update(failure_reason=None)
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
        moved = await Withdrawal.filter(HOLDING_FAILED, id=withdrawal.id).update(status=S.RELEASED)
        if moved:
            await _release_hold(withdrawal, actor, "payout failed: released")
            await events.publish(WithdrawalMoved(withdrawal.id, S.RELEASED.value))
    await withdrawal.refresh_from_db()
    if not moved and withdrawal.status != S.RELEASED:
        raise DomainError(ErrorCode.INVALID_STATE, "id")
    if moved:
        log.info("withdrawal released", extra={"withdrawal_id": withdrawal.id, "actor": actor})
    return withdrawal


# WeChat transfer bills (module docstring)


def needs_real_name(withdrawal: Withdrawal) -> bool:
    return (
        withdrawal.method == WithdrawalMethod.WECHAT_BALANCE
        and withdrawal.payout_fen >= REAL_NAME_FROM_FEN
    )


def out_bill_no(withdrawal_id: int) -> str:
    """The transfer bill's number: letters and digits only, as WeChat requires."""
    return f"WD{withdrawal_id}"


def withdrawal_id_of_bill(bill_no: str) -> int | None:
    digits = bill_no.removeprefix("WD")
    return int(digits) if bill_no.startswith("WD") and digits.isdigit() else None


async def _distributor_of(withdrawal: Withdrawal) -> Distributor | None:
    account = await CommissionAccount.get(id=withdrawal.account_id)
    if account.owner_type != AccountOwner.DISTRIBUTOR:
        return None
    return await Distributor.get_or_none(id=account.owner_id)


async def _transfer_request(withdrawal: Withdrawal) -> PayoutRequest:
    """The transfer as WeChat takes it: to the member's openid, the amount after the fee, the
    real name (decrypted only for this request) from 2000 yuan, scene and remark from settings."""
    cipher = payees.cipher()
    try:
        openid = cipher.decrypt(withdrawal.payee_encrypted)
        name = cipher.decrypt(withdrawal.real_name_encrypted) if needs_real_name(withdrawal) else ""
    except payees.PayeeUnreadable:
        raise PayoutError("payee details cannot be decrypted (encryption key changed?)") from None
    if needs_real_name(withdrawal) and not name:
        raise PayoutError("the payee's real name is missing")
    settings = await load_settings()
    infos = tuple(
        (kind, content)
        for kind, _, content in (
            pair.partition("=")
            for pair in settings["payout.transfer_scene_report_infos"].split(";")
        )
    )
    return PayoutRequest(
        idempotency_key=out_bill_no(withdrawal.id),
        amount_fen=withdrawal.payout_fen,
        method=withdrawal.method,
        payee_name=name,
        openid=openid,
        description=settings["payout.transfer_remark"],
        scene_id=settings["payout.transfer_scene_id"],
        scene_report_infos=infos,
    )


async def _pay_by_transfer(
    provider: TransferProvider, withdrawal_id: int, actor: str
) -> Withdrawal:
    now = clock.now()
    claimed = await Withdrawal.filter(PAYABLE_NOW, id=withdrawal_id).update(
        status=S.PAYING, failure_reason=None, transfer_started_at=now, transfer_checked_at=now
    )
    withdrawal = await _get(withdrawal_id)
    if not claimed:
        if withdrawal.status in TRANSFERRING:
            return await sync_transfer(withdrawal, actor)
        if withdrawal.status == S.PAID:
            return withdrawal
        raise DomainError(ErrorCode.INVALID_STATE, "id")
    log.info("transfer started", extra={"withdrawal_id": withdrawal.id, "actor": actor})
    return await _send_transfer(provider, withdrawal, actor)


async def _send_transfer(
    provider: TransferProvider, withdrawal: Withdrawal, actor: str
) -> Withdrawal:
    """Create (or, for a repeated number, fetch) the bill and apply what it says."""
    request: PayoutRequest | None = None
    try:
        request = await _transfer_request(withdrawal)
        bill = await provider.transfer(request)
    except PayoutError as error:
        secrets = [withdrawal.payee_name, request.openid if request else None]
        reason = payees.scrub(error.reason, secrets)
        await Withdrawal.filter(id=withdrawal.id, status=S.PAYING).update(
            status=S.FAILED, failure_reason=reason, transfer_checked_at=clock.now()
        )
        log.warning(
            "transfer refused",
            extra={"withdrawal_id": withdrawal.id, "provider": provider.name, "why": reason},
        )
    except PayoutOutcomeUnknown:
        log.warning(
            "transfer outcome unknown",
            extra={"withdrawal_id": withdrawal.id, "provider": provider.name},
        )
    else:
        await apply_bill(withdrawal.id, bill, actor)
    await withdrawal.refresh_from_db()
    return withdrawal


async def sync_transfer(withdrawal: Withdrawal, actor: str) -> Withdrawal:
    """Ask WeChat where a bill in flight stands and apply it. No bill under the number (the
    claim committed, the request never arrived): send it, under the same number. A bill waiting
    for the payee whose package we never saw (its answer was lost): send again, WeChat answers
    the same bill with its package."""
    provider = transfer_provider()
    if provider is None or withdrawal.status not in TRANSFERRING:
        return withdrawal
    try:
        bill = await provider.query(out_bill_no(withdrawal.id))
    except PayoutOutcomeUnknown:
        await Withdrawal.filter(id=withdrawal.id).update(transfer_checked_at=clock.now())
        await withdrawal.refresh_from_db()
        return withdrawal
    if bill is None or (
        bill.outcome == BillOutcome.AWAITING_PAYEE
        and not (bill.package_info or withdrawal.package_info)
    ):
        if withdrawal.status == S.PAYING:
            return await _send_transfer(provider, withdrawal, actor)
        return withdrawal
    await apply_bill(withdrawal.id, bill, actor)
    await withdrawal.refresh_from_db()
    return withdrawal


async def apply_bill(withdrawal_id: int, bill: TransferBill, actor: str) -> bool:
    """Move a withdrawal in flight to what its bill says; True when this call moved it (a
    repeat, or a bill already applied by a notification, moves nothing)."""
    withdrawal = await _get(withdrawal_id)
    now = clock.now()
    seen = {
        "transfer_state": bill.state[:20],
        "transfer_checked_at": now,
        "transfer_bill_no": bill.bill_no or withdrawal.transfer_bill_no,
    }
    in_flight = Withdrawal.filter(id=withdrawal_id, status__in=TRANSFERRING)
    if bill.outcome == BillOutcome.IN_FLIGHT:
        return bool(await in_flight.update(**seen))
    if bill.outcome == BillOutcome.AWAITING_PAYEE:
        package = bill.package_info or withdrawal.package_info
        if not package:
            return bool(await in_flight.update(**seen))
        expires = withdrawal.package_expires_at or (bill.created_at or now) + PACKAGE_VALIDITY
        async with transaction():
            moved = await in_flight.update(
                **seen, status=S.AWAITING_PAYEE, package_info=package, package_expires_at=expires
            )
            if moved and withdrawal.status == S.PAYING:
                await events.publish(WithdrawalMoved(withdrawal_id, S.AWAITING_PAYEE.value))
        return bool(moved) and withdrawal.status == S.PAYING
    if bill.outcome == BillOutcome.PAID:
        async with transaction():
            moved = await in_flight.update(**seen, status=S.PAID, paid_at=now, package_info=None)
            if moved:
                await ledger.move(
                    withdrawal.account_id,
                    LedgerKind.PAID,
                    Deltas(withdrawing=-withdrawal.amount_fen, withdrawn=withdrawal.amount_fen),
                    actor=actor,
                    reason=f"transfer {bill.bill_no or out_bill_no(withdrawal_id)}",
                    refs=Refs(withdrawal_id=withdrawal_id),
                )
                await events.publish(WithdrawalMoved(withdrawal_id, S.PAID.value))
        if moved:
            log.info(
                "withdrawal paid",
                extra={"withdrawal_id": withdrawal_id, "payout_fen": withdrawal.payout_fen},
            )
        return bool(moved)
    return await _end_unpaid(withdrawal, bill, seen, actor)


async def _end_unpaid(withdrawal: Withdrawal, bill: TransferBill, seen: dict, actor: str) -> bool:
    """FAIL / CANCELLED: nothing was paid, the hold goes back (the member may ask again)."""
    now = clock.now()
    if bill.outcome == BillOutcome.FAILED:
        target = S.FAILED
        reason = payees.scrub(bill.fail_reason or "transfer failed", [withdrawal.payee_name])
        seen = {**seen, "transfer_state": "FAIL"}
    elif withdrawal.cancel_requested == S.CANCELLED.value:
        target, reason = S.CANCELLED, "transfer cancelled"
    elif withdrawal.cancel_requested == S.EXPIRED.value or (
        withdrawal.package_expires_at is not None and withdrawal.package_expires_at <= now
    ):
        target, reason = S.EXPIRED, "the payee did not confirm in time"
    else:
        target, reason = S.CANCELLED, "transfer cancelled"
    async with transaction():
        moved = await Withdrawal.filter(id=withdrawal.id, status__in=TRANSFERRING).update(
            **seen, status=target, failure_reason=reason, package_info=None
        )
        if moved:
            await _release_hold(withdrawal, actor, f"transfer {target.value.lower()}")
            await events.publish(WithdrawalMoved(withdrawal.id, target.value))
    if moved:
        log.info(
            "transfer ended unpaid",
            extra={"withdrawal_id": withdrawal.id, "status": target.value},
        )
    return bool(moved)


async def cancel_transfer(
    withdrawal_id: int, actor: str, why: WithdrawalStatus = S.CANCELLED
) -> Withdrawal:
    """Cancel a bill the payee has not confirmed (finance: → CANCELLED; the poll job after the
    package's validity: → EXPIRED). WeChat takes the cancel on and finishes it asynchronously;
    the bill is queried at once and again later until final. A payee who confirmed meanwhile
    wins: the cancel is refused and the bill is applied as it is."""
    provider = transfer_provider()
    if provider is None:
        raise DomainError(ErrorCode.INVALID_STATE, "id")
    marked = await Withdrawal.filter(id=withdrawal_id, status=S.AWAITING_PAYEE).update(
        cancel_requested=why.value
    )
    withdrawal = await _get(withdrawal_id)
    if not marked:
        if withdrawal.status == why:
            return withdrawal
        raise DomainError(ErrorCode.INVALID_STATE, "id")
    try:
        bill = await provider.cancel(out_bill_no(withdrawal_id))
    except (PayoutError, PayoutOutcomeUnknown):
        return await sync_transfer(withdrawal, actor)
    await apply_bill(withdrawal_id, bill, actor)
    if bill.outcome == BillOutcome.IN_FLIGHT:
        await withdrawal.refresh_from_db()
        return await sync_transfer(withdrawal, actor)
    await withdrawal.refresh_from_db()
    return withdrawal


async def poll_transfers(now: datetime) -> int:
    """The job: cancel bills whose package expired unconfirmed, and query the bills not final
    `payout.transfer_poll_after_minutes` after they were last heard of. Returns how many
    withdrawals it moved. Safe twice at once: every move is a compare-and-set."""
    if transfer_provider() is None:
        return 0
    settings = await load_settings()
    stale = now - timedelta(minutes=settings["payout.transfer_poll_after_minutes"])
    changed = 0
    expired = (
        await Withdrawal.filter(status=S.AWAITING_PAYEE, package_expires_at__lte=now)
        .order_by("id")
        .limit(POLL_BATCH)
    )
    for withdrawal in expired:
        try:
            ended = await cancel_transfer(withdrawal.id, "job:poll-transfers", S.EXPIRED)
        except DomainError:
            continue  # moved meanwhile (a notification, another poller)
        changed += ended.status != S.AWAITING_PAYEE
    due = (
        await Withdrawal.filter(status__in=TRANSFERRING, transfer_checked_at__lte=stale)
        .order_by("id")
        .limit(POLL_BATCH)
    )
    for withdrawal in due:
        before = withdrawal.status
        after = await sync_transfer(withdrawal, "job:poll-transfers")
        changed += after.status != before
    return changed


async def transfer_notified(bill_no: str, bill: TransferBill) -> bool:
    """A verified transfer notification: apply it to its withdrawal. Raises LookupError for a
    bill that is not ours or whose amount is not the payout (it must not be believed)."""
    withdrawal_id = withdrawal_id_of_bill(bill_no)
    withdrawal = await Withdrawal.get_or_none(id=withdrawal_id) if withdrawal_id else None
    if withdrawal is None or withdrawal.method != WithdrawalMethod.WECHAT_BALANCE:
        raise LookupError("no such transfer")
    if bill.amount_fen is not None and bill.amount_fen != withdrawal.payout_fen:
        raise LookupError("amount differs from the payout")
    return await apply_bill(withdrawal.id, bill, "wechat:notify")


# Payee identity


async def set_real_name(member_id: int, raw: str) -> Distributor:
    """The distributor's real name for WeChat transfers of 2000 yuan and more, encrypted;
    withdrawals approved later carry it."""
    distributor = await for_member(member_id)
    if distributor is None:
        raise DomainError(ErrorCode.NOT_A_DISTRIBUTOR, None)
    name = payees.real_name(raw)
    await Distributor.filter(id=distributor.id).update(
        real_name_encrypted=payees.cipher().encrypt(name),
        real_name_masked=payees.mask_real_name(name),
        updated_at=clock.now(),
    )
    await distributor.refresh_from_db()
    return distributor


async def reveal_real_name(withdrawal_id: int, staff_id: int, reason: str) -> str:
    """The payee's real name in full, for HQ_ADMIN checking it before approval: an audit row
    in the same transaction (who, whose, which withdrawal, why). Refused when there is none."""
    reason = clean_text(reason or "", "reason", NOTE_MAX, multiline=True)
    withdrawal = await _get(withdrawal_id)
    encrypted = withdrawal.real_name_encrypted
    distributor = await _distributor_of(withdrawal)
    if not encrypted and distributor is not None:
        encrypted = distributor.real_name_encrypted
    if not encrypted or distributor is None:
        raise DomainError(ErrorCode.PAYEE_REAL_NAME_REQUIRED, "withdrawalId")
    try:
        name = payees.cipher().decrypt(encrypted)
    except payees.PayeeUnreadable:
        raise DomainError(ErrorCode.PAYEE_REAL_NAME_REQUIRED, "withdrawalId") from None
    await PayeeNameReveal.create(
        distributor_id=distributor.id,
        withdrawal_id=withdrawal.id,
        staff_id=staff_id,
        reason=reason,
        revealed_at=clock.now(),
    )
    log.info(
        "payee name revealed",
        extra={"withdrawal_id": withdrawal.id, "staff_id": staff_id},
    )
    return name


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
