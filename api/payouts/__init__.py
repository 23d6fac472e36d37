"""Payout providers for withdrawals (the protocol is distribution/payouts.py).

- SANDBOX (`sandbox.py`): local use and tests; pays nobody, keeps idempotency, fails on demand.
  Refused in production.
- MANUAL (`manual.py`): finance transfers the money by hand (bank or Alipay app) and
  `payWithdrawal` records it as paid.

There is no automatic WeChat transfer (商家转账到零钱) provider yet: it is not needed now. It
would implement `PayoutProvider.pay` with the withdrawal id as `out_bill_no`, mapping a definite
refusal to PayoutError and a timeout or 5xx to PayoutOutcomeUnknown.
"""
