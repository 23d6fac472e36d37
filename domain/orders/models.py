"""Orders, their items and refunds (SPEC 8). Every amount is fen, and items keep what they paid."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    CLOSED = "CLOSED"


class Fulfilment(StrEnum):
    DELIVERY = "DELIVERY"
    PICKUP = "PICKUP"


class OrderChannel(StrEnum):
    MINI_PROGRAM = "MINI_PROGRAM"
    SHARE_LINK = "SHARE_LINK"
    GUIDE_ASSISTED = "GUIDE_ASSISTED"
    STORE_QR = "STORE_QR"
    CAMPAIGN = "CAMPAIGN"


class Order(Model):
    """`attribution` is the immutable snapshot of SPEC 8.4, the columns beside it are its keys
    that reports group by."""

    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=24, unique=True)
    member = fields.ForeignKeyField("models.Member", related_name="orders")
    status = fields.CharEnumField(OrderStatus, max_length=16, default=OrderStatus.PENDING_PAYMENT)
    fulfilment = fields.CharEnumField(Fulfilment, max_length=8)
    address = fields.JSONField(null=True)
    pickup_store_id = fields.BigIntField(null=True)
    pickup_code = fields.CharField(max_length=8, null=True)
    goods_fen = fields.BigIntField()
    tier_discount_fen = fields.BigIntField(default=0)
    coupon_discount_fen = fields.BigIntField(default=0)
    points_used = fields.BigIntField(default=0)
    shipping_fen = fields.BigIntField(default=0)
    payable_fen = fields.BigIntField()
    coupon_id = fields.BigIntField(null=True)
    idempotency_key = fields.CharField(max_length=64)
    request_hash = fields.CharField(max_length=64)
    channel = fields.CharEnumField(OrderChannel, max_length=16, default=OrderChannel.MINI_PROGRAM)
    placed_by_staff_id = fields.BigIntField(null=True)
    share_code = fields.CharField(max_length=32, null=True)
    service_store_id = fields.BigIntField(null=True)
    service_guide_id = fields.BigIntField(null=True)
    level1_distributor_id = fields.BigIntField(null=True, db_index=True)
    level2_distributor_id = fields.BigIntField(null=True, db_index=True)
    share_link_id = fields.BigIntField(null=True, db_index=True)
    commission_capped = fields.BooleanField(
        default=False, description="Commission rules exceeded the cap and were scaled down."
    )
    attribution = fields.JSONField(default=dict)
    carrier = fields.CharField(max_length=32, null=True)
    tracking_number = fields.CharField(max_length=64, null=True)
    cancel_reason = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    pay_deadline = fields.DatetimeField()
    paid_at = fields.DatetimeField(null=True)
    shipped_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "order"
        unique_together = (("member", "idempotency_key"),)
        indexes = (
            Index(fields=("member_id", "created_at", "id"), name="order_member_created"),
            Index(fields=("status", "pay_deadline"), name="order_status_deadline"),
            Index(fields=("status", "shipped_at"), name="order_status_shipped"),
            Index(fields=("service_store_id", "created_at"), name="order_store_created"),
            # HQ's capped-commission review (`orders(commissionCapped: true)`), newest first:
            # capped orders are rare, so without it a page would walk every order.
            Index(fields=("commission_capped", "created_at", "id"), name="order_capped_created"),
            # Reports, covering: orders paid in a period by store, guide and level 1 (sales,
            # rankings), and orders placed in a period through share links (the funnel).
            Index(
                fields=(
                    "paid_at",
                    "service_store_id",
                    "service_guide_id",
                    "level1_distributor_id",
                    "member_id",
                    "payable_fen",
                ),
                name="order_paid",
            ),
            Index(
                fields=("created_at", "share_link_id", "paid_at", "payable_fen"),
                name="order_created",
            ),
        )


class OrderItem(Model):
    """Snapshots of what was bought and how each discount fell on it. `paid_fen` (shipping
    excluded) is the base for commission, growth and points."""

    id = fields.BigIntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="items")
    line = fields.IntField()
    sku_id = fields.BigIntField()
    product_id = fields.BigIntField()
    category_id = fields.BigIntField()
    title = fields.CharField(max_length=120)
    specs = fields.JSONField(default=dict)
    commission_enabled = fields.BooleanField()
    unit_price_fen = fields.BigIntField()
    quantity = fields.IntField()
    amount_fen = fields.BigIntField()
    tier_discount_fen = fields.BigIntField(default=0)
    coupon_discount_fen = fields.BigIntField(default=0)
    points_discount_fen = fields.BigIntField(default=0)
    paid_fen = fields.BigIntField()
    refunded_fen = fields.BigIntField(default=0)
    restocked_quantity = fields.IntField(default=0)
    refund_open = fields.BooleanField(default=False)

    class Meta:
        table = "order_item"
        unique_together = (("order", "line"),)


class RefundStatus(StrEnum):
    """REQUESTED → REJECTED, or approved → PROCESSING (the provider has it) → REFUNDED (the
    provider's SUCCESS: the money left, reversals applied), or ABNORMAL / CLOSED (finance acts:
    `domain.orders.refunds.resolve`)."""

    REQUESTED = "REQUESTED"
    REJECTED = "REJECTED"
    PROCESSING = "PROCESSING"
    REFUNDED = "REFUNDED"
    ABNORMAL = "ABNORMAL"
    CLOSED = "CLOSED"
    # Approved on condition the goods come back (退货退款): the member records how they send
    # them, the store confirms receipt, then the money goes back as after any approval.
    AWAITING_RETURN = "AWAITING_RETURN"


class ReturnMethod(StrEnum):
    """How the member sends the goods of a return-and-refund back."""

    EXPRESS = "EXPRESS"
    STORE = "STORE"


class RefundResolution(StrEnum):
    """What finance did about an ABNORMAL or CLOSED refund."""

    REFUNDED_OFFLINE = "REFUNDED_OFFLINE"
    RETRIED = "RETRIED"
    ABANDONED = "ABANDONED"


class Refund(Model):
    """An after-sale request on one item. At most one open request per item at a time."""

    id = fields.BigIntField(primary_key=True)
    order = fields.ForeignKeyField("models.Order", related_name="refunds")
    item = fields.ForeignKeyField("models.OrderItem", related_name="refunds")
    amount_fen = fields.BigIntField()
    # The member's words; empty when a reason code says it all.
    reason = fields.CharField(max_length=200)
    # The code of the HQ-edited reason (RefundReason) chosen; null for a free-text-only request.
    reason_code = fields.CharField(max_length=32, null=True)
    # Who started it when staff refunded on their own (stock-out, cancellation): "staff:<id>".
    # Null for a member's request.
    initiated_by = fields.CharField(max_length=64, null=True)
    # Return-and-refund: how the member sends the goods back, and the store's receipt.
    return_method = fields.CharEnumField(ReturnMethod, max_length=8, null=True)
    return_carrier = fields.CharField(max_length=32, null=True)
    return_tracking_number = fields.CharField(max_length=40, null=True)
    return_recorded_at = fields.DatetimeField(null=True)
    return_received_by = fields.CharField(max_length=64, null=True)
    return_received_at = fields.DatetimeField(null=True)
    status = fields.CharEnumField(RefundStatus, max_length=16, default=RefundStatus.REQUESTED)
    out_refund_no = fields.CharField(max_length=32, unique=True)
    reviewed_by = fields.CharField(max_length=64, null=True)
    review_note = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    reviewed_at = fields.DatetimeField(null=True)
    # When the provider was last asked to refund (the poller waits refunds.poll_after_minutes).
    submitted_at = fields.DatetimeField(null=True)
    provider_refund_id = fields.CharField(max_length=64, null=True)
    # When the provider's final state (SUCCESS, ABNORMAL, CLOSED) was recorded.
    finished_at = fields.DatetimeField(null=True)
    resolution = fields.CharEnumField(RefundResolution, max_length=16, null=True)
    resolved_by = fields.CharField(max_length=64, null=True)
    resolution_note = fields.CharField(max_length=200, null=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund"
        indexes = (("status", "submitted_at"),)


class RefundReason(Model):
    """A reason a member can pick when asking for a refund (退款原因), edited by HQ. Reasons are
    never deleted (refunds keep their code): an inactive one is no longer offered."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    text_zh = fields.CharField(max_length=60)
    text_en = fields.CharField(max_length=120)
    position = fields.IntField(default=0)
    active = fields.BooleanField(default=True)
    updated_by = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "refund_reason"
