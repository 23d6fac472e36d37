"""Payout providers for withdrawals (the protocols are distribution/payouts.py).

- SANDBOX (`sandbox.py`): local use and tests; pays nobody, keeps idempotency, fails on demand.
  Refused in production.
- MANUAL (`manual.py`): finance transfers the money by hand (bank or Alipay app) and
  `payWithdrawal` records it as paid.
- WECHAT_TRANSFER (`wechat_transfer.py`, WECHAT_TRANSFER_PAYOUTS=on): WECHAT_BALANCE
  withdrawals by WeChat Pay transfer bills (商家转账), which the payee confirms in the
  mini-program; results by notification (api/rest/payouts.py) and by the poll-transfers job.
"""
