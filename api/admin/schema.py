"""The admin API at /admin/graphql: staff tokens; every root field declares its capability here
(the role matrix: `domain.access.capabilities`), or that it is public."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from api.admin import audience as audience_api
from api.admin import catalog as catalog_api
from api.admin import commission as commission_api
from api.admin import content as content_api
from api.admin import coupons as coupon_api
from api.admin import customers as customer_api
from api.admin import distributors as distributor_api
from api.admin import follow_ups as follow_up_api
from api.admin import guide_coupons as guide_coupon_api
from api.admin import guide_customers as guide_customer_api
from api.admin import guide_overview as guide_overview_api
from api.admin import guide_tasks as guide_task_api
from api.admin import job_runs as job_run_api
from api.admin import loyalty as loyalty_api
from api.admin import members as member_api
from api.admin import notifications as notification_api
from api.admin import orders as order_api
from api.admin import org as org_api
from api.admin import outbox as outbox_api
from api.admin import posters as poster_api
from api.admin import reconciliation as reconciliation_api
from api.admin import referrers as referrer_api
from api.admin import refund_attention as refund_attention_api
from api.admin import refund_reasons as refund_reason_api
from api.admin import reports as report_api
from api.admin import session as session_api
from api.admin import settings as settings_api
from api.admin import targets as target_api
from api.admin import withdrawals as withdrawal_api
from api.admin.nodes import MemberNode, StaffNode, StoreNode
from api.auth.permissions import public_mutation, staff_field, staff_mutation
from api.graphql.distributors import ApplicationNode, DistributorNode
from api.graphql.loyalty import CouponTemplateNode, TierNode
from api.graphql.orders import RefundNode, RefundReasonNode
from api.graphql.relay import Connection
from api.graphql.scalars import SCALARS
from api.shop.catalog import CategoryNode
from api.shop.distribution_links import ShareLinkNode, ShareLinkPayload
from api.shop.posters import SharePosterPayload
from domain.access.capabilities import Capability as C


@strawberry.type
class Query:
    viewer: StaffNode = staff_field(
        C.SESSION,
        session_api.viewer,
        description=("The logged-in staff member (员工) with role and store."),
    )
    members: Connection[MemberNode] = staff_field(
        C.MEMBERS_READ,
        member_api.members,
        description=(
            "Members (会员) in the caller's scope, newest first: HQ sees all, a store manager "
            "their store's customers, a guide their own. Phones are masked (138****1234) except "
            "for HQ_ADMIN. A refused filter answers BAD_USER_INPUT with extensions.userError."
        ),
    )
    member: MemberNode | None = staff_field(
        C.MEMBERS_READ,
        member_api.member,
        description=(
            "One member by global ID with audience tags and loyalty; null for an unknown, "
            "malformed or out-of-scope ID alike."
        ),
    )
    stores: Connection[StoreNode] = staff_field(
        C.STORES_READ,
        org_api.stores,
        description=("Stores (门店) in the caller's scope, by id: HQ all, store roles their own."),
    )
    staff_members: Connection[StaffNode] = staff_field(
        C.STAFF_READ,
        org_api.staff_members,
        description=(
            "Staff (员工) in the caller's scope, by id: HQ_ADMIN all, a store manager their "
            "store's."
        ),
    )
    products: Connection[catalog_api.AdminProductNode] = staff_field(
        C.CATALOG_WRITE,
        catalog_api.products,
        description=(
            "Every product (SPU) whatever its status, with its SKUs, newest first; optionally of "
            "one status."
        ),
    )
    categories: list[CategoryNode] = staff_field(
        C.CATEGORIES_READ,
        catalog_api.categories,
        description=("The whole two-level category tree (分类) in display order."),
    )
    orders: Connection[order_api.AdminOrderNode] = staff_field(
        C.ORDERS_READ,
        order_api.orders,
        description=(
            "Orders (订单) in the caller's scope, newest first: HQ all, a store manager the "
            "orders served by or picked up at their store, a guide the orders they serve or "
            "placed. Delivery addresses are null for HQ_FINANCE and masked for all but HQ_ADMIN."
        ),
    )
    order: order_api.AdminOrderNode | None = staff_field(
        C.ORDERS_READ,
        order_api.order,
        description=(
            "One order by global ID with items, attribution and refunds; null for an unknown, "
            "malformed or out-of-scope ID alike."
        ),
    )
    refund_requests: Connection[RefundNode] = staff_field(
        C.REFUND_REVIEW,
        order_api.refund_requests,
        description=(
            "After-sale refund requests (售后), newest first, optionally of one status; a store "
            "manager sees their store's."
        ),
    )
    refund_reasons: list[RefundReasonNode] = staff_field(
        C.REFUND_REASONS_WRITE,
        refund_reason_api.refund_reasons,
        description="Every refund reason (退款原因), inactive ones included, in HQ's order.",
    )
    settings: list[settings_api.SettingNode] = staff_field(
        C.SETTINGS_WRITE,
        settings_api.settings,
        description=(
            "Every business setting (业务设置) with its current value, default and description."
        ),
    )
    my_share_links: Connection[ShareLinkNode] = staff_field(
        C.SHARE_LINKS_OWN,
        customer_api.my_share_links,
        description=(
            "The calling guide's own share links (推广链接) with their funnels, newest first."
        ),
    )
    customer_relationships: Connection[customer_api.CustomerRelationshipNode] = staff_field(
        C.CUSTOMERS_TRANSFER,
        customer_api.customer_relationships,
        description=(
            "The service relationship history (服务关系: which store and guide served a member, "
            "from when, why), newest first. Out of scope answers an empty list, as for an "
            "unknown member."
        ),
    )
    commission_rules: list[commission_api.CommissionRuleNode] = staff_field(
        C.COMMISSION_RULES_READ,
        commission_api.commission_rules,
        description=(
            "The commission rule set (佣金规则) in force or scheduled; at most 100 rules, not "
            "paginated."
        ),
    )
    commission_entries: Connection[commission_api.CommissionEntryNode] = staff_field(
        C.COMMISSION_ENTRIES_READ,
        commission_api.commission_entries,
        description=(
            "Commission entries (佣金明细: one per order item, beneficiary and role), newest "
            "first, filtered by status, beneficiary and order. An ID of the wrong type matches "
            "nothing."
        ),
    )
    commission_accounts: Connection[commission_api.CommissionAccountNode] = staff_field(
        C.COMMISSION_ACCOUNTS_READ,
        commission_api.commission_accounts,
        description=(
            "Commission accounts with their four balances in fen (pending, available, "
            "withdrawing, withdrawn), oldest first: HQ_ADMIN and HQ_FINANCE all, a store manager "
            "their store's and its guides', a guide their own."
        ),
    )
    withdrawals: Connection[withdrawal_api.AdminWithdrawalNode] = staff_field(
        C.WITHDRAWAL_REVIEW,
        withdrawal_api.withdrawals,
        description=(
            "Withdrawal requests (提现申请), newest first, optionally by status and distributor. "
            "Payee names and accounts are masked except for HQ_ADMIN."
        ),
    )
    distributors: Connection[DistributorNode] = staff_field(
        C.DISTRIBUTORS_READ,
        distributor_api.distributors,
        description=("Distributors (分销员), optionally by kind and status."),
    )
    distributor_applications: Connection[ApplicationNode] = staff_field(
        C.DISTRIBUTOR_REVIEW,
        distributor_api.distributor_applications,
        description=("Applications to become a distributor; PENDING ones by default."),
    )
    tiers: Connection[TierNode] = staff_field(
        C.TIERS_WRITE,
        loyalty_api.tiers,
        description=(
            "Member tiers (会员等级) in code order, with threshold, discount, points multiplier "
            "and free shipping."
        ),
    )
    coupon_templates: Connection[CouponTemplateNode] = staff_field(
        C.COUPONS_WRITE,
        coupon_api.coupon_templates,
        description=("Coupon templates (优惠券模板), newest first."),
    )
    tags: Connection[audience_api.TagNode] = staff_field(
        C.MEMBER_TAG,
        audience_api.tags,
        description=("Manual member tags (标签), by id."),
    )
    segments: Connection[audience_api.SegmentNode] = staff_field(
        C.AUDIENCE_WRITE,
        audience_api.segments,
        description=("Saved audience segments (人群分群), newest first."),
    )
    segment: audience_api.SegmentNode | None = staff_field(
        C.AUDIENCE_WRITE,
        audience_api.segment,
        description=(
            "One segment by global ID with its live member count and list; null for an unknown "
            "or malformed ID."
        ),
    )
    commission_report: report_api.CommissionReport = staff_field(
        C.REPORT_COMMISSION,
        report_api.commission_report,
        description=(
            "Commission report (佣金报表): money through the commission ledger in the period, "
            "per day, week or month and per dimension: accrued, cancelled, settled, clawed back, "
            "withdrawn, adjusted, pending now; rows bounded by first (≤ 100) with totals over "
            "every row. A store manager sees their store (another store: an empty report). "
            "Errors in `errors`: INVALID_PERIOD."
        ),
    )
    promoter_ranking: report_api.PromoterRankingReport = staff_field(
        C.REPORT_COMMISSION,
        report_api.promoter_ranking,
        description=(
            "Promoter ranking (推广员排行): per distributor, referred members, orders, paid fen, "
            "commission, withdrawn and pending, best first; rows ≤ first (≤ 100). Errors in "
            "`errors`: INVALID_PERIOD."
        ),
    )
    store_performance: report_api.StorePerformanceReport = staff_field(
        C.REPORTS_READ,
        report_api.store_performance,
        description=(
            "Store performance (门店业绩) for the period: sales = relationships × conversion × "
            "frequency × average order value, new members (开卡数), guides' shares, attainment "
            "of monthly targets. A store manager sees their own store. Errors in `errors`: "
            "INVALID_PERIOD."
        ),
    )
    guide_performance: report_api.GuidePerformanceReport = staff_field(
        C.REPORTS_READ,
        report_api.guide_performance,
        description=(
            "Guide performance (导购业绩): customers served, new bindings, attributed sales, "
            "commission. A store manager sees their store's guides. Errors in `errors`: "
            "INVALID_PERIOD."
        ),
    )
    channel_cohorts: report_api.ChannelCohortReport = staff_field(
        C.REPORTS_READ,
        report_api.channel_cohorts,
        description=(
            "Channel cohorts (渠道同期群): members by acquisition channel and join month, with "
            "buyers and cumulative paid per member at 30/90/180 days. Errors in `errors`: "
            "INVALID_PERIOD."
        ),
    )
    share_funnel: report_api.ShareFunnelReport = staff_field(
        C.REPORTS_READ,
        report_api.share_funnel,
        description=(
            "Share funnel (推广漏斗): visits → unique visitors → bindings → orders → paid fen, "
            "per link or per distributor. Errors in `errors`: INVALID_PERIOD."
        ),
    )
    job_runs: Connection[job_run_api.JobRunNode] = staff_field(
        C.JOB_RUNS_READ,
        job_run_api.job_runs,
        description=(
            "Runs of the periodic jobs (定时任务): start, end, rows changed, error, newest first."
        ),
    )
    outbox_messages: Connection[outbox_api.OutboxMessageNode] = staff_field(
        C.OUTBOX, outbox_api.outbox_messages
    )
    staff_inbox: Connection[notification_api.StaffNoticeNode] = staff_field(
        C.STAFF_INBOX,
        notification_api.staff_inbox,
        description=(
            "The caller's inbox (消息中心): refunds to review for a store's managers, withdrawals "
            "for finance, applications for operators, failing jobs and dead letters for "
            "administrators; unread first."
        ),
    )
    staff_inbox_counts: list[notification_api.NoticeCount] = staff_field(
        C.STAFF_INBOX,
        notification_api.staff_inbox_counts,
        description="The caller's unread notices per kind.",
    )
    member_notifications: Connection[notification_api.NotificationDelivery] = staff_field(
        C.NOTIFICATION_LOG,
        notification_api.member_notifications,
        description=(
            "A member's subscription messages for support: sent, skipped (no quota, switched "
            "off), failed, with why; not their content."
        ),
    )
    notification_figures: list[notification_api.NotificationFigure] = staff_field(
        C.NOTIFICATION_LOG,
        notification_api.notification_figures,
        description=(
            "Subscription messages per event since a moment (订阅消息统计): sent, skipped, "
            "failed, waiting."
        ),
    )
    refunds_needing_attention: Connection[refund_attention_api.RefundAttentionNode] = staff_field(
        C.REFUND_ATTENTION, refund_attention_api.refunds_needing_attention
    )
    reconciliation_runs: Connection[reconciliation_api.ReconciliationRunNode] = staff_field(
        C.RECONCILIATION, reconciliation_api.reconciliation_runs
    )
    reconciliation_differences: Connection[reconciliation_api.DifferenceNode] = staff_field(
        C.RECONCILIATION, reconciliation_api.reconciliation_differences
    )
    guide_tasks: Connection[guide_task_api.GuideTaskNode] = staff_field(
        C.GUIDE_TASKS_READ,
        guide_task_api.guide_tasks,
        description=(
            "Guide tasks (导购任务) in the caller's scope, oldest first: a guide's own, a store "
            "manager's store's (filter due: OVERDUE for the overdue ones), HQ's all. Filters: "
            "state, kind, due, customer, batch."
        ),
    )
    guide_task: guide_task_api.GuideTaskNode | None = staff_field(
        C.GUIDE_TASKS_READ,
        guide_task_api.guide_task,
        description="One guide task in the caller's scope; null when missing or out of scope.",
    )
    guide_task_batches: Connection[guide_task_api.GuideTaskBatchNode] = staff_field(
        C.GUIDE_TASKS_READ,
        guide_task_api.guide_task_batches,
        description=(
            "Task batches, newest first: HQ every batch, store staff their store's batches."
        ),
    )
    guide_task_completion: list[guide_task_api.GuideTaskFiguresNode] = staff_field(
        C.GUIDE_TASKS_READ,
        guide_task_api.guide_task_completion,
        description=(
            "Completion of the tasks due in a period (Asia/Shanghai days, at most 366) per "
            "guide, store or batch: due, done, skipped, closed, open, overdue and done/due in "
            "bp. Scoped like guideTasks. Errors: INVALID_PERIOD."
        ),
    )
    guide_coupon_templates: list[guide_coupon_api.GuideCouponTemplateNode] = staff_field(
        C.GUIDE_COUPONS_READ,
        guide_coupon_api.guide_coupon_templates,
        description=(
            "Coupon templates guides may issue (导购发券), with the monthly quota per guide and, "
            "for a guide, what they issued and have left this month (Asia/Shanghai)."
        ),
    )
    guide_coupon_figures: list[guide_coupon_api.GuideCouponFiguresNode] = staff_field(
        C.GUIDE_COUPONS_READ,
        guide_coupon_api.guide_coupon_figures,
        description=(
            "Per guide, the coupons they issued in a period and how many were used in a paid "
            "order; a guide sees their own, a store manager their store's guides. Errors: "
            "INVALID_PERIOD."
        ),
    )
    content_items: Connection[content_api.ContentItemNode] = staff_field(
        C.CONTENT_READ,
        content_api.content_items,
        description=(
            "Content items (素材库), newest first: HQ every item, store staff the items for "
            "their store that are valid now."
        ),
    )
    content_funnel: content_api.ContentFunnelNode | None = staff_field(
        C.REPORTS_READ,
        content_api.content_funnel,
        description=(
            "A content item's funnel (visits, unique visitors, bindings, orders, paid fen) "
            "through guides' shares, per guide and in total; a store manager sees their "
            "store's guides of an item for their store. Null when missing or out of scope."
        ),
    )
    referral_bindings: Connection[referrer_api.ReferralBindingNode] = staff_field(
        C.DISTRIBUTORS_READ,
        referrer_api.referral_bindings,
        description=(
            "A member's referral binding history (推广关系), newest first: who referred them "
            "when, how each binding began and ended, by whom and why (HQ's edits)."
        ),
    )
    customers: Connection[guide_customer_api.CustomerNode] = staff_field(
        C.CUSTOMERS_READ,
        guide_customer_api.customers,
        description=(
            "The guide workbench's customer list (我的客户): a guide their own customers, a store "
            "manager the store's, HQ every member; filters by lifecycle, value, tags, tier, last "
            "order, spend, birthday month, channel and guide; sorted by last order, spend or "
            "binding time. Phones masked but for HQ_ADMIN. A refused filter answers "
            "BAD_USER_INPUT with extensions.userError (INVALID_RANGE, OUT_OF_RANGE, UNKNOWN_TAG, "
            "UNKNOWN_TIER, TOO_LONG, INVALID_ID)."
        ),
    )
    customer: guide_customer_api.CustomerPage | None = staff_field(
        C.CUSTOMERS_READ,
        guide_customer_api.customer,
        description=(
            "One customer's page (客户详情): profile, orders with items, refunds, coupons, points, "
            "timeline of share visits and service touches, follow-ups, tags; null for an "
            "unknown, malformed or out-of-reach id alike."
        ),
    )
    follow_ups: Connection[follow_up_api.FollowUpNode] = staff_field(
        C.CUSTOMERS_READ,
        follow_up_api.follow_ups,
        description=(
            "Follow-ups (回访记录) of the customers in the caller's reach, newest first; "
            "optionally one customer's, the caller's own, or those due by a day."
        ),
    )
    guide_overview: guide_overview_api.GuideOverviewReport = staff_field(
        C.GUIDE_OVERVIEW_READ,
        guide_overview_api.guide_overview_report,
        description=(
            "The store manager's view of their guides (导购看板) for a period: customers, new "
            "members (开卡), follow-ups, attributed orders and sales, plus figures other areas "
            "register. A store manager sees their store's guides. Errors in `errors`: "
            "INVALID_PERIOD."
        ),
    )
    poster_templates: Connection[poster_api.PosterTemplateNode] = staff_field(
        C.POSTER_TEMPLATES_WRITE,
        poster_api.poster_templates,
        description=(
            "Every share poster template (海报模板), disabled ones included, oldest first."
        ),
    )
    poster_funnel: report_api.PosterFunnelReport = staff_field(
        C.REPORTS_READ,
        report_api.poster_funnel,
        description=(
            "Share funnel per poster template (海报漏斗): visits through each template's "
            "小程序码 → unique visitors → bindings → orders credited to those visits → paid fen. "
            "Errors in `errors`: INVALID_PERIOD."
        ),
    )


@strawberry.type
class Mutation:
    staff_login: session_api.StaffLoginPayload = public_mutation(
        session_api.staff_login,
        description=(
            "Log a staff member in with username and password; returns an access token (15 "
            "minutes) and a refresh token (30 days). Throttled: 5 failures in 15 minutes per "
            "username lock it for 15 minutes; unknown user, wrong password, locked account and "
            "staff who left get the same answer. Anonymous. Errors: INVALID_CREDENTIALS."
        ),
    )
    refresh_token: session_api.StaffRefreshPayload = public_mutation(
        session_api.refresh_token,
        description=(
            "Exchange a staff refresh token for a new pair; single use (reusing a rotated one "
            "revokes its whole family). Anonymous. Errors: INVALID_REFRESH_TOKEN."
        ),
    )
    logout: session_api.StaffLogoutPayload = staff_mutation(
        C.SESSION,
        session_api.logout,
        description=(
            "End the session: the access token is revoked, and the refresh token's family when "
            "given (an unknown one is ignored); repeating it changes nothing."
        ),
    )
    change_password: session_api.ChangePasswordPayload = staff_mutation(
        C.SESSION,
        session_api.change_password,
        description=(
            "Change one's own password (at least 10 characters); every token of this staff "
            "member, this one included, stops working: log in again. Errors: INVALID_CREDENTIALS "
            "(old password), WEAK_PASSWORD."
        ),
    )
    create_store: org_api.StorePayload = staff_mutation(
        C.STORE_CREATE,
        org_api.create_store,
        description=(
            "Create a store (新建门店). Errors: DUPLICATE (code), REQUIRED, TOO_LONG, "
            "OUT_OF_RANGE (coordinates; give both or neither)."
        ),
    )
    create_tag: audience_api.TagPayload = staff_mutation(
        C.AUDIENCE_WRITE,
        audience_api.create_tag,
        description=("Create a manual member tag (标签). Errors: DUPLICATE, REQUIRED, TOO_LONG."),
    )
    add_member_tag: audience_api.MemberTagPayload = staff_mutation(
        C.MEMBER_TAG,
        audience_api.add_member_tag,
        description=(
            "Put a manual tag on a member in the caller's scope; adding it twice changes "
            "nothing. Errors: NOT_FOUND (member), UNKNOWN_TAG."
        ),
    )
    remove_member_tag: audience_api.MemberTagPayload = staff_mutation(
        C.MEMBER_TAG,
        audience_api.remove_member_tag,
        description=(
            "Take a manual tag off a member in the caller's scope; removing an absent tag "
            "changes nothing. Errors: NOT_FOUND (member), UNKNOWN_TAG."
        ),
    )
    create_segment: audience_api.SegmentPayload = staff_mutation(
        C.AUDIENCE_WRITE,
        audience_api.create_segment,
        description=(
            "Save an audience segment (人群分群): a named filter, evaluated live. Errors: "
            "DUPLICATE, REQUIRED, TOO_LONG, UNKNOWN_TAG, UNKNOWN_TIER, INVALID_RANGE, "
            "OUT_OF_RANGE, NOT_FOUND."
        ),
    )
    update_segment: audience_api.SegmentPayload = staff_mutation(
        C.AUDIENCE_WRITE,
        audience_api.update_segment,
        description=(
            "Rename a segment or replace its whole filter; omitted arguments are kept. Errors: "
            "as createSegment, and NOT_FOUND (id)."
        ),
    )
    create_staff: org_api.StaffPayload = staff_mutation(
        C.STAFF_CREATE,
        org_api.create_staff,
        description=(
            "Create a staff account (员工账号); a guide also becomes a distributor of kind "
            "GUIDE. Errors: DUPLICATE (username), STORE_REQUIRED (store roles), WEAK_PASSWORD, "
            "NOT_FOUND (storeId), REQUIRED, TOO_LONG."
        ),
    )
    mark_staff_left: org_api.StaffPayload = staff_mutation(
        C.STAFF_LEAVE,
        org_api.mark_staff_left,
        description=(
            "Mark a staff member LEFT (离职): they cannot log in and every token is revoked; "
            "commission earned stays theirs; transfer their customers with transferCustomers. A "
            "store manager may mark only their own store's guides. Errors: NOT_FOUND (out of "
            "scope), INVALID_STATE (oneself)."
        ),
    )
    create_category: catalog_api.CategoryPayload = staff_mutation(
        C.CATALOG_WRITE,
        catalog_api.create_category,
        description=(
            "Create a category; with parentId a second-level one. Errors: DUPLICATE (name), "
            "CATEGORY_DEPTH, NOT_FOUND (parentId), REQUIRED, TOO_LONG."
        ),
    )
    update_category: catalog_api.CategoryPayload = staff_mutation(
        C.CATALOG_WRITE,
        catalog_api.update_category,
        description=(
            "Rename or reorder a category; omitted arguments are kept. Errors: NOT_FOUND, "
            "DUPLICATE, TOO_LONG."
        ),
    )
    create_product: catalog_api.ProductPayload = staff_mutation(
        C.CATALOG_WRITE,
        catalog_api.create_product,
        description=(
            "Create a product (SPU) with at least one SKU, in one transaction. Errors: REQUIRED, "
            "TOO_LONG, OUT_OF_RANGE (price, stock, images, specs), INVALID (image URL), "
            "NOT_FOUND (categoryId), DUPLICATE (SKU code)."
        ),
    )
    update_product: catalog_api.ProductPayload = staff_mutation(
        C.CATALOG_WRITE,
        catalog_api.update_product,
        description=(
            "Change a product; fields left null are kept. Taking it off sale hides it from the "
            "shop; orders already placed are not affected. Errors: NOT_FOUND, TOO_LONG, "
            "OUT_OF_RANGE, INVALID."
        ),
    )
    create_sku: catalog_api.SkuPayload = staff_mutation(
        C.CATALOG_WRITE,
        catalog_api.create_sku,
        description=(
            "Add a SKU to a product. Errors: NOT_FOUND (productId), DUPLICATE (code), "
            "OUT_OF_RANGE, TOO_LONG."
        ),
    )
    update_sku: catalog_api.SkuPayload = staff_mutation(
        C.CATALOG_WRITE,
        catalog_api.update_sku,
        description=(
            "Replace a SKU's code, price, stock, specs and fixed commission. Errors: NOT_FOUND, "
            "DUPLICATE (code), OUT_OF_RANGE, TOO_LONG."
        ),
    )
    ship_order: order_api.AdminOrderPayload = staff_mutation(
        C.ORDER_SHIP,
        order_api.ship_order,
        description=(
            "Ship a PAID delivery order (发货) with one carrier and tracking number or up to 15 "
            "packages: SHIPPED, and its shipping info is uploaded to WeChat (发货信息录入) through "
            "the outbox. It completes on the member's confirmation, WeChat's confirm-receipt "
            "(wechat.shipping_management) or order.auto_complete_days later. Errors: NOT_FOUND, "
            "INVALID_STATE, INVALID (carrier: not in WeChat's delivery company list), REQUIRED, "
            "TOO_LONG, OUT_OF_RANGE (packages: more than 15)."
        ),
    )
    mark_ready_for_pickup: order_api.AdminOrderPayload = staff_mutation(
        C.PICKUP_VERIFY,
        order_api.mark_ready_for_pickup,
        description=(
            "Mark a PAID pickup order ready in store (备货完成): READY_FOR_PICKUP. Errors: "
            "NOT_FOUND, INVALID_STATE."
        ),
    )
    verify_pickup: order_api.AdminOrderPayload = staff_mutation(
        C.PICKUP_VERIFY,
        order_api.verify_pickup,
        description=(
            "Hand over a pickup order (核销) by the code the member shows: COMPLETED. Store "
            "staff verify at their own store, HQ_ADMIN at any. Errors: INVALID_PICKUP_CODE."
        ),
    )
    review_refund: order_api.ReviewRefundPayload = staff_mutation(
        C.REFUND_REVIEW,
        order_api.review_refund,
        description=(
            "Approve or reject a REQUESTED refund (审核售后). Approval refunds through the "
            "payment provider and reduces commission, points and growth in proportion; when "
            "every item is refunded the order is CLOSED. Errors: NOT_FOUND, INVALID_STATE "
            "(already reviewed), REFUND_FAILED, TOO_LONG."
        ),
    )
    retry_outbox_message: outbox_api.RetryOutboxMessagePayload = staff_mutation(
        C.OUTBOX, outbox_api.retry_outbox_message
    )
    mark_staff_notices_read: notification_api.MarkStaffNoticesReadPayload = staff_mutation(
        C.STAFF_INBOX,
        notification_api.mark_staff_notices_read,
        description=(
            "Mark the caller's notices read (all of them without ids). Errors: OUT_OF_RANGE, "
            "INVALID_ID."
        ),
    )
    resolve_refund: refund_attention_api.ResolveRefundPayload = staff_mutation(
        C.REFUND_ATTENTION, refund_attention_api.resolve_refund
    )
    resolve_reconciliation_difference: reconciliation_api.ResolveDifferencePayload = staff_mutation(
        C.RECONCILIATION, reconciliation_api.resolve_reconciliation_difference
    )
    save_refund_reason: refund_reason_api.RefundReasonPayload = staff_mutation(
        C.REFUND_REASONS_WRITE,
        refund_reason_api.save_refund_reason,
        description=(
            "Create or edit a refund reason (退款原因) by code; deactivate rather than delete "
            "(refunds keep their code). Errors: INVALID (code), OUT_OF_RANGE (position), "
            "REQUIRED, TOO_LONG, INVALID_TEXT."
        ),
    )
    confirm_refund_return: order_api.ReviewRefundPayload = staff_mutation(
        C.REFUND_REVIEW,
        order_api.confirm_refund_return,
        description=(
            "The store has the goods of an AWAITING_RETURN refund back (确认收到退货): the money "
            "goes back through the payment provider as after any approval. Errors: NOT_FOUND, "
            "INVALID_STATE, REFUND_FAILED."
        ),
    )
    create_guide_task_batch: guide_task_api.GuideTaskBatchPayload = staff_mutation(
        C.GUIDE_TASK_BATCH_WRITE,
        guide_task_api.create_guide_task_batch,
        description=(
            "Make one task per customer of a segment for the guide serving them (导购任务批次); "
            "a store manager reaches their store's customers only; customers without a guide "
            "get none. Runs in chunks, one transaction each, resumed by a job if interrupted; "
            "never two tasks for one customer in a batch. Errors: NOT_FOUND (segmentId, "
            "couponTemplateId: not one guides may issue), OUT_OF_RANGE (dueOn before today), "
            "REQUIRED, TOO_LONG, INVALID_TEXT (instructions)."
        ),
    )
    complete_guide_task: guide_task_api.GuideTaskPayload = staff_mutation(
        C.GUIDE_TASK_FINISH,
        guide_task_api.complete_guide_task,
        description=(
            "Mark one's OPEN task DONE with its outcome and, optionally, the follow-up it "
            "produced. Errors: NOT_FOUND (missing or another guide's), INVALID_STATE (not "
            "open), REQUIRED, TOO_LONG, INVALID_TEXT (outcome)."
        ),
    )
    skip_guide_task: guide_task_api.GuideTaskPayload = staff_mutation(
        C.GUIDE_TASK_FINISH,
        guide_task_api.skip_guide_task,
        description=(
            "Mark one's OPEN task SKIPPED with the reason. Errors: NOT_FOUND, INVALID_STATE, "
            "REQUIRED, TOO_LONG, INVALID_TEXT (reason)."
        ),
    )
    set_guide_coupon_quota: guide_coupon_api.GuideCouponQuotaPayload = staff_mutation(
        C.COUPONS_WRITE,
        guide_coupon_api.set_guide_coupon_quota,
        description=(
            "Let guides issue a coupon template, each at most monthlyQuota per Asia/Shanghai "
            "month; 0 takes it back. Errors: NOT_FOUND (templateId), OUT_OF_RANGE."
        ),
    )
    issue_guide_coupon: guide_coupon_api.IssueGuideCouponPayload = staff_mutation(
        C.GUIDE_COUPON_ISSUE,
        guide_coupon_api.issue_guide_coupon,
        description=(
            "Give one's own customer a coupon of a template guides may issue (导购发券); the "
            "template's stock and per-member limit apply as for every coupon. Errors: "
            "NOT_FOUND (templateId; memberId: missing or not one's customer), "
            "GUIDE_COUPON_QUOTA_REACHED, COUPON_OUT_OF_STOCK, COUPON_LIMIT_REACHED, "
            "COUPON_UNAVAILABLE."
        ),
    )
    create_content_item: content_api.ContentItemPayload = staff_mutation(
        C.CONTENT_WRITE,
        content_api.create_content_item,
        description=(
            "Write a content item (素材): title, share text, images, a product or campaign, "
            "valid window, target stores. Errors: REQUIRED, TOO_LONG, INVALID_TEXT, INVALID "
            "(image URL), OUT_OF_RANGE (images, storeIds), INVALID_RANGE (validUntil), "
            "NOT_FOUND (targetId, storeIds)."
        ),
    )
    update_content_item: content_api.ContentItemPayload = staff_mutation(
        C.CONTENT_WRITE,
        content_api.update_content_item,
        description=(
            "Replace every field of a content item; links guides already made keep their "
            "target. Errors: as createContentItem, and NOT_FOUND (id)."
        ),
    )
    share_content_item: ShareLinkPayload = staff_mutation(
        C.CONTENT_SHARE,
        content_api.share_content_item,
        description=(
            "Share a content item valid now for one's store: returns one's share link for it, "
            "made on the first share and reused after, so the item's funnel is known per "
            "guide. Errors: NOT_FOUND (another store's item, or outside its window), "
            "NOT_A_DISTRIBUTOR, DISTRIBUTOR_INACTIVE, NOT_ON_SALE (the product)."
        ),
    )
    refund_item: order_api.ReviewRefundPayload = staff_mutation(
        C.REFUND_REVIEW,
        order_api.refund_item,
        description=(
            "Refund a paid item on staff's initiative (缺货退款): the refund is created already "
            "approved and goes to the payment provider at once; reversals apply at its SUCCESS. "
            "Errors: NOT_FOUND, INVALID_STATE, UNKNOWN_REFUND_REASON, AMOUNT_NOT_POSITIVE, "
            "REFUND_EXCEEDS_PAID, REFUND_IN_PROGRESS, REFUND_FAILED, TOO_LONG."
        ),
    )
    cancel_paid_order: order_api.StaffRefundsPayload = staff_mutation(
        C.REFUND_REVIEW,
        order_api.cancel_paid_order,
        description=(
            "Cancel a PAID or READY_FOR_PICKUP order (取消已付款订单) by refunding every item in "
            "full; the order is CLOSED once all refunds succeed. An item with an open refund "
            "refuses the whole cancellation. Errors: NOT_FOUND, INVALID_STATE, "
            "UNKNOWN_REFUND_REASON, REFUND_IN_PROGRESS, REFUND_FAILED, TOO_LONG."
        ),
    )
    update_settings: settings_api.UpdateSettingsPayload = staff_mutation(
        C.SETTINGS_WRITE,
        settings_api.update_settings_mutation,
        description=(
            "Change business settings (业务设置), all or none, audited; takes effect at once. "
            "Errors: UNKNOWN_SETTING, INVALID_SETTING, OUT_OF_RANGE (1 to 100 changes)."
        ),
    )
    create_share_link: ShareLinkPayload = staff_mutation(
        C.SHARE_LINKS_OWN,
        customer_api.create_share_link,
        description=(
            "Create one of the calling guide's own share links: visits bind the referral and "
            "touch the service relationship (the guide and the guide's store). Errors: "
            "NOT_A_DISTRIBUTOR, DISTRIBUTOR_INACTIVE, NOT_FOUND, NOT_ON_SALE, INVALID, REQUIRED, "
            "TOO_LONG."
        ),
    )
    sign_up_customer: customer_api.SignUpCustomerPayload = staff_mutation(
        C.CUSTOMER_SIGN_UP,
        customer_api.sign_up_customer,
        description=(
            "Sign a customer up in store by phone (开卡): a new member is created if none has "
            "the phone, else the service relationship moves to the caller unless protected; the "
            "outcome says which, and the member is shown only if now the caller's. Errors: "
            "INVALID_PHONE, STORE_REQUIRED."
        ),
    )
    transfer_customers: customer_api.TransferCustomersPayload = staff_mutation(
        C.CUSTOMERS_TRANSFER,
        customer_api.transfer_customers,
        description=(
            "Transfer a guide's customers (离职继承 / 客户转移) to another guide of the same "
            "store, or to the store itself without toGuideId: all of them, or only memberIds. "
            "Always replaces the relationship in force (TRANSFER). A store manager transfers "
            "within their store. Errors: NOT_FOUND, OUT_OF_RANGE (memberIds over 100), INVALID."
        ),
    )
    set_commission_rules: commission_api.SetCommissionRulesPayload = staff_mutation(
        C.COMMISSION_RULES_WRITE,
        commission_api.set_commission_rules,
        description=(
            "Replace the whole commission rule set (at most 100 rules) in one transaction; "
            "commission already accrued never changes. Errors: INVALID_RULE, REQUIRED, "
            "OUT_OF_RANGE, NOT_FOUND (scopeId)."
        ),
    )
    adjust_commission: commission_api.AdjustCommissionPayload = staff_mutation(
        C.COMMISSION_ADJUST,
        commission_api.adjust_commission,
        description=(
            "Post a manual commission adjustment (佣金调整), positive or negative, on a "
            "distributor's or a store's available balance (it may go negative), with a reason; a "
            "ledger row like any other. Errors: INVALID (give exactly one of distributorId, "
            "storeId), NOT_FOUND, OUT_OF_RANGE, REQUIRED, TOO_LONG."
        ),
    )
    review_withdrawal: withdrawal_api.AdminWithdrawalPayload = staff_mutation(
        C.WITHDRAWAL_REVIEW,
        withdrawal_api.review_withdrawal,
        description=(
            "Approve (→ APPROVED, ready to pay) or reject (→ REJECTED, the hold goes back to "
            "available) a PENDING_REVIEW withdrawal. Repeating the same decision returns it "
            "unchanged. Errors: NOT_FOUND, INVALID_STATE, TOO_LONG."
        ),
    )
    pay_withdrawal: withdrawal_api.AdminWithdrawalPayload = staff_mutation(
        C.WITHDRAWAL_REVIEW,
        withdrawal_api.pay_withdrawal,
        description=(
            "Pay an APPROVED (or retry a FAILED) withdrawal through the payout provider (打款), "
            "with the withdrawal id as the provider's idempotency key: PAID, or FAILED with "
            "failureReason and a PAYOUT_FAILED error (the one error returned together with the "
            "changed withdrawal). A PAID one is returned as it is. Errors: NOT_FOUND, "
            "INVALID_STATE, PAYOUT_FAILED."
        ),
    )
    release_withdrawal: withdrawal_api.AdminWithdrawalPayload = staff_mutation(
        C.WITHDRAWAL_REVIEW,
        withdrawal_api.release_withdrawal,
        description=(
            "Give up a FAILED withdrawal: RELEASED, its hold goes back to the available balance. "
            "Errors: NOT_FOUND, INVALID_STATE."
        ),
    )
    cancel_withdrawal_transfer: withdrawal_api.AdminWithdrawalPayload = staff_mutation(
        C.WITHDRAWAL_REVIEW,
        withdrawal_api.cancel_withdrawal_transfer,
        description=(
            "Cancel a WeChat transfer the payee has not confirmed (AWAITING_PAYEE): CANCELLED once"
            " WeChat confirms, and the hold goes back to available. Errors: NOT_FOUND,"
            " INVALID_STATE."
        ),
    )
    reveal_payee_real_name: withdrawal_api.RevealPayeeRealNamePayload = staff_mutation(
        C.PAYEE_REAL_NAME_REVEAL,
        withdrawal_api.reveal_payee_real_name,
        description=(
            "The payee's real name in full, to check it before approving a large transfer; every"
            " reveal writes an audit row (who, whose, which withdrawal, why). Errors: NOT_FOUND,"
            " PAYEE_REAL_NAME_REQUIRED (none recorded), REQUIRED, INVALID_TEXT."
        ),
    )
    review_distributor_application: distributor_api.ReviewApplicationPayload = staff_mutation(
        C.DISTRIBUTOR_REVIEW,
        distributor_api.review_distributor_application,
        description=(
            "Approve (the member becomes a distributor of the kind applied for) or reject a "
            "PENDING application. Errors: NOT_FOUND, INVALID_STATE (already reviewed), "
            "ALREADY_DISTRIBUTOR, TOO_LONG."
        ),
    )
    set_distributor_status: distributor_api.DistributorPayload = staff_mutation(
        C.DISTRIBUTOR_REVIEW,
        distributor_api.set_distributor_status,
        description=(
            "Freeze (keeps balances, earns nothing new), disable or reactivate a distributor. "
            "Errors: NOT_FOUND."
        ),
    )
    place_assisted_order: order_api.AdminOrderPayload = staff_mutation(
        C.ASSISTED_ORDER,
        distributor_api.place_assisted_order,
        description=(
            "Place an order for one of the calling guide's own customers (代客下单), as "
            "placeOrder does for a member: channel GUIDE_ASSISTED, credited to the guide and "
            "their store; the member pays it. Idempotent by idempotencyKey. Errors: as "
            "placeOrder, and NOT_FOUND (memberId not the guide's customer)."
        ),
    )
    update_tier: loyalty_api.TierPayload = staff_mutation(
        C.TIERS_WRITE,
        loyalty_api.update_tier_mutation,
        description=(
            "Change a tier; fields left null are kept. Thresholds must rise with the tier codes, "
            "the first 0; every member is re-tiered at once. Errors: NOT_FOUND, REQUIRED, "
            "TOO_LONG, OUT_OF_RANGE."
        ),
    )
    adjust_points: loyalty_api.AdjustPointsPayload = staff_mutation(
        C.POINTS_ADJUST,
        loyalty_api.adjust_points,
        description=(
            "Add or take points (积分调整) for a member, with a reason; an ADJUST movement the "
            "member sees. Errors: NOT_FOUND, OUT_OF_RANGE (0 or too large), INSUFFICIENT_POINTS, "
            "REQUIRED, TOO_LONG."
        ),
    )
    create_coupon_template: coupon_api.CouponTemplatePayload = staff_mutation(
        C.COUPONS_WRITE,
        coupon_api.create_coupon_template,
        description=(
            "Create a coupon template (优惠券模板). Errors: REQUIRED, TOO_LONG, OUT_OF_RANGE, "
            "INVALID (validity), NOT_FOUND (scopeIds)."
        ),
    )
    update_coupon_template: coupon_api.CouponTemplatePayload = staff_mutation(
        C.COUPONS_WRITE,
        coupon_api.update_coupon_template,
        description=(
            "Replace a coupon template's settings; coupons already held keep their validity; "
            "totalStock may not go below what was granted. Errors: as createCouponTemplate, and "
            "NOT_FOUND (id)."
        ),
    )
    issue_coupons: coupon_api.IssueCouponsPayload = staff_mutation(
        C.COUPONS_WRITE,
        coupon_api.issue_coupons,
        description=(
            "Issue one coupon (定向发券) to each listed member (at most 100) or each member of a "
            "segment, not both. Members at the per-member limit or not active, and everyone "
            "when the template is inactive or expired, are skipped and counted; issuing stops "
            "when the stock runs out. Not idempotent: issuing again grants again, up to the "
            "limit. Errors: NOT_FOUND, INVALID, OUT_OF_RANGE."
        ),
    )
    set_store_targets: target_api.SetStoreTargetsPayload = staff_mutation(
        C.STORE_TARGETS_WRITE,
        target_api.set_store_targets,
        description=(
            "Set a store's targets (门店目标) for a month: new members, sales and distribution "
            "sales in fen; replaces that month's targets. Errors: INVALID_TARGET_MONTH, "
            "OUT_OF_RANGE, NOT_FOUND (storeId)."
        ),
    )
    rebind_referrer: referrer_api.ReferrerEditPayload = staff_mutation(
        C.REFERRER_EDIT,
        referrer_api.rebind_referrer,
        description=(
            "Bind a member to another referrer (改绑) from now, with a reason: the binding in "
            "force ends, the new one (reason ADMIN) lasts referral.bind_days. Never retroactive: "
            "orders already placed keep their attribution and commission; the old referrer's "
            "last share touch of the member is dropped. Errors: NOT_FOUND, DISTRIBUTOR_INACTIVE, "
            "REFERRAL_SELF, REFERRAL_CYCLE, REFERRAL_CHANGED, INVALID (already the referrer), "
            "REQUIRED, TOO_LONG, INVALID_TEXT."
        ),
    )
    unbind_referrer: referrer_api.ReferrerEditPayload = staff_mutation(
        C.REFERRER_EDIT,
        referrer_api.unbind_referrer,
        description=(
            "End a member's referral binding (解绑) from now, with a reason; the member may be "
            "bound again by a later share visit. Never retroactive, as rebindReferrer. Errors: "
            "NOT_FOUND, REFERRAL_CHANGED, REQUIRED, TOO_LONG, INVALID_TEXT."
        ),
    )
    record_follow_up: follow_up_api.FollowUpPayload = staff_mutation(
        C.FOLLOW_UP_WRITE,
        follow_up_api.record_follow_up,
        description=(
            "Record a follow-up (记录回访) of a customer in the caller's reach: channel, outcome, "
            "note (at most 2000 characters), next date. Orders the customer pays within "
            "guide.follow_up_credit_days are credited to it. Errors: NOT_FOUND (input.memberId), "
            "TOO_LONG, INVALID_TEXT (input.note), OUT_OF_RANGE (input.nextDate)."
        ),
    )
    update_follow_up: follow_up_api.FollowUpPayload = staff_mutation(
        C.FOLLOW_UP_WRITE,
        follow_up_api.update_follow_up,
        description=(
            "Correct a follow-up: its author only, within 24 hours of recording; append-only "
            "afterwards. Errors: NOT_FOUND, NOT_FOLLOW_UP_AUTHOR, FOLLOW_UP_LOCKED, TOO_LONG, "
            "INVALID_TEXT, OUT_OF_RANGE."
        ),
    )

    upload_poster_image: poster_api.PosterImagePayload = staff_mutation(
        C.POSTER_TEMPLATES_WRITE,
        poster_api.upload_poster_image,
        description=(
            "Upload a poster background (PNG, JPEG or WebP; width 300..2000 and height "
            "300..4000 pixels; at most 700 KiB), kept by the service itself. The same bytes "
            "twice are the same image. Errors: IMAGE_INVALID, INVALID (not base64), REQUIRED."
        ),
    )
    create_poster_template: poster_api.PosterTemplatePayload = staff_mutation(
        C.POSTER_TEMPLATES_WRITE,
        poster_api.create_poster_template,
        description=(
            "Create a share poster template (海报模板), enabled, version 1. Nothing is saved "
            "unless every box lies inside the background and within its bounds. Errors: "
            "POSTER_BOX_OUTSIDE (field: the box), OUT_OF_RANGE, INVALID (color), NOT_FOUND "
            "(backgroundId), REQUIRED, TOO_LONG, INVALID_TEXT."
        ),
    )
    update_poster_template: poster_api.PosterTemplatePayload = staff_mutation(
        C.POSTER_TEMPLATES_WRITE,
        poster_api.update_poster_template,
        description=(
            "Rewrite a poster template as a whole; its version goes up by one and distributors' "
            "posters of it are rebuilt when next asked for. Errors: as createPosterTemplate, "
            "and NOT_FOUND (id)."
        ),
    )
    set_poster_template_enabled: poster_api.PosterTemplatePayload = staff_mutation(
        C.POSTER_TEMPLATES_WRITE,
        poster_api.set_poster_template_enabled,
        description=(
            "Offer a poster template to distributors, or stop offering it (its posters and "
            "funnel stay). Errors: NOT_FOUND."
        ),
    )

    share_poster: SharePosterPayload = staff_mutation(
        C.SHARE_LINKS_OWN,
        poster_api.share_poster,
        description=(
            "The calling guide's poster (分享海报) of one of their own product share links and an "
            "enabled template, as the shop's sharePoster: composed once, cached until what it "
            "shows changes. Errors: NOT_FOUND (linkId: not the guide's; templateId), INVALID, "
            "NOT_ON_SALE, IMAGE_HOST_NOT_ALLOWED, IMAGE_INVALID, IMAGE_UNAVAILABLE."
        ),
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
