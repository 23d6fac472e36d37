"""What the core needs from a payment provider; SANDBOX and WECHAT_PAY_V3 live in api/payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


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


class ProviderError(Exception):
    """The provider refused or could not be reached; nothing was charged or refunded."""


class PaymentProvider(Protocol):
    name: str

    async def prepay(self, request: PrepayRequest) -> dict[str, str]:
        """Start a payment; returns what the mini-program passes to wx.requestPayment."""
        ...

    async def refund(self, request: RefundRequest) -> None:
        """Refund part of a payment. Idempotent per out_refund_no."""
        ...
