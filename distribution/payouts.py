"""What withdrawals need from a payout provider (SPEC 11, 20), and the ones this process uses.

The providers live in api/payouts (SANDBOX for local use and tests, MANUAL for finance paying by
hand); the composition root registers the configured one at start-up. Every payout carries the
withdrawal id as its idempotency key: a provider must pay a key at most once and answer a repeat
with the first payout's reference, so retries (and a payWithdrawal racing another) never pay
twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from distribution.models import WithdrawalMethod


@dataclass(frozen=True)
class PayoutRequest:
    """The payee's details are decrypted only for this request and kept out of its repr."""

    idempotency_key: str
    amount_fen: int
    method: WithdrawalMethod
    payee_name: str = field(default="", repr=False)
    account: str | None = field(default=None, repr=False)
    openid: str | None = field(default=None, repr=False)
    bank_name: str = ""
    description: str = "佣金提现"
    # Transfer bills (SPEC 20): the scene WeChat approved for the merchant and what it asks to
    # be reported for it, from settings.
    scene_id: str = ""
    scene_report_infos: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PayoutResult:
    reference: str


class PayoutError(Exception):
    """The provider refused and paid nothing. The reason is short and free of personal data
    (callers scrub it again before keeping it)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PayoutOutcomeUnknown(Exception):
    """The provider could not be asked or did not answer (timeout, 5xx): the money may or may
    not have left. Nothing is recorded; paying again with the same key settles it."""


class PayoutProvider(Protocol):
    name: str

    async def pay(self, request: PayoutRequest) -> PayoutResult:
        """Pay `amount_fen` to the payee once per idempotency key; raises PayoutError when
        refused, PayoutOutcomeUnknown when it cannot tell."""
        ...


class BillOutcome(StrEnum):
    """What a transfer bill's state means for the withdrawal."""

    PAID = "PAID"
    AWAITING_PAYEE = "AWAITING_PAYEE"  # the payee must confirm (a package to hand over)
    IN_FLIGHT = "IN_FLIGHT"  # not final, nothing to do but wait and ask again
    FAILED = "FAILED"  # final, nothing paid
    CANCELLED = "CANCELLED"  # final, nothing paid


@dataclass(frozen=True)
class TransferBill:
    """A transfer bill as the provider last reported it. `state` is the provider's own word
    (kept on the withdrawal for finance), `outcome` what it means."""

    outcome: BillOutcome
    state: str
    bill_no: str | None = None
    package_info: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    amount_fen: int | None = None
    fail_reason: str | None = None


class TransferProvider(Protocol):
    """A payout the payee confirms (WeChat 商家转账): asynchronous, queried until final.

    `transfer` creates the bill once per key (a repeat answers the same bill); it raises
    PayoutError only when the provider refused and no bill exists, PayoutOutcomeUnknown when it
    cannot tell. `query` answers None when no bill has that key. `cancel` asks to cancel a bill
    the payee has not confirmed."""

    name: str
    mch_id: str
    app_id: str

    async def transfer(self, request: PayoutRequest) -> TransferBill: ...

    async def query(self, key: str) -> TransferBill | None: ...

    async def cancel(self, key: str) -> TransferBill: ...


_provider: PayoutProvider | None = None
_transfer_provider: TransferProvider | None = None


def register_payout_provider(provider: PayoutProvider) -> None:
    global _provider
    _provider = provider


def payout_provider() -> PayoutProvider:
    if _provider is None:
        raise RuntimeError("no payout provider registered (api/app.py does it at start-up)")
    return _provider


def register_transfer_provider(provider: TransferProvider | None) -> None:
    """WECHAT_BALANCE withdrawals go through this provider when one is registered."""
    global _transfer_provider
    _transfer_provider = provider


def transfer_provider() -> TransferProvider | None:
    return _transfer_provider
