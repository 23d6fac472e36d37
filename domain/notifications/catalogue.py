"""Every notification event of SPEC 19: its channel and the values it offers to a template.

HQ maps a subscription event's values onto a WeChat template's keys (settings
`notify.template.<event>`); an inbox event is worded here. Each event is switched on or off per
channel (`notify.<channel>.<event>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.notifications.models import NoticeKind


class Channel(StrEnum):
    WECHAT = "wechat"  # a mini-program subscription message
    INBOX = "inbox"  # the staff inbox of the admin API


class NotifyEvent(StrEnum):
    # Members
    ORDER_PAID = "order_paid"
    ORDER_SHIPPED = "order_shipped"
    PICKUP_READY = "pickup_ready"
    REFUND_RESULT = "refund_result"
    COUPON_EXPIRING = "coupon_expiring"
    POINTS_EXPIRING = "points_expiring"
    # Distributors
    COMMISSION_NEW = "commission_new"
    COMMISSION_SETTLED = "commission_settled"
    WITHDRAWAL_PAID = "withdrawal_paid"
    WITHDRAWAL_FAILED = "withdrawal_failed"
    WITHDRAWAL_AWAITING = "withdrawal_awaiting"
    CUSTOMER_BOUND = "customer_bound"
    # Staff inbox
    REFUND_REQUESTED = "refund_requested"
    WITHDRAWAL_REVIEW = "withdrawal_review"
    DISTRIBUTOR_APPLICATION = "distributor_application"
    JOB_FAILED = "job_failed"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class EventSpec:
    channel: Channel
    description: str
    # Subscription events: the values a template's keys may show.
    values: tuple[str, ...] = ()
    # Inbox events: the kind of notice.
    kind: NoticeKind | None = None


E = NotifyEvent
_W = Channel.WECHAT

EVENTS: dict[NotifyEvent, EventSpec] = {
    E.ORDER_PAID: EventSpec(_W, "订单支付成功", ("order_no", "product", "amount", "paid_at")),
    E.ORDER_SHIPPED: EventSpec(
        _W, "订单已发货", ("order_no", "product", "carrier", "tracking_no", "shipped_at")
    ),
    E.PICKUP_READY: EventSpec(
        _W, "订单待自提", ("order_no", "product", "store", "pickup_code", "ready_at")
    ),
    E.REFUND_RESULT: EventSpec(
        _W, "退款结果", ("order_no", "product", "amount", "result", "decided_at")
    ),
    E.COUPON_EXPIRING: EventSpec(_W, "优惠券即将过期", ("coupon", "expires_at")),
    E.POINTS_EXPIRING: EventSpec(_W, "积分即将过期", ("points", "expires_at")),
    E.COMMISSION_NEW: EventSpec(
        _W, "新订单佣金", ("order_no", "buyer", "order_amount", "amount", "paid_at")
    ),
    E.COMMISSION_SETTLED: EventSpec(_W, "佣金已结算", ("order_no", "amount", "settled_at")),
    E.WITHDRAWAL_PAID: EventSpec(_W, "提现已到账", ("withdrawal_no", "amount", "at")),
    E.WITHDRAWAL_FAILED: EventSpec(_W, "提现失败", ("withdrawal_no", "amount", "reason", "at")),
    E.WITHDRAWAL_AWAITING: EventSpec(_W, "提现待确认收款", ("withdrawal_no", "amount", "at")),
    E.CUSTOMER_BOUND: EventSpec(_W, "新客户绑定", ("customer", "bound_at")),
    E.REFUND_REQUESTED: EventSpec(
        Channel.INBOX, "退款申请待审核（门店店长）", kind=NoticeKind.REFUND_REQUESTED
    ),
    E.WITHDRAWAL_REVIEW: EventSpec(
        Channel.INBOX, "提现待审核（财务）", kind=NoticeKind.WITHDRAWAL_REVIEW
    ),
    E.DISTRIBUTOR_APPLICATION: EventSpec(
        Channel.INBOX, "分销员申请待审核（运营）", kind=NoticeKind.DISTRIBUTOR_APPLICATION
    ),
    E.JOB_FAILED: EventSpec(Channel.INBOX, "定时任务失败（管理员）", kind=NoticeKind.JOB_FAILED),
    E.DEAD_LETTER: EventSpec(
        Channel.INBOX, "出站消息发送失败（管理员）", kind=NoticeKind.DEAD_LETTER
    ),
}


def switch_key(event: NotifyEvent) -> str:
    """The setting that turns the event on or off on its channel."""
    return f"notify.{EVENTS[event].channel.value}.{event.value}"


def template_key(event: NotifyEvent) -> str:
    """The setting mapping a subscription event onto a WeChat template."""
    return f"notify.template.{event.value}"
