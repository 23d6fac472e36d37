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


class BillKind(StrEnum):
    TRADE = "TRADE"
    FUND_FLOW = "FUND_FLOW"


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class ReconciliationRun(Model):
    """One provider's bill of one day, reconciled once (unique): the claim two processes race
    for, and what came of it."""

    id = fields.BigIntField(primary_key=True)
    provider = fields.CharField(max_length=16)
    bill_date = fields.DateField()
    kind = fields.CharEnumField(BillKind, max_length=10)
    status = fields.CharEnumField(RunStatus, max_length=8, default=RunStatus.RUNNING)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    lines = fields.IntField(default=0)
    differences = fields.IntField(default=0)
    # Fund-flow bills: income and expense in fen, as the bill lists them.
    income_fen = fields.BigIntField(default=0)
    expense_fen = fields.BigIntField(default=0)
    failure = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "reconciliation_run"
        unique_together = (("provider", "bill_date", "kind"),)


class BillSubject(StrEnum):
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    TOTAL = "TOTAL"


class BillLine(Model):
    """A trade bill's line while its run compares it (deleted when the run is done): the bill
    is streamed into here so that the comparison is SQL, in constant memory."""

    id = fields.BigIntField(primary_key=True)
    run = fields.ForeignKeyField("models.ReconciliationRun", related_name="bill_lines")
    subject = fields.CharEnumField(BillSubject, max_length=8)
    reference = fields.CharField(max_length=64)
    out_trade_no = fields.CharField(max_length=32)
    amount_fen = fields.BigIntField()
    state = fields.CharField(max_length=16)

    class Meta:
        table = "bill_line"
        indexes = (("run_id", "subject", "reference"),)


class DifferenceKind(StrEnum):
    MISSING_IN_SIYU = "MISSING_IN_SIYU"
    MISSING_IN_BILL = "MISSING_IN_BILL"
    AMOUNT = "AMOUNT"
    STATE = "STATE"


class ReconciliationDifference(Model):
    """One thing the bill and siyu disagree on, for finance to look into and resolve with a
    note (who and when are kept)."""

    id = fields.BigIntField(primary_key=True)
    run = fields.ForeignKeyField("models.ReconciliationRun", related_name="found")
    bill_date = fields.DateField()
    kind = fields.CharEnumField(DifferenceKind, max_length=16)
    subject = fields.CharEnumField(BillSubject, max_length=8)
    reference = fields.CharField(max_length=64)
    siyu_fen = fields.BigIntField(null=True)
    bill_fen = fields.BigIntField(null=True)
    siyu_state = fields.CharField(max_length=16, null=True)
    bill_state = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField()
    resolved_by = fields.CharField(max_length=64, null=True)
    resolution_note = fields.CharField(max_length=200, null=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reconciliation_difference"
        indexes = (("resolved_at", "id"),)
