"""Every business setting HQ can change at run time, with its type, bounds and SPEC default."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.notifications.catalogue import EVENTS, Channel, switch_key, template_key
from domain.notifications.templates import parse_mapping

_PAGE = re.compile(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+){0,7}")


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


@dataclass(frozen=True)
class PageSetting:
    """A mini-program page path as WeChat wants it for a 小程序码: `pages/x/index`, no leading
    slash, no query (parameters travel in the scene)."""

    key: str
    default: str
    description: str
    kind: str = "PAGE"

    def parse(self, raw: str) -> str:
        value = raw.strip()
        if not _PAGE.fullmatch(value):
            raise ValueError("a page path like pages/product/index (no leading /, no ?)")
        return value


@dataclass(frozen=True)
class TextSetting:
    """Short text (a WeChat scene id, a remark the payee sees), matching `pattern` in full."""

    key: str
    default: str
    max_length: int
    pattern: str
    description: str
    kind: str = "TEXT"

    def parse(self, raw: str) -> str:
        value = raw.strip()
        if not 0 < len(value) <= self.max_length:
            raise ValueError(f"1 to {self.max_length} characters")
        if not re.fullmatch(self.pattern, value) or re.search(r"[\x00-\x1f\x7f]", value):
            raise ValueError("not in the expected form")
        return value


@dataclass(frozen=True)
class TemplateSetting:
    """A subscription event mapped onto a WeChat template (domain/notifications/templates.py):
    stored as HQ wrote it, empty for none; checked against the values the event offers."""

    key: str
    offered: tuple[str, ...]
    description: str
    default: str = ""
    kind: str = "TEMPLATE"

    def parse(self, raw: str) -> str:
        mapping = parse_mapping(raw, self.offered)
        return "" if mapping is None else mapping.as_json()


_HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_MAX_HOSTS = 20


def host_name(text: str) -> str | None:
    """`text` as a lower-case DNS host name, or None when it is not one. IP addresses in any
    spelling (dotted, decimal, hex) are not host names: the last label must hold a letter."""
    host = text.strip().lower().rstrip(".")
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_HOST_LABEL.fullmatch(x) for x in labels):
        return None
    if not any(c.isalpha() for c in labels[-1]) or labels[-1].startswith("0x"):
        return None
    return host


@dataclass(frozen=True)
class HostListSetting:
    """Host names (comma-separated when set): e.g. where poster images may be fetched from.
    Exact names, no wildcards, no ports, no IP addresses; empty allows none."""

    key: str
    description: str
    default: tuple[str, ...] = ()
    kind: str = "HOSTS"

    def parse(self, raw: str) -> list[str]:
        hosts: list[str] = []
        for part in filter(None, (p.strip() for p in raw.split(","))):
            host = host_name(part)
            if host is None:
                raise ValueError(f"{part!r} is not a host name (no scheme, port or IP address)")
            if host not in hosts:
                hosts.append(host)
        if len(hosts) > _MAX_HOSTS:
            raise ValueError(f"at most {_MAX_HOSTS} hosts")
        return hosts


Definition = (
    IntSetting
    | BoolSetting
    | ChoiceSetting
    | PageSetting
    | TextSetting
    | TemplateSetting
    | HostListSetting
)

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
    # A fallback: WeChat notifies each final bill (and retries); finance's payWithdrawal asks
    # at once.
    ("poll_transfers", 3600, "查询未完结的微信转账单"),
    ("poll_refunds", 3600, "查询处理中的退款"),
    ("reconcile_bills", 3600, "下载微信支付账单并对账"),
    ("drain_outbox", 60, "发送出站消息（微信发货信息、订阅消息）"),
    ("guide_reminders", 24 * 3600, "生成导购提醒任务"),
    ("resume_task_batches", 3600, "续跑未完成的导购任务批次"),
    ("remind_expiring", 24 * 3600, "优惠券、积分即将过期提醒"),
    ("refresh_carriers", 86400, "刷新微信运力（快递公司）列表"),
    ("reconcile_shipping", 86400, "核对已发货订单与微信订单状态"),
)

# WeChat's transfer-bill report infos: `信息类型=信息内容` pairs separated by `;` (up to 5).
_REPORT_PAIR = r"[^=;]{1,32}=[^=;]{1,64}"
_REPORT_INFOS = rf"{_REPORT_PAIR}(;{_REPORT_PAIR}){{0,4}}"


def job_interval_key(job: str) -> str:
    """The setting holding a job's interval: `scheduler.cancel_unpaid_every_seconds`."""
    return f"scheduler.{job.replace('-', '_')}_every_seconds"


_ALL: tuple[Definition, ...] = (
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
    IntSetting("catalog.stock_display_lag_seconds", 5, 0, 300, "缓存商品页库存最长延迟（秒）"),
    IntSetting("order.payment_timeout_minutes", 30, 1, 1440, "未支付订单自动取消（分钟）"),
    IntSetting("order.auto_complete_days", 10, 1, 60, "发货后自动确认收货（天）"),
    IntSetting("order.shipping_fen", 1000, 0, 100_000, "运费（分）"),
    IntSetting("order.free_shipping_threshold_fen", 9900, 0, _MAX_FEN, "包邮门槛（分）"),
    ChoiceSetting("attribution.mode", "LAST_SHARE", ("LAST_SHARE", "RELATIONSHIP"), "订单归因方式"),
    IntSetting("attribution.window_hours", 168, 1, 24 * 90, "分享归因窗口（小时）"),
    IntSetting("points.max_deduct_bp", 5000, 0, 10_000, "积分最高抵扣比例（bp）"),
    IntSetting("points.valid_days", 365, 1, _DAY_LIMIT, "积分有效期（天）"),
    IntSetting("tier.review_months", 0, 0, 120, "等级复核周期（月，0 为关闭）"),
    IntSetting("coupon.welcome_template_id", 0, 0, _MAX_FEN, "新会员欢迎券模板（0 为关闭）"),
    IntSetting("coupon.new_customer_template_id", 0, 0, _MAX_FEN, "推广绑定新客券模板（0 为关闭）"),
    IntSetting("commission.max_share_bp", 4000, 0, 10_000, "单件佣金总额上限（bp）"),
    IntSetting("commission.freeze_days", 7, 0, 365, "佣金冻结期（天）"),
    IntSetting("withdraw.min_fen", 1000, 1, _MAX_FEN, "最低提现金额（分）"),
    IntSetting("withdraw.daily_max_count", 3, 1, 100, "每日提现次数上限"),
    IntSetting("withdraw.fee_bp", 0, 0, 10_000, "提现手续费（bp）"),
    TextSetting(
        "payout.transfer_scene_id",
        "1005",
        16,
        r"[0-9A-Za-z]+",
        "商家转账场景 ID（1005 佣金报酬）",
    ),
    TextSetting(
        "payout.transfer_scene_report_infos",
        "岗位类型=分销员;报酬说明=分销佣金提现",
        400,
        _REPORT_INFOS,
        "转账场景报备信息（类型=内容，分号分隔）",
    ),
    TextSetting("payout.transfer_remark", "佣金提现", 32, r".+", "转账备注（收款人可见）"),
    IntSetting(
        "payout.transfer_poll_after_minutes", 10, 1, 1440, "转账单未完结多久后主动查询（分钟）"
    ),
    IntSetting("refunds.poll_after_minutes", 10, 1, 1440, "退款处理中多久后主动查询（分钟）"),
    IntSetting("guide.coupon_expiring_days", 3, 1, 30, "导购提醒：优惠券到期前几天（天）"),
    IntSetting("guide.follow_up_credit_days", 7, 1, 90, "回访后多少天内的支付订单计入该回访（天）"),
    # 小程序码 (SPEC 18): the page each kind of code opens, and how WeChat makes it.
    PageSetting("wechat.page.product", "pages/product/index", "小程序码：商品页"),
    PageSetting("wechat.page.store", "pages/store/index", "小程序码：门店页（推广链接）"),
    PageSetting("wechat.page.home", "pages/index/index", "小程序码：首页"),
    PageSetting("wechat.page.campaign", "pages/campaign/index", "小程序码：活动页"),
    PageSetting("wechat.page.store_code", "pages/store/scan", "小程序码：门店码落地页"),
    BoolSetting("wechat.check_path", True, "小程序码：校验页面已发布"),
    ChoiceSetting(
        "wechat.env_version", "RELEASE", ("RELEASE", "TRIAL", "DEVELOP"), "小程序码：版本"
    ),
    BoolSetting(
        "wechat.shipping_management",
        False,
        "小程序发货信息管理：已发货订单在微信确认收货（或会员确认收货）后完成，自动完成等待微信结算",
    ),
    IntSetting("outbox.max_attempts", 12, 1, 100, "出站消息最多尝试次数（之后进入死信）"),
    IntSetting(
        "outbox.retry_base_seconds",
        30,
        1,
        3600,
        "出站消息重试间隔起点（秒，逐次翻倍，最长 1 小时）",
    ),
    # Notifications (SPEC 19): each event on or off on its channel, subscription templates,
    # quiet hours (Asia/Shanghai; a subscription message due inside them waits for their end).
    *(
        BoolSetting(switch_key(event), True, f"通知开关：{spec.description}")
        for event, spec in EVENTS.items()
    ),
    *(
        TemplateSetting(template_key(event), spec.values, f"订阅消息模板：{spec.description}")
        for event, spec in EVENTS.items()
        if spec.channel == Channel.WECHAT
    ),
    IntSetting("notify.quiet_from_hour", 22, 0, 23, "订阅消息免打扰开始（时，北京时间）"),
    IntSetting("notify.quiet_until_hour", 8, 0, 23, "订阅消息免打扰结束（时，北京时间）"),
    # Share posters (SPEC 18): product images and avatars are fetched only from these hosts.
    HostListSetting("poster.image_hosts", "海报图片允许的来源域名（逗号分隔，仅 https）"),
    *(
        IntSetting(job_interval_key(job), seconds, 1, _WEEK_SECONDS, f"定时任务间隔（秒）：{what}")
        for job, seconds, what in _JOB_INTERVALS
    ),
)

DEFINITIONS: dict[str, Definition] = {d.key: d for d in _ALL}
