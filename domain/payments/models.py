"""Payment attempts of orders. Only one attempt can pay an order (compare-and-set on the order)."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    CLOSED = "CLOSED"


class Payment(Model):
    id = fields.BigIntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="payments")
    provider = fields.CharField(max_length=16)
    out_trade_no = fields.CharField(max_length=32, unique=True)
    amount_fen = fields.BigIntField()
    status = fields.CharEnumField(PaymentStatus, max_length=10, default=PaymentStatus.PENDING)
    transaction_id = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    paid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "payment"


class PaymentNotification(Model):
    """Every notification received, accepted or refused, for audit (no personal data in it)."""

    id = fields.BigIntField(primary_key=True)
    provider = fields.CharField(max_length=16)
    out_trade_no = fields.CharField(max_length=32, null=True)
    outcome = fields.CharField(max_length=24)
    detail = fields.CharField(max_length=200, default="")
    received_at = fields.DatetimeField()

    class Meta:
        table = "payment_notification"
