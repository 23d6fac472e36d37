"""Payment providers (SANDBOX, WECHAT_PAY_V3) and the verification of their notifications.

The core (domain.payments) only knows the `PaymentProvider` protocol; this package speaks the
providers' wire protocols and is wired in by the composition root (api/app.py).
"""
