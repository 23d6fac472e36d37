"""Shipping's tables: WeChat's delivery companies (cached for `shipOrder`'s checks) and what
WeChat says of each shipped order's payment (its settlement)."""

from tortoise import fields
from tortoise.models import Model


class DeliveryCompany(Model):
    """One of WeChat's delivery companies (运力): `delivery_id` is what an upload names as
    `express_company`. The whole table is replaced by each refresh (`refreshed_at`)."""

    delivery_id = fields.CharField(max_length=64, primary_key=True)
    name = fields.CharField(max_length=120)
    refreshed_at = fields.DatetimeField()

    class Meta:
        table = "delivery_company"


class WechatOrderState(Model):
    """What WeChat's shipping management says of an order's payment, once it has said anything:
    `settled_at` when the buyer's confirm-receipt / settlement reached siyu (push or
    reconcile), `order_state` as the reconcile last saw it (1 待发货, 2 已发货, 3 确认收货,
    4 交易完成, 5 已退款, 6 资金待结算) and when."""

    order_id = fields.BigIntField(primary_key=True, generated=False)
    settled_at = fields.DatetimeField(null=True)
    order_state = fields.SmallIntField(null=True)
    checked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "wechat_order_state"
