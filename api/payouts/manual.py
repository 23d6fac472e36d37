"""The MANUAL payout provider: finance has transferred the money by hand (bank or Alipay app,
线下打款) and `payWithdrawal` records it. It never refuses; the reference names the key."""

from __future__ import annotations

from distribution.payouts import PayoutRequest, PayoutResult


class ManualPayoutProvider:
    name = "MANUAL"

    async def pay(self, request: PayoutRequest) -> PayoutResult:
        return PayoutResult(f"MANUAL-{request.idempotency_key}")
