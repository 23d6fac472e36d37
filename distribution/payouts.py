"""What withdrawals need from a payout provider (SPEC 11), and the one this process uses.

The providers live in api/payouts (SANDBOX for local use and tests, MANUAL for finance paying by
hand); the composition root registers the configured one at start-up. Every payout carries the
withdrawal id as its idempotency key: a provider must pay a key at most once and answer a repeat
with the first payout's reference, so retries (and a payWithdrawal racing another) never pay
twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


_provider: PayoutProvider | None = None


def register_payout_provider(provider: PayoutProvider) -> None:
    global _provider
    _provider = provider


def payout_provider() -> PayoutProvider:
    if _provider is None:
        raise RuntimeError("no payout provider registered (api/app.py does it at start-up)")
    return _provider
