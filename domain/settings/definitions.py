"""Every business setting HQ can change at run time, with its type, bounds and SPEC default."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntSetting:
    key: str
    default: int
    minimum: int
    maximum: int
    description: str
    kind: str = "INT"

    def parse(self, raw: str) -> int:
        value = int(raw.strip())
        if not self.minimum <= value <= self.maximum:
            raise ValueError(f"between {self.minimum} and {self.maximum}")
        return value


@dataclass(frozen=True)
class BoolSetting:
    key: str
    default: bool
    description: str
    kind: str = "BOOL"

    def parse(self, raw: str) -> bool:
        text = raw.strip().lower()
        if text not in ("true", "false"):
            raise ValueError("true or false")
        return text == "true"


@dataclass(frozen=True)
class ChoiceSetting:
    key: str
    default: str
    choices: tuple[str, ...]
    description: str
    kind: str = "CHOICE"

    def parse(self, raw: str) -> str:
        value = raw.strip().upper()
        if value not in self.choices:
            raise ValueError("one of " + ", ".join(self.choices))
        return value


Definition = IntSetting | BoolSetting | ChoiceSetting

_MAX_FEN = 10**12
_DAY_LIMIT = 3650
_WEEK_SECONDS = 7 * 24 * 3600

# How often `siyu serve`'s scheduler runs each periodic job (api/jobs.py; `-` becomes `_` in
# the key). Seconds, so a test or a busy shop can go below a minute.
_JOB_INTERVALS = (
    ("cancel_unpaid", 60, "取消超时未支付订单"),
    ("auto_complete", 600, "发货后自动确认收货"),
    ("settle_commission", 24 * 3600, "佣金结算"),
    ("expire_points", 3600, "积分过期"),
    ("expire_coupons", 3600, "优惠券过期"),
    ("review_tiers", 24 * 3600, "会员等级复核"),
    ("refresh_tags", 24 * 3600, "刷新会员标签"),
    ("poll_refunds", 3600, "查询处理中的退款"),
    ("reconcile_bills", 3600, "下载微信支付账单并对账"),
)


def job_interval_key(job: str) -> str:
    """The setting holding a job's interval: `scheduler.cancel_unpaid_every_seconds`."""
    return f"scheduler.{job.replace('-', '_')}_every_seconds"


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in (
        IntSetting("service.protection_days", 90, 0, _DAY_LIMIT, "服务关系保护期（天）"),
        ChoiceSetting(
            "referral.bind_mode", "FIRST_TOUCH", ("FIRST_TOUCH", "LAST_TOUCH"), "推广关系绑定方式"
        ),
        IntSetting("referral.bind_days", 30, 0, _DAY_LIMIT, "推广关系有效期（天，0 为永久）"),
        BoolSetting("referral.new_members_only", False, "仅新会员可被绑定"),
        ChoiceSetting(
            "distribution.enrollment", "APPLY", ("APPLY", "OPEN", "THRESHOLD"), "分销员招募方式"
        ),
        IntSetting("distribution.threshold_fen", 100_000, 0, _MAX_FEN, "自动成为分销员的消费门槛"),
        IntSetting("distribution.levels", 2, 1, 2, "分销层级（法规上限 2 级）"),
        BoolSetting("distribution.self_purchase", False, "自购返佣"),
        IntSetting("order.payment_timeout_minutes", 30, 1, 1440, "未支付订单自动取消（分钟）"),
        IntSetting("order.auto_complete_days", 10, 1, 60, "发货后自动确认收货（天）"),
        IntSetting("order.shipping_fen", 1000, 0, 100_000, "运费（分）"),
        IntSetting("order.free_shipping_threshold_fen", 9900, 0, _MAX_FEN, "包邮门槛（分）"),
        ChoiceSetting(
            "attribution.mode", "LAST_SHARE", ("LAST_SHARE", "RELATIONSHIP"), "订单归因方式"
        ),
        IntSetting("attribution.window_hours", 168, 1, 24 * 90, "分享归因窗口（小时）"),
        IntSetting("points.max_deduct_bp", 5000, 0, 10_000, "积分最高抵扣比例（bp）"),
        IntSetting("points.valid_days", 365, 1, _DAY_LIMIT, "积分有效期（天）"),
        IntSetting("tier.review_months", 0, 0, 120, "等级复核周期（月，0 为关闭）"),
        IntSetting("coupon.welcome_template_id", 0, 0, _MAX_FEN, "新会员欢迎券模板（0 为关闭）"),
        IntSetting(
            "coupon.new_customer_template_id", 0, 0, _MAX_FEN, "推广绑定新客券模板（0 为关闭）"
        ),
        IntSetting("commission.max_share_bp", 4000, 0, 10_000, "单件佣金总额上限（bp）"),
        IntSetting("commission.freeze_days", 7, 0, 365, "佣金冻结期（天）"),
        IntSetting("withdraw.min_fen", 1000, 1, _MAX_FEN, "最低提现金额（分）"),
        IntSetting("withdraw.daily_max_count", 3, 1, 100, "每日提现次数上限"),
        IntSetting("withdraw.fee_bp", 0, 0, 10_000, "提现手续费（bp）"),
        IntSetting("refunds.poll_after_minutes", 10, 1, 1440, "退款处理中多久后主动查询（分钟）"),
        *(
            IntSetting(
                job_interval_key(job), seconds, 1, _WEEK_SECONDS, f"定时任务间隔（秒）：{what}"
            )
            for job, seconds, what in _JOB_INTERVALS
        ),
    )
}
