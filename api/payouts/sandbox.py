"""The SANDBOX payout provider: behaves like a real transfer API, moves no money.

It keeps real idempotency: the first payout of a key is recorded and every repeat of that key
returns the same reference without paying again (a repeat with another amount is refused, as a
real provider refuses a reused out_bill_no). To exercise failures, tests (or a developer in a
shell) queue refusals with `fail_next(reason)`: the next payouts of new keys are refused with
those reasons, one each, and a later attempt with the same key can succeed (a FAILED withdrawal
retried). `lose_next_answer()` pays the next new key but answers PayoutOutcomeUnknown, as a
timeout after the money left would: paying again must find the payout, not make a second one.
Nothing about the payee is kept beyond the method: the payee's details stay in the request. One
instance per process (its memory is its ledger); enabled outside production only.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass

from distribution.models import WithdrawalMethod
from distribution.payouts import (
    PayoutError,
    PayoutOutcomeUnknown,
    PayoutRequest,
    PayoutResult,
)
from domain import clock

DEFAULT_FAILURE = "sandbox: refused on request"


@dataclass(frozen=True)
class SandboxPayout:
    reference: str
    amount_fen: int
    method: WithdrawalMethod


class SandboxPayoutProvider:
    name = "SANDBOX"

    def __init__(self) -> None:
        self.payouts: dict[str, SandboxPayout] = {}
        self.attempts = 0
        self._failures: deque[str] = deque()
        self._lost_answers = 0

    def fail_next(self, reason: str = DEFAULT_FAILURE, times: int = 1) -> None:
        """Refuse the next `times` payouts of keys not yet paid, with `reason`."""
        self._failures.extend([reason] * times)

    def lose_next_answer(self, times: int = 1) -> None:
        """Pay the next `times` new keys, then answer as if the connection had dropped."""
        self._lost_answers += times

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen for p in self.payouts.values())

    async def pay(self, request: PayoutRequest) -> PayoutResult:
        # No await in here: check and record happen in one step of the event loop.
        self.attempts += 1
        done = self.payouts.get(request.idempotency_key)
        if done is not None:
            if done.amount_fen != request.amount_fen:
                raise PayoutError("sandbox: idempotency key reused with another amount")
            return PayoutResult(done.reference)
        if request.amount_fen <= 0:
            raise PayoutError("sandbox: amount must be positive")
        _check_payee(request)
        if self._failures:
            raise PayoutError(self._failures.popleft())
        stamp = clock.to_shanghai(clock.now()).strftime("%Y%m%d")
        payout = SandboxPayout(
            reference=f"SBX{stamp}{secrets.token_hex(8).upper()}",
            amount_fen=request.amount_fen,
            method=request.method,
        )
        self.payouts[request.idempotency_key] = payout
        if self._lost_answers:
            self._lost_answers -= 1
            raise PayoutOutcomeUnknown("sandbox: the answer was lost")
        return PayoutResult(payout.reference)


def _check_payee(request: PayoutRequest) -> None:
    if request.method == WithdrawalMethod.WECHAT_BALANCE:
        complete = bool(request.openid)
    elif request.method == WithdrawalMethod.BANK:
        complete = bool(request.payee_name and request.bank_name and request.account)
    else:
        complete = bool(request.payee_name and request.account)
    if not complete:
        raise PayoutError("sandbox: payee details incomplete")
