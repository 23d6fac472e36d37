"""Business errors as data: one table of codes with their Chinese and English messages.

Services raise `DomainError`; the GraphQL layer turns it into a `UserError` in the payload.
Messages never carry personal data (phones, bank accounts, tokens).
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    INVALID_TEXT = "INVALID_TEXT"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    INVALID_ID = "INVALID_ID"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INVALID_STATE = "INVALID_STATE"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    INVALID_LOGIN_CODE = "INVALID_LOGIN_CODE"
    CHANNEL_NOT_ALLOWED = "CHANNEL_NOT_ALLOWED"
    LOGIN_PROVIDER_UNAVAILABLE = "LOGIN_PROVIDER_UNAVAILABLE"
    INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
    INVALID_PHONE = "INVALID_PHONE"
    UNKNOWN_SETTING = "UNKNOWN_SETTING"
    INVALID_SETTING = "INVALID_SETTING"
    CATEGORY_DEPTH = "CATEGORY_DEPTH"
    STORE_REQUIRED = "STORE_REQUIRED"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    NOT_ON_SALE = "NOT_ON_SALE"
    ORDER_EXPIRED = "ORDER_EXPIRED"
    AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
    PAYMENT_FAILED = "PAYMENT_FAILED"
    REFUND_FAILED = "REFUND_FAILED"
    REFUND_EXCEEDS_PAID = "REFUND_EXCEEDS_PAID"
    AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE"
    REFUND_IN_PROGRESS = "REFUND_IN_PROGRESS"
    UNKNOWN_REFUND_REASON = "UNKNOWN_REFUND_REASON"
    RETURN_NOT_REQUESTED = "RETURN_NOT_REQUESTED"
    RETURN_ALREADY_RECORDED = "RETURN_ALREADY_RECORDED"
    INVALID_PICKUP_CODE = "INVALID_PICKUP_CODE"
    NOT_A_DISTRIBUTOR = "NOT_A_DISTRIBUTOR"
    ALREADY_DISTRIBUTOR = "ALREADY_DISTRIBUTOR"
    APPLICATION_PENDING = "APPLICATION_PENDING"
    ENROLLMENT_CLOSED = "ENROLLMENT_CLOSED"
    DISTRIBUTOR_INACTIVE = "DISTRIBUTOR_INACTIVE"
    INVALID_SHARE_CODE = "INVALID_SHARE_CODE"
    INVALID_RULE = "INVALID_RULE"
    WITHDRAWAL_BELOW_MINIMUM = "WITHDRAWAL_BELOW_MINIMUM"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    NEGATIVE_BALANCE = "NEGATIVE_BALANCE"
    DAILY_WITHDRAWAL_LIMIT = "DAILY_WITHDRAWAL_LIMIT"
    PAYOUT_FAILED = "PAYOUT_FAILED"
    PAYEE_REAL_NAME_REQUIRED = "PAYEE_REAL_NAME_REQUIRED"
    COUPON_UNAVAILABLE = "COUPON_UNAVAILABLE"
    COUPON_NOT_APPLICABLE = "COUPON_NOT_APPLICABLE"
    COUPON_THRESHOLD_NOT_MET = "COUPON_THRESHOLD_NOT_MET"
    COUPON_OUT_OF_STOCK = "COUPON_OUT_OF_STOCK"
    COUPON_LIMIT_REACHED = "COUPON_LIMIT_REACHED"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    POINTS_OVER_LIMIT = "POINTS_OVER_LIMIT"
    INVALID_RANGE = "INVALID_RANGE"
    UNKNOWN_TAG = "UNKNOWN_TAG"
    UNKNOWN_TIER = "UNKNOWN_TIER"
    INVALID_PERIOD = "INVALID_PERIOD"
    INVALID_TARGET_MONTH = "INVALID_TARGET_MONTH"
    CART_FULL = "CART_FULL"
    ADDRESS_BOOK_FULL = "ADDRESS_BOOK_FULL"
    GUIDE_COUPON_QUOTA_REACHED = "GUIDE_COUPON_QUOTA_REACHED"
    REFERRAL_SELF = "REFERRAL_SELF"
    REFERRAL_CYCLE = "REFERRAL_CYCLE"
    REFERRAL_CHANGED = "REFERRAL_CHANGED"
    FOLLOW_UP_LOCKED = "FOLLOW_UP_LOCKED"
    NOT_FOLLOW_UP_AUTHOR = "NOT_FOLLOW_UP_AUTHOR"
    POSTER_BOX_OUTSIDE = "POSTER_BOX_OUTSIDE"
    IMAGE_HOST_NOT_ALLOWED = "IMAGE_HOST_NOT_ALLOWED"
    IMAGE_INVALID = "IMAGE_INVALID"
    IMAGE_UNAVAILABLE = "IMAGE_UNAVAILABLE"


MESSAGES: dict[ErrorCode, tuple[str, str]] = {
    ErrorCode.INVALID: ("输入无效", "The input is invalid."),
    ErrorCode.REQUIRED: ("必填项不能为空", "This field is required."),
    ErrorCode.TOO_LONG: ("输入过长", "The input is too long."),
    ErrorCode.INVALID_TEXT: (
        "包含不允许的字符（控制字符或文字方向字符）",
        "The text contains characters that are not allowed (control or direction characters).",
    ),
    ErrorCode.OUT_OF_RANGE: ("数值超出允许范围", "The value is out of the allowed range."),
    ErrorCode.INVALID_ID: ("ID 无效", "The ID is invalid."),
    ErrorCode.NOT_FOUND: ("未找到", "Not found."),
    ErrorCode.DUPLICATE: ("已存在", "It already exists."),
    ErrorCode.INVALID_STATE: ("当前状态不允许此操作", "This is not allowed in the current state."),
    ErrorCode.INVALID_CREDENTIALS: ("用户名或密码错误", "Wrong username or password."),
    ErrorCode.ACCOUNT_LOCKED: (
        "登录失败次数过多，请 15 分钟后再试",
        "Too many failed logins; try again in 15 minutes.",
    ),
    ErrorCode.INVALID_LOGIN_CODE: ("登录凭证无效或已过期", "The login code is invalid or expired."),
    ErrorCode.CHANNEL_NOT_ALLOWED: (
        "该来源渠道只能由门店员工登记",
        "Only store staff may record this acquisition channel.",
    ),
    ErrorCode.LOGIN_PROVIDER_UNAVAILABLE: (
        "登录服务暂不可用，请稍后再试",
        "The login service is unavailable; try again later.",
    ),
    ErrorCode.INVALID_REFRESH_TOKEN: (
        "登录已失效，请重新登录",
        "The session has expired; please log in again.",
    ),
    ErrorCode.INVALID_PHONE: ("手机号无效", "The phone number is invalid."),
    ErrorCode.UNKNOWN_SETTING: ("未知的设置项", "Unknown setting."),
    ErrorCode.INVALID_SETTING: ("设置值无效", "The setting value is invalid."),
    ErrorCode.CATEGORY_DEPTH: ("分类最多两级", "Categories have at most two levels."),
    ErrorCode.STORE_REQUIRED: ("门店角色必须指定门店", "A store role needs a store."),
    ErrorCode.IDEMPOTENCY_CONFLICT: (
        "相同的幂等键已用于不同的请求",
        "This idempotency key was used for a different request.",
    ),
    ErrorCode.INSUFFICIENT_STOCK: ("库存不足", "Not enough stock."),
    ErrorCode.NOT_ON_SALE: ("商品未在售", "The product is not on sale."),
    ErrorCode.ORDER_EXPIRED: ("订单已超时", "The order's payment time is over."),
    ErrorCode.AMOUNT_MISMATCH: ("金额不一致", "The amount does not match."),
    ErrorCode.PAYMENT_FAILED: ("支付下单失败，请稍后再试", "Payment could not start; try again."),
    ErrorCode.REFUND_FAILED: ("退款失败，请稍后再试", "The refund failed; try again later."),
    ErrorCode.REFUND_EXCEEDS_PAID: (
        "退款金额超过可退金额",
        "The refund exceeds what is left to refund.",
    ),
    ErrorCode.AMOUNT_NOT_POSITIVE: ("金额必须大于 0", "The amount must be greater than zero."),
    ErrorCode.REFUND_IN_PROGRESS: (
        "该商品已有退款申请在处理中",
        "A refund is already in progress.",
    ),
    ErrorCode.UNKNOWN_REFUND_REASON: (
        "请选择有效的退款原因",
        "Choose one of the offered refund reasons.",
    ),
    ErrorCode.RETURN_NOT_REQUESTED: (
        "该退款无需退货",
        "This refund is not waiting for a return.",
    ),
    ErrorCode.RETURN_ALREADY_RECORDED: (
        "退货信息已提交",
        "The return has already been recorded.",
    ),
    ErrorCode.INVALID_PICKUP_CODE: ("提货码无效", "The pickup code is invalid."),
    ErrorCode.NOT_A_DISTRIBUTOR: ("您还不是分销员", "You are not a distributor."),
    ErrorCode.ALREADY_DISTRIBUTOR: ("已经是分销员", "Already a distributor."),
    ErrorCode.APPLICATION_PENDING: ("申请正在审核中", "An application is already under review."),
    ErrorCode.ENROLLMENT_CLOSED: (
        "当前未开放申请或未达到条件",
        "Enrollment is not open, or its condition is not met.",
    ),
    ErrorCode.DISTRIBUTOR_INACTIVE: (
        "分销员已冻结或停用",
        "The distributor is frozen or disabled.",
    ),
    ErrorCode.INVALID_SHARE_CODE: ("推广码无效", "The share code is invalid."),
    ErrorCode.INVALID_RULE: ("佣金规则无效", "The commission rule is invalid."),
    ErrorCode.WITHDRAWAL_BELOW_MINIMUM: ("低于最低提现金额", "Below the minimum withdrawal."),
    ErrorCode.INSUFFICIENT_BALANCE: ("可提现余额不足", "Not enough available balance."),
    ErrorCode.NEGATIVE_BALANCE: (
        "账户有待抵扣的退款佣金，暂不可提现",
        "A negative balance must be covered before withdrawing.",
    ),
    ErrorCode.DAILY_WITHDRAWAL_LIMIT: (
        "今日提现次数已达上限",
        "The daily number of withdrawals is reached.",
    ),
    ErrorCode.PAYOUT_FAILED: ("打款失败", "The payout failed."),
    ErrorCode.PAYEE_REAL_NAME_REQUIRED: (
        "提现 2000 元及以上需先填写收款人真实姓名",
        "A payout of 2000 yuan or more needs the payee's real name first.",
    ),
    ErrorCode.COUPON_UNAVAILABLE: (
        "优惠券不可用（已使用、已锁定、已过期或未到使用时间）",
        "The coupon cannot be used (used, locked, expired or not yet valid).",
    ),
    ErrorCode.COUPON_NOT_APPLICABLE: (
        "订单中没有适用该优惠券的商品",
        "No item of the order is covered by the coupon.",
    ),
    ErrorCode.COUPON_THRESHOLD_NOT_MET: (
        "未达到优惠券使用门槛",
        "The order does not reach the coupon's threshold.",
    ),
    ErrorCode.COUPON_OUT_OF_STOCK: ("优惠券已领完", "The coupon is out of stock."),
    ErrorCode.COUPON_LIMIT_REACHED: (
        "已达到每人领取上限",
        "You already hold as many of this coupon as allowed.",
    ),
    ErrorCode.INSUFFICIENT_POINTS: ("积分不足", "Not enough points."),
    ErrorCode.POINTS_OVER_LIMIT: (
        "超过本单积分抵扣上限",
        "More points than this order may use.",
    ),
    ErrorCode.INVALID_PERIOD: (
        "报表周期无效：开始日期不能晚于结束日期，且最长 366 天",
        "The report period is invalid: from must not be after to, and at most 366 days.",
    ),
    ErrorCode.INVALID_TARGET_MONTH: (
        "目标月份无效，格式为 YYYY-MM",
        "The target month is invalid; use YYYY-MM.",
    ),
    ErrorCode.WEAK_PASSWORD: (
        "密码至少 10 位",
        "The password must have at least 10 characters.",
    ),
    ErrorCode.INVALID_RANGE: ("最小值不能大于最大值", "The minimum is greater than the maximum."),
    ErrorCode.UNKNOWN_TAG: ("标签不存在", "No such tag."),
    ErrorCode.UNKNOWN_TIER: ("会员等级不存在", "No such tier."),
    ErrorCode.CART_FULL: (
        "购物车已满（最多 100 种商品）",
        "The cart is full (at most 100 lines).",
    ),
    ErrorCode.ADDRESS_BOOK_FULL: (
        "收货地址已满（最多 20 个）",
        "The address book is full (at most 20 addresses).",
    ),
    ErrorCode.GUIDE_COUPON_QUOTA_REACHED: (
        "本月该优惠券的导购发放额度已用完",
        "Your monthly quota of this coupon is used up.",
    ),
    ErrorCode.REFERRAL_SELF: ("不能绑定给本人", "A member cannot be their own referrer."),
    ErrorCode.REFERRAL_CYCLE: (
        "推荐人是该会员的下级，绑定会形成循环",
        "The referrer is in the member's downline: binding would make a cycle.",
    ),
    ErrorCode.REFERRAL_CHANGED: (
        "推荐关系已被修改，请刷新后重试",
        "The member's referral binding has changed meanwhile: reload and try again.",
    ),
    ErrorCode.FOLLOW_UP_LOCKED: (
        "回访记录超过 24 小时，不能再修改，请另记一条",
        "The follow-up is older than 24 hours and can no longer be changed; record a new one.",
    ),
    ErrorCode.NOT_FOLLOW_UP_AUTHOR: (
        "只有记录人可以修改这条回访",
        "Only the staff member who recorded this follow-up may change it.",
    ),
    ErrorCode.POSTER_BOX_OUTSIDE: (
        "海报元素超出背景图范围",
        "A poster box lies outside the background.",
    ),
    ErrorCode.IMAGE_HOST_NOT_ALLOWED: (
        "图片地址不在允许的来源内",
        "The image is not from an allowed host.",
    ),
    ErrorCode.IMAGE_INVALID: (
        "图片无效（格式、尺寸或大小不符合要求）",
        "The image is invalid (format, dimensions or size).",
    ),
    ErrorCode.IMAGE_UNAVAILABLE: (
        "图片暂时无法获取，请稍后再试",
        "The image could not be fetched; try again later.",
    ),
}


WHEN: dict[ErrorCode, str] = {
    ErrorCode.INVALID: "A value has the wrong form: an unknown payment provider, a distributor kind"
    " a member may not apply for, a payee account that is not 10-30 digits (bank) or a mobile"
    " number or e-mail (Alipay), a coupon or commission field that contradicts another.",
    ErrorCode.REQUIRED: "A required value is missing or blank (a name, a reason, a delivery"
    " address, payee details for BANK/ALIPAY).",
    ErrorCode.TOO_LONG: "A text is longer than its limit (names, notes, reasons, keywords; the"
    " message says the limit).",
    ErrorCode.PAYEE_REAL_NAME_REQUIRED: "Approving a WeChat transfer of 2000 yuan or more whose"
    " distributor has not recorded a real name (setPayeeRealName); revealing a name none was"
    " recorded for.",
    ErrorCode.CART_FULL: "Adding a product to a cart that already holds 100 lines.",
    ErrorCode.ADDRESS_BOOK_FULL: "Creating a 21st address: the address book holds at most 20.",
    ErrorCode.INVALID_TEXT: "A free text holds characters no field accepts: NUL and other control"
    " characters, lone surrogates, bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069);"
    " newline and tab only where a field allows lines (descriptions, reasons, notes).",
    ErrorCode.OUT_OF_RANGE: "A number or list is outside its bounds: quantity 1..99, at most 50"
    " order lines, input lists of at most 100 items, basis points 0..10000, amounts in fen.",
    ErrorCode.INVALID_ID: "A global ID is malformed or of another type than the argument expects"
    " (a nullable lookup answers null instead).",
    ErrorCode.NOT_FOUND: "The object does not exist or is outside the caller's scope (another"
    " member's order, another store's customer): both look alike on purpose.",
    ErrorCode.DUPLICATE: "Something that must be unique already exists: a store code, a username,"
    " a category name, a tag or segment name, a SKU code, the same SKU twice in one cart, a spec"
    " name twice on one SKU.",
    ErrorCode.INVALID_STATE: "The object's state does not allow the change: paying an order that is"
    " not PENDING_PAYMENT, refunding an unpaid order, reviewing a refund, application or withdrawal"
    " already reviewed, marking oneself LEFT.",
    ErrorCode.INVALID_CREDENTIALS: "A staff login with an unknown username, a wrong password, an"
    " account locked after 5 failures in 15 minutes, or of someone who left (one answer for"
    " all); a staff password change with a wrong old password.",
    ErrorCode.ACCOUNT_LOCKED: "Reserved: a locked staff account answers INVALID_CREDENTIALS, so a"
    " guesser learns nothing.",
    ErrorCode.INVALID_LOGIN_CODE: "login/bindPhone: the mini-program code is invalid, expired or"
    " already used (WeChat), or not of the DEV form.",
    ErrorCode.CHANNEL_NOT_ALLOWED: "login: a member asked to record OFFLINE_SIGNUP as their first"
    " touch, which only store staff may record.",
    ErrorCode.LOGIN_PROVIDER_UNAVAILABLE: "login/bindPhone: WeChat could not be reached or answered"
    " an error of its own; retry later.",
    ErrorCode.INVALID_REFRESH_TOKEN: "refreshToken: the refresh token is unknown, expired,"
    " revoked, or was already rotated (reusing one revokes its whole family).",
    ErrorCode.INVALID_PHONE: "The phone number is not a valid mobile number.",
    ErrorCode.UNKNOWN_SETTING: "Changing settings: no setting has this key.",
    ErrorCode.INVALID_SETTING: "Changing settings: the value has the wrong type or is outside the"
    " setting's allowed values.",
    ErrorCode.CATEGORY_DEPTH: "A category would be a third level (categories have two).",
    ErrorCode.STORE_REQUIRED: "A store role (store manager, guide) without a store, or an in-store"
    " act by staff without one.",
    ErrorCode.WEAK_PASSWORD: "A new staff password has fewer than 10 characters.",
    ErrorCode.IDEMPOTENCY_CONFLICT: "placeOrder: the idempotency key was already used by this"
    " member for a different cart.",
    ErrorCode.INSUFFICIENT_STOCK: "A SKU has less stock than the quantity ordered.",
    ErrorCode.NOT_ON_SALE: "The product is not ON_SALE (ordering it, or sharing it).",
    ErrorCode.ORDER_EXPIRED: "payOrder: the order's payment time (order.payment_timeout_minutes)"
    " is over.",
    ErrorCode.AMOUNT_MISMATCH: "Reserved: a payment notification whose amount differs from the"
    " order's is refused and logged, never shown to a client.",
    ErrorCode.PAYMENT_FAILED: "payOrder: the payment provider refused or could not be reached;"
    " nothing was charged, try again.",
    ErrorCode.REFUND_FAILED: "Approving a refund: the payment provider refused the refund; the"
    " request stays REQUESTED.",
    ErrorCode.REFUND_EXCEEDS_PAID: "requestRefund: the amount exceeds what is left to refund on"
    " the item.",
    ErrorCode.AMOUNT_NOT_POSITIVE: "An amount that must be above zero is zero or negative (a"
    " refund).",
    ErrorCode.REFUND_IN_PROGRESS: "requestRefund: the item already has a REQUESTED refund.",
    ErrorCode.UNKNOWN_REFUND_REASON: "requestRefund: the reasonCode is not one of the active refund"
    " reasons HQ offers.",
    ErrorCode.RETURN_NOT_REQUESTED: "recordRefundReturn: the refund is not AWAITING_RETURN (no"
    " return was asked for, or it is already past that).",
    ErrorCode.RETURN_ALREADY_RECORDED: "recordRefundReturn: the member already recorded how the"
    " goods come back.",
    ErrorCode.INVALID_PICKUP_CODE: "Verifying a pickup: no order ready for pickup (in the caller's"
    " scope) has this code.",
    ErrorCode.NOT_A_DISTRIBUTOR: "A distributor's act (share link, withdrawal) by a member who is"
    " not a distributor.",
    ErrorCode.ALREADY_DISTRIBUTOR: "applyForDistributor: the member already is a distributor.",
    ErrorCode.APPLICATION_PENDING: "applyForDistributor: an application is already under review.",
    ErrorCode.ENROLLMENT_CLOSED: "applyForDistributor: distribution.enrollment is THRESHOLD and the"
    " member's paid total is below distribution.threshold_fen.",
    ErrorCode.DISTRIBUTOR_INACTIVE: "createShareLink: the distributor is FROZEN or DISABLED;"
    " rebindReferrer: the new referrer is.",
    ErrorCode.INVALID_SHARE_CODE: "recordShareVisit or checkout: no share link has this code.",
    ErrorCode.INVALID_RULE: "Commission rules: a rule is inconsistent (both or neither of rate"
    " and fixed amount, a scope id with ALL or of the wrong type, a distributor kind on a role"
    " other than LEVEL1/LEVEL2, an active window without timezone or ending before it starts).",
    ErrorCode.WITHDRAWAL_BELOW_MINIMUM: "requestWithdrawal: the amount is below withdraw.min_fen.",
    ErrorCode.INSUFFICIENT_BALANCE: "requestWithdrawal: the amount exceeds the available balance.",
    ErrorCode.NEGATIVE_BALANCE: "requestWithdrawal: the available balance is negative after"
    " clawbacks (commission taken back by refunds) and must be covered first.",
    ErrorCode.DAILY_WITHDRAWAL_LIMIT: "requestWithdrawal: withdraw.daily_max_count requests were"
    " already made today (Asia/Shanghai).",
    ErrorCode.PAYOUT_FAILED: "Paying a withdrawal out: the payout provider refused; the"
    " withdrawal is FAILED, still held: pay again or release it.",
    ErrorCode.COUPON_UNAVAILABLE: "The coupon is used, locked by another order, expired or not yet"
    " valid; or the template is inactive or past its validity (claimCoupon).",
    ErrorCode.COUPON_NOT_APPLICABLE: "Checkout: no item of the cart is in the coupon's scope.",
    ErrorCode.COUPON_THRESHOLD_NOT_MET: "Checkout: the goods in the coupon's scope do not reach its"
    " threshold.",
    ErrorCode.COUPON_OUT_OF_STOCK: "claimCoupon: the template's total stock is gone (issuing"
    " to members counts them as skipped instead).",
    ErrorCode.COUPON_LIMIT_REACHED: "claimCoupon: the member already holds the template's"
    " per-member limit.",
    ErrorCode.INSUFFICIENT_POINTS: "Checkout or a manual points adjustment: more points than the"
    " member's balance.",
    ErrorCode.POINTS_OVER_LIMIT: "Checkout: more points than points.max_deduct_bp of the goods"
    " after coupon allows (checkoutPreview's pointsLimit).",
    ErrorCode.INVALID_RANGE: "An audience or member filter whose minimum is above its maximum.",
    ErrorCode.UNKNOWN_TAG: "A tag id that does not exist (filters, member tags).",
    ErrorCode.UNKNOWN_TIER: "A tier code that does not exist (filters).",
    ErrorCode.INVALID_PERIOD: "A report period whose from is after to, or longer than 366 days.",
    ErrorCode.INVALID_TARGET_MONTH: "Store targets: the month is not YYYY-MM.",
    ErrorCode.GUIDE_COUPON_QUOTA_REACHED: "issueGuideCoupon: the guide already issued this"
    " template's monthly quota (guide_coupon_template, Asia/Shanghai month); nothing changed.",
    ErrorCode.REFERRAL_SELF: "rebindReferrer: the new referrer is the member's own distributor.",
    ErrorCode.REFERRAL_CYCLE: "rebindReferrer: the new referrer is in the member's downline (the"
    " member's distributor is in the referrer's upline path).",
    ErrorCode.REFERRAL_CHANGED: "rebindReferrer/unbindReferrer: the binding in force is not the"
    " one given as currentBindingId (another edit or a visit changed it first).",
    ErrorCode.FOLLOW_UP_LOCKED: "updateFollowUp more than 24 hours after the follow-up was"
    " recorded: follow-ups are append-only from then on.",
    ErrorCode.NOT_FOLLOW_UP_AUTHOR: "updateFollowUp by someone who sees the follow-up (a store"
    " manager, the guide the customer moved to) but did not record it.",
    ErrorCode.POSTER_BOX_OUTSIDE: "create/updatePosterTemplate: a box (field: its path, e.g."
    " input.boxes.title) does not lie wholly inside the background.",
    ErrorCode.IMAGE_HOST_NOT_ALLOWED: "An image a poster needs (product image, avatar) is not an"
    " https URL of a host in poster.image_hosts, names an IP address, resolves to a private"
    " address, or redirects to another host: it is never fetched.",
    ErrorCode.IMAGE_INVALID: "An uploaded or fetched image is not a PNG, JPEG or WebP image, is"
    " larger than allowed in bytes or pixels, or a background is outside the allowed size.",
    ErrorCode.IMAGE_UNAVAILABLE: "An image a poster needs could not be fetched from its allowed"
    " host (timeout, refused, an error status), or the 小程序码 is not made yet; ask again"
    " later.",
}
"""When each code is answered, for the API's documentation (the ErrorCode enum's descriptions)."""


class DomainError(Exception):
    """A broken business rule or bad input: reported to the caller, changes nothing."""

    def __init__(self, code: ErrorCode, field: str | None = None, detail: str | None = None):
        self.code = code
        self.field = field
        self.detail = detail
        super().__init__(f"{code}: {field or ''} {detail or ''}".strip())

    @property
    def message(self) -> str:
        zh, en = MESSAGES[self.code]
        if self.detail:
            return f"{zh} / {en} ({self.detail})"
        return f"{zh} / {en}"
