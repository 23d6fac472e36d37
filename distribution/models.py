"""Distribution (SPEC 5, 6, 7, 10, 11): distributors, share links and visits, the two
relationships with full history, commission rules, entries, accounts and their ledger, and
withdrawals. Money is fen, rates are basis points."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class DistributorKind(StrEnum):
    GUIDE = "GUIDE"
    KOC = "KOC"
    MEMBER = "MEMBER"
    SHOP = "SHOP"


class DistributorStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    DISABLED = "DISABLED"


class Distributor(Model):
    """A guide (staff) or a member (KOC, MEMBER, SHOP) who earns commission. `upline` is the
    snapshot of the member's valid referrer when they became a distributor, so order-time
    lookups are O(1) and never walk a chain."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(DistributorKind, max_length=8)
    status = fields.CharEnumField(DistributorStatus, max_length=8, default=DistributorStatus.ACTIVE)
    member_id = fields.BigIntField(null=True, unique=True)
    staff_id = fields.BigIntField(null=True, unique=True)
    store_id = fields.BigIntField(null=True, db_index=True)
    upline = fields.ForeignKeyField("models.Distributor", related_name="downlines", null=True)
    ancestry = fields.CharField(
        max_length=1024,
        default="/",
        description="Materialised upline path '/u1/u2/': cycle checks read one row.",
    )
    display_name = fields.CharField(max_length=64, default="")
    shop_name = fields.CharField(max_length=64, null=True)
    # The payee's real name (实名) for WeChat transfers of 2000 yuan and more (SPEC 20):
    # Fernet-encrypted, and the masked form ('张*三') everybody sees. Nullable: rows inserted by
    # hand-written SQL (older migrations) leave them out.
    real_name_encrypted = fields.TextField(null=True)
    real_name_masked = fields.CharField(max_length=64, null=True)
    # The monthly ranking (排行榜) shows this distributor's display name only when they opted in.
    # Nullable (null: not opted in), as the real name: older migrations insert rows by hand.
    ranking_opt_in = fields.BooleanField(default=False, null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "distributor"


class ApplicationStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class DistributorApplication(Model):
    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField(db_index=True)
    kind = fields.CharEnumField(DistributorKind, max_length=8)
    status = fields.CharEnumField(
        ApplicationStatus, max_length=8, default=ApplicationStatus.PENDING
    )
    shop_name = fields.CharField(max_length=64, null=True)
    note = fields.CharField(max_length=200, default="")
    reviewed_by = fields.CharField(max_length=64, null=True)
    review_note = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    reviewed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "distributor_application"


class ShareTarget(StrEnum):
    PRODUCT = "PRODUCT"
    STORE = "STORE"
    HOME = "HOME"
    CAMPAIGN = "CAMPAIGN"


class ShareChannel(StrEnum):
    CHAT = "CHAT"
    MOMENTS = "MOMENTS"
    POSTER = "POSTER"
    QR = "QR"


class ShareLink(Model):
    """Funnel counters are kept on the link by guarded increments (no COUNT at read time)."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    distributor = fields.ForeignKeyField("models.Distributor", related_name="links")
    target = fields.CharEnumField(ShareTarget, max_length=8)
    target_id = fields.BigIntField(null=True)
    campaign = fields.CharField(max_length=64, null=True)
    channel = fields.CharEnumField(ShareChannel, max_length=8)
    visits = fields.BigIntField(default=0)
    unique_visitors = fields.BigIntField(default=0)
    bindings = fields.BigIntField(default=0)
    orders = fields.BigIntField(default=0)
    paid_fen = fields.BigIntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "share_link"
        indexes = (Index(fields=("distributor_id", "created_at"), name="share_link_distributor"),)


class BindingOutcome(StrEnum):
    BOUND = "BOUND"
    REBOUND = "REBOUND"
    ALREADY_BOUND = "ALREADY_BOUND"
    SELF_REFERRAL = "SELF_REFERRAL"
    CYCLE = "CYCLE"
    REFERRER_INACTIVE = "REFERRER_INACTIVE"
    NOT_NEW_MEMBER = "NOT_NEW_MEMBER"


class ShareVisit(Model):
    id = fields.BigIntField(primary_key=True)
    # No constraint on PostgreSQL (migration 0019): its check would KEY SHARE lock the link's
    # row in every visit, a MultiXact per visitor of a popular link. Links are never deleted.
    link = fields.ForeignKeyField(
        "models.ShareLink", related_name="visit_rows", db_constraint=False
    )
    member_id = fields.BigIntField()
    outcome = fields.CharEnumField(BindingOutcome, max_length=20)
    visited_at = fields.DatetimeField()
    # The poster template whose 小程序码 was scanned (distribution/posters); null otherwise.
    poster_template_id = fields.BigIntField(null=True)

    class Meta:
        table = "share_visit"
        indexes = (
            # A member's last visit to a link (repeats within 30 minutes are not stored again).
            Index(fields=("link_id", "member_id", "visited_at"), name="share_visit_link_member"),
            Index(fields=("member_id", "visited_at"), name="share_visit_member"),
            # Reports (share funnel, store shares): a period's visits, covering.
            Index(
                fields=("visited_at", "link_id", "member_id", "outcome"),
                name="share_visit_visited",
            ),
        )


class ShareTouch(Model):
    """A member's last share touch: what LAST_SHARE attribution reads at order time."""

    member_id = fields.BigIntField(primary_key=True)
    # No constraint on PostgreSQL, as `ShareVisit.link`.
    link = fields.ForeignKeyField("models.ShareLink", related_name="touches", db_constraint=False)
    distributor_id = fields.BigIntField()
    touched_at = fields.DatetimeField()
    # The poster template the touch came through; attribution copies it onto the order.
    poster_template_id = fields.BigIntField(null=True)

    class Meta:
        table = "share_touch"


class ReferralBinding(Model):
    """Member → referrer, with history: the row in force has `ended_at` null and is valid while
    `expires_at` is null (permanent) or in the future. `reason` says how the row began (`VISIT`,
    `ADMIN`), `actor` who began it and `note` why (HQ's words). `ended_by` and `end_note` say
    who ended it and why (a rebinding visit, HQ's rebind or unbind). The three are nullable:
    rows inserted by hand (the bench generator) leave them out."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    referrer = fields.ForeignKeyField("models.Distributor", related_name="referrals")
    link_id = fields.BigIntField(null=True)
    reason = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)
    note = fields.CharField(max_length=200, null=True)
    valid_from = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    ended_by = fields.CharField(max_length=64, null=True)
    end_note = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "referral_binding"
        indexes = (
            Index(fields=("member_id", "ended_at"), name="referral_member_current"),
            Index(fields=("referrer_id", "valid_from"), name="referral_referrer"),
            # Reports: bindings made in a period, covering.
            Index(fields=("valid_from", "referrer_id", "member_id"), name="referral_started"),
        )


class ServiceReason(StrEnum):
    GUIDE_SHARE = "GUIDE_SHARE"
    STORE_QR = "STORE_QR"
    OFFLINE_SIGNUP = "OFFLINE_SIGNUP"
    TRANSFER = "TRANSFER"
    MERGE = "MERGE"


class ServiceRelationship(Model):
    """Member → store (→ guide): whose customer. The row in force has `valid_to` null."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    store_id = fields.BigIntField()
    guide_id = fields.BigIntField(null=True)
    reason = fields.CharEnumField(ServiceReason, max_length=16)
    actor = fields.CharField(max_length=64)
    valid_from = fields.DatetimeField()
    valid_to = fields.DatetimeField(null=True)

    class Meta:
        table = "service_relationship"
        indexes = (
            Index(fields=("member_id", "valid_to"), name="service_member_current"),
            Index(fields=("store_id", "valid_to"), name="service_store_current"),
            Index(fields=("guide_id", "valid_to"), name="service_guide_current"),
        )


class ServiceTouch(Model):
    """Every touch from a store or guide, kept or not: protection looks at recent touches."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.BigIntField()
    store_id = fields.BigIntField()
    guide_id = fields.BigIntField(null=True)
    reason = fields.CharEnumField(ServiceReason, max_length=16)
    replaced = fields.BooleanField()
    touched_at = fields.DatetimeField()

    class Meta:
        table = "service_touch"
        indexes = (Index(fields=("member_id", "touched_at"), name="service_touch_member"),)


class BeneficiaryRole(StrEnum):
    LEVEL1 = "LEVEL1"
    LEVEL2 = "LEVEL2"
    GUIDE_SERVICE = "GUIDE_SERVICE"
    STORE_SHARE = "STORE_SHARE"


class RuleScope(StrEnum):
    ALL = "ALL"
    CATEGORY = "CATEGORY"
    PRODUCT = "PRODUCT"
    SKU = "SKU"


class CommissionRule(Model):
    """Exactly one of `rate_bp` and `fixed_fen_per_unit` is set. Rules are versioned by
    replacement (setCommissionRules), and accrued commission never changes with them."""

    id = fields.BigIntField(primary_key=True)
    role = fields.CharEnumField(BeneficiaryRole, max_length=16)
    distributor_kind = fields.CharEnumField(DistributorKind, max_length=8, null=True)
    scope = fields.CharEnumField(RuleScope, max_length=8)
    scope_id = fields.BigIntField(null=True)
    rate_bp = fields.IntField(null=True)
    fixed_fen_per_unit = fields.BigIntField(null=True)
    priority = fields.IntField(default=0)
    active_from = fields.DatetimeField(null=True)
    active_to = fields.DatetimeField(null=True)
    retired_at = fields.DatetimeField(null=True)
    created_by = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "commission_rule"


class AccountOwner(StrEnum):
    DISTRIBUTOR = "DISTRIBUTOR"
    STORE = "STORE"


class CommissionAccount(Model):
    """Balances are caches of the ledger sums, moved only together with a ledger row."""

    id = fields.BigIntField(primary_key=True)
    owner_type = fields.CharEnumField(AccountOwner, max_length=12)
    owner_id = fields.BigIntField()
    pending_fen = fields.BigIntField(default=0)
    available_fen = fields.BigIntField(default=0)
    withdrawing_fen = fields.BigIntField(default=0)
    withdrawn_fen = fields.BigIntField(default=0)
    withdraw_day = fields.CharField(max_length=10, default="")
    withdraw_day_count = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "commission_account"
        unique_together = (("owner_type", "owner_id"),)


class EntryStatus(StrEnum):
    PENDING = "PENDING"
    SETTLED = "SETTLED"
    CANCELLED = "CANCELLED"


class CommissionEntry(Model):
    """One per (order item, beneficiary account, role): unique, so retries cannot duplicate.
    `amount_fen` is what remains after refunds, `original_fen` what was accrued."""

    id = fields.BigIntField(primary_key=True)
    order_id = fields.BigIntField()
    item = fields.ForeignKeyField("models.OrderItem", related_name="commission_entries")
    account = fields.ForeignKeyField("models.CommissionAccount", related_name="entries")
    role = fields.CharEnumField(BeneficiaryRole, max_length=16)
    distributor_id = fields.BigIntField(null=True)
    store_id = fields.BigIntField(null=True)
    rule_id = fields.BigIntField(null=True)
    basis = fields.CharField(max_length=32)
    original_fen = fields.BigIntField()
    amount_fen = fields.BigIntField()
    status = fields.CharEnumField(EntryStatus, max_length=10, default=EntryStatus.PENDING)
    capped = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    settle_at = fields.DatetimeField(null=True)
    settled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "commission_entry"
        unique_together = (("item", "account", "role"),)
        indexes = (
            Index(fields=("status", "settle_at"), name="commission_entry_due"),
            Index(fields=("account_id", "created_at"), name="commission_entry_account"),
            Index(fields=("order_id",), name="commission_entry_order"),
            # Reports: commission accrued in a period per account (and still pending), covering.
            Index(
                fields=("created_at", "account_id", "status", "amount_fen"),
                name="commission_entry_created",
            ),
            # Commission report's `pending_now`: only the still-pending entries of a period
            # (a few weeks' worth), not every entry of the period, covering.
            Index(
                fields=("status", "created_at", "account_id", "role", "amount_fen"),
                name="commission_entry_pending",
            ),
        )


class LedgerKind(StrEnum):
    ACCRUE = "ACCRUE"
    SETTLE = "SETTLE"
    CANCEL = "CANCEL"
    CLAWBACK = "CLAWBACK"
    HOLD = "HOLD"
    RELEASE = "RELEASE"
    PAID = "PAID"
    ADJUST = "ADJUST"


class LedgerEntry(Model):
    """Append-only. Each row moves money between the account's buckets: the balances equal the
    sums of these deltas (`siyu check-ledger`)."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.CommissionAccount", related_name="ledger")
    kind = fields.CharEnumField(LedgerKind, max_length=10)
    pending_delta = fields.BigIntField(default=0)
    available_delta = fields.BigIntField(default=0)
    withdrawing_delta = fields.BigIntField(default=0)
    withdrawn_delta = fields.BigIntField(default=0)
    entry_id = fields.BigIntField(null=True)
    withdrawal_id = fields.BigIntField(null=True)
    order_id = fields.BigIntField(null=True)
    actor = fields.CharField(max_length=64)
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_entry"
        indexes = (
            Index(fields=("account_id", "id"), name="ledger_account"),
            Index(fields=("kind", "created_at"), name="ledger_kind_created"),
        )


class CommissionDay(Model):
    """What the ledger moved per Asia/Shanghai business day, account and entry role, in the
    commission report's terms: the report reads these instead of every ledger row of a year.
    `ledger.move` adds to the row with one upsert in the transaction of each ledger write, so
    the sums always equal a GROUP BY over the ledger (`role` is '' for rows without an entry:
    withdrawals and adjustments). HOLD and RELEASE rows are not reported and not rolled up."""

    id = fields.BigIntField(primary_key=True)
    day = fields.DateField()
    account_id = fields.BigIntField()
    role = fields.CharField(max_length=16, default="")
    accrued_fen = fields.BigIntField(default=0)
    cancelled_fen = fields.BigIntField(default=0)
    settled_fen = fields.BigIntField(default=0)
    clawed_back_fen = fields.BigIntField(default=0)
    withdrawn_fen = fields.BigIntField(default=0)
    adjusted_fen = fields.BigIntField(default=0)

    class Meta:
        table = "commission_day"
        unique_together = (("day", "account_id", "role"),)
        indexes = (
            # A period's rows with every figure, so the report never visits the table.
            Index(
                fields=(
                    "day",
                    "account_id",
                    "role",
                    "accrued_fen",
                    "cancelled_fen",
                    "settled_fen",
                    "clawed_back_fen",
                    "withdrawn_fen",
                    "adjusted_fen",
                ),
                name="commission_day_covering",
            ),
        )


class MemberCohortValue(Model):
    """What a member paid within 30, 90 and 180 days of joining (orders' payable when paid,
    before later refunds), for the channel cohorts report. Added to on each payment within 180
    days of joining, recomputed from the survivor's orders on a One-ID merge. Only members who
    paid have a row: join month, channel and status stay on `member`, which the report reads
    anyway to count members with no purchase."""

    member_id = fields.BigIntField(primary_key=True)
    paid_30d_fen = fields.BigIntField(default=0)
    paid_90d_fen = fields.BigIntField(default=0)
    paid_180d_fen = fields.BigIntField(default=0)

    class Meta:
        table = "member_cohort_value"


class WithdrawalMethod(StrEnum):
    WECHAT_BALANCE = "WECHAT_BALANCE"
    BANK = "BANK"
    ALIPAY = "ALIPAY"


class WithdrawalStatus(StrEnum):
    PENDING_REVIEW = "PENDING_REVIEW"
    APPROVED = "APPROVED"
    # A transfer bill was sent to WeChat and its outcome is not known yet (no package yet, or
    # the answer was lost): it is queried, never released, until WeChat says.
    PAYING = "PAYING"
    # WeChat waits for the payee to confirm in the mini-program (wx.requestMerchantTransfer).
    AWAITING_PAYEE = "AWAITING_PAYEE"
    PAID = "PAID"
    FAILED = "FAILED"
    REJECTED = "REJECTED"
    RELEASED = "RELEASED"
    # The transfer bill was cancelled (by finance) or expired unconfirmed: the hold went back.
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class Withdrawal(Model):
    """`payee_encrypted` holds the bank or Alipay account (Fernet), `payee_masked` is what staff
    and the member see."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.CommissionAccount", related_name="withdrawals")
    amount_fen = fields.BigIntField()
    fee_fen = fields.BigIntField()
    payout_fen = fields.BigIntField()
    method = fields.CharEnumField(WithdrawalMethod, max_length=16)
    payee_name = fields.CharField(max_length=64, default="")
    payee_bank = fields.CharField(max_length=64, default="")
    payee_masked = fields.CharField(max_length=64, default="")
    payee_encrypted = fields.TextField(default="")
    status = fields.CharEnumField(
        WithdrawalStatus, max_length=16, default=WithdrawalStatus.PENDING_REVIEW
    )
    failure_reason = fields.CharField(max_length=200, null=True)
    reviewed_by = fields.CharField(max_length=64, null=True)
    requested_at = fields.DatetimeField()
    reviewed_at = fields.DatetimeField(null=True)
    paid_at = fields.DatetimeField(null=True)
    requested_day = fields.CharField(max_length=10)
    # The payee's real name for a WeChat transfer of 2000 yuan and more, copied from the
    # distributor at approval (Fernet; masked form beside it).
    real_name_encrypted = fields.TextField(default="")
    real_name_masked = fields.CharField(max_length=64, default="")
    # WeChat transfer bills (商家转账, SPEC 20); out_bill_no is derived from the id.
    transfer_bill_no = fields.CharField(max_length=64, null=True)
    transfer_state = fields.CharField(max_length=20, null=True)
    transfer_started_at = fields.DatetimeField(null=True)
    transfer_checked_at = fields.DatetimeField(null=True)
    package_info = fields.TextField(null=True)
    package_expires_at = fields.DatetimeField(null=True)
    cancel_requested = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "withdrawal"
        indexes = (
            Index(fields=("account_id", "requested_day"), name="withdrawal_account_day"),
            Index(fields=("status", "requested_at"), name="withdrawal_status"),
        )


class PayeeNameReveal(Model):
    """Audit: an HQ_ADMIN saw a payee's real name in full (SPEC 13: personal data)."""

    id = fields.BigIntField(primary_key=True)
    distributor_id = fields.BigIntField(db_index=True)
    withdrawal_id = fields.BigIntField(null=True)
    staff_id = fields.BigIntField()
    reason = fields.CharField(max_length=200, default="")
    revealed_at = fields.DatetimeField()

    class Meta:
        table = "payee_name_reveal"
