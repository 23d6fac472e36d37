"""What the core needs from a payment provider; SANDBOX and WECHAT_PAY_V3 live in api/payments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from domain.payments.models import BillKind


@dataclass(frozen=True)
class PrepayRequest:
    out_trade_no: str
    amount_fen: int
    description: str
    payer_openid: str | None
    expires_at: datetime


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    out_refund_no: str
    refund_fen: int
    total_fen: int
    reason: str


class RefundState(StrEnum):
    """WeChat Pay's refund states (退款状态): only SUCCESS means the money left."""

    SUCCESS = "SUCCESS"
    PROCESSING = "PROCESSING"
    ABNORMAL = "ABNORMAL"
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class RefundOutcome:
    """Where the provider says a refund stands (answer, query or notification)."""

    out_refund_no: str
    state: RefundState
    refund_id: str | None = None
    amount_fen: int | None = None


class ProviderError(Exception):
    """The provider refused or could not be reached; nothing was charged or refunded."""


class OutcomeUnknown(ProviderError):
    """The request may have been accepted (a timeout after sending, a 5xx, SYSTEM_ERROR): the
    provider must be asked what became of it before anything is retried or released."""


class NoBill(ProviderError):
    """The provider has no bill for that day (WeChat: NO_STATEMENT_EXIST, no transaction)."""


class PaymentProvider(Protocol):
    name: str

    async def prepay(self, request: PrepayRequest) -> dict[str, str]:
        """Start a payment; returns what the mini-program passes to wx.requestPayment."""
        ...

    async def refund(self, request: RefundRequest) -> RefundOutcome:
        """Refund part of a payment. Idempotent per out_refund_no: a repeat is the same refund."""
        ...

    async def query_refund(self, out_refund_no: str) -> RefundOutcome | None:
        """The refund's state, or None when the provider never received it."""
        ...


@runtime_checkable
class BillSource(Protocol):
    """A provider that publishes daily bills (WeChat Pay's trade and fund-flow bills)."""

    name: str

    def bill_lines(self, day: date, kind: BillKind) -> AsyncIterator[str]:
        """The bill's text lines, streamed and verified against the provider's digest."""
        ...
