"""Events `distribution` publishes (through domain/events.py) for whoever subscribes at start-up:
the service's metrics count them once the transaction that raised them has committed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommissionAccrued:
    """One commission entry of `amount_fen` (PENDING) was created for a paid order."""

    order_id: int
    entry_id: int
    role: str
    amount_fen: int


@dataclass(frozen=True)
class WithdrawalMoved:
    """A withdrawal reached `status` (a real transition: a repeated command publishes nothing)."""

    withdrawal_id: int
    status: str


@dataclass(frozen=True)
class CommissionSettled:
    """A commission entry of an order became SETTLED (available to withdraw)."""

    order_id: int
    entry_id: int
    account_id: int
    amount_fen: int


@dataclass(frozen=True)
class DistributorApplied:
    """A member applied to become a distributor; the application awaits review."""

    application_id: int
