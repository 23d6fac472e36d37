"""The admin API at /admin/graphql: staff tokens; every root field declares its capability here
(the role matrix: `domain.access.capabilities`), or that it is public."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from api.admin import audience as audience_api
from api.admin import catalog as catalog_api
from api.admin import commission as commission_api
from api.admin import coupons as coupon_api
from api.admin import customers as customer_api
from api.admin import distributors as distributor_api
from api.admin import job_runs as job_run_api
from api.admin import loyalty as loyalty_api
from api.admin import members as member_api
from api.admin import orders as order_api
from api.admin import org as org_api
from api.admin import reconciliation as reconciliation_api
from api.admin import refund_attention as refund_attention_api
from api.admin import reports as report_api
from api.admin import session as session_api
from api.admin import settings as settings_api
from api.admin import targets as target_api
from api.admin import withdrawals as withdrawal_api
from api.admin.nodes import MemberNode, StaffNode, StoreNode
from api.auth.permissions import public_mutation, staff_field, staff_mutation
from api.graphql.distributors import ApplicationNode, DistributorNode
from api.graphql.loyalty import CouponTemplateNode, TierNode
from api.graphql.orders import RefundNode
from api.graphql.relay import Connection
from api.graphql.scalars import SCALARS
from api.shop.catalog import CategoryNode
from api.shop.distribution_links import ShareLinkNode, ShareLinkPayload
from domain.access.capabilities import Capability as C


@strawberry.type
class Query:
    viewer: StaffNode = staff_field(C.SESSION, session_api.viewer)
    members: Connection[MemberNode] = staff_field(C.MEMBERS_READ, member_api.members)
    member: MemberNode | None = staff_field(C.MEMBERS_READ, member_api.member)
    stores: Connection[StoreNode] = staff_field(C.STORES_READ, org_api.stores)
    staff_members: Connection[StaffNode] = staff_field(C.STAFF_READ, org_api.staff_members)
    products: Connection[catalog_api.AdminProductNode] = staff_field(
        C.CATALOG_WRITE, catalog_api.products
    )
    categories: list[CategoryNode] = staff_field(C.CATEGORIES_READ, catalog_api.categories)
    orders: Connection[order_api.AdminOrderNode] = staff_field(C.ORDERS_READ, order_api.orders)
    order: order_api.AdminOrderNode | None = staff_field(C.ORDERS_READ, order_api.order)
    refund_requests: Connection[RefundNode] = staff_field(
        C.REFUND_REVIEW, order_api.refund_requests
    )
    settings: list[settings_api.SettingNode] = staff_field(C.SETTINGS_WRITE, settings_api.settings)
    my_share_links: Connection[ShareLinkNode] = staff_field(
        C.SHARE_LINKS_OWN, customer_api.my_share_links
    )
    customer_relationships: Connection[customer_api.CustomerRelationshipNode] = staff_field(
        C.CUSTOMERS_TRANSFER, customer_api.customer_relationships
    )
    commission_rules: list[commission_api.CommissionRuleNode] = staff_field(
        C.COMMISSION_RULES_READ, commission_api.commission_rules
    )
    commission_entries: Connection[commission_api.CommissionEntryNode] = staff_field(
        C.COMMISSION_ENTRIES_READ, commission_api.commission_entries
    )
    commission_accounts: Connection[commission_api.CommissionAccountNode] = staff_field(
        C.COMMISSION_ACCOUNTS_READ, commission_api.commission_accounts
    )
    withdrawals: Connection[withdrawal_api.AdminWithdrawalNode] = staff_field(
        C.WITHDRAWAL_REVIEW, withdrawal_api.withdrawals
    )
    distributors: Connection[DistributorNode] = staff_field(
        C.DISTRIBUTORS_READ, distributor_api.distributors
    )
    distributor_applications: Connection[ApplicationNode] = staff_field(
        C.DISTRIBUTOR_REVIEW, distributor_api.distributor_applications
    )
    tiers: Connection[TierNode] = staff_field(C.TIERS_WRITE, loyalty_api.tiers)
    coupon_templates: Connection[CouponTemplateNode] = staff_field(
        C.COUPONS_WRITE, coupon_api.coupon_templates
    )
    tags: Connection[audience_api.TagNode] = staff_field(C.MEMBER_TAG, audience_api.tags)
    segments: Connection[audience_api.SegmentNode] = staff_field(
        C.AUDIENCE_WRITE, audience_api.segments
    )
    segment: audience_api.SegmentNode | None = staff_field(C.AUDIENCE_WRITE, audience_api.segment)
    commission_report: report_api.CommissionReport = staff_field(
        C.REPORT_COMMISSION, report_api.commission_report
    )
    promoter_ranking: report_api.PromoterRankingReport = staff_field(
        C.REPORT_COMMISSION, report_api.promoter_ranking
    )
    store_performance: report_api.StorePerformanceReport = staff_field(
        C.REPORTS_READ, report_api.store_performance
    )
    guide_performance: report_api.GuidePerformanceReport = staff_field(
        C.REPORTS_READ, report_api.guide_performance
    )
    channel_cohorts: report_api.ChannelCohortReport = staff_field(
        C.REPORTS_READ, report_api.channel_cohorts
    )
    share_funnel: report_api.ShareFunnelReport = staff_field(
        C.REPORTS_READ, report_api.share_funnel
    )
    job_runs: Connection[job_run_api.JobRunNode] = staff_field(
        C.JOB_RUNS_READ, job_run_api.job_runs
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


@strawberry.type
class Mutation:
    staff_login: session_api.StaffLoginPayload = public_mutation(session_api.staff_login)
    refresh_token: session_api.StaffRefreshPayload = public_mutation(session_api.refresh_token)
    logout: session_api.StaffLogoutPayload = staff_mutation(C.SESSION, session_api.logout)
    change_password: session_api.ChangePasswordPayload = staff_mutation(
        C.SESSION, session_api.change_password
    )
    create_store: org_api.StorePayload = staff_mutation(C.STORE_CREATE, org_api.create_store)
    create_tag: audience_api.TagPayload = staff_mutation(C.AUDIENCE_WRITE, audience_api.create_tag)
    add_member_tag: audience_api.MemberTagPayload = staff_mutation(
        C.MEMBER_TAG, audience_api.add_member_tag
    )
    remove_member_tag: audience_api.MemberTagPayload = staff_mutation(
        C.MEMBER_TAG, audience_api.remove_member_tag
    )
    create_segment: audience_api.SegmentPayload = staff_mutation(
        C.AUDIENCE_WRITE, audience_api.create_segment
    )
    update_segment: audience_api.SegmentPayload = staff_mutation(
        C.AUDIENCE_WRITE, audience_api.update_segment
    )
    create_staff: org_api.StaffPayload = staff_mutation(C.STAFF_CREATE, org_api.create_staff)
    mark_staff_left: org_api.StaffPayload = staff_mutation(C.STAFF_LEAVE, org_api.mark_staff_left)
    create_category: catalog_api.CategoryPayload = staff_mutation(
        C.CATALOG_WRITE, catalog_api.create_category
    )
    update_category: catalog_api.CategoryPayload = staff_mutation(
        C.CATALOG_WRITE, catalog_api.update_category
    )
    create_product: catalog_api.ProductPayload = staff_mutation(
        C.CATALOG_WRITE, catalog_api.create_product
    )
    update_product: catalog_api.ProductPayload = staff_mutation(
        C.CATALOG_WRITE, catalog_api.update_product
    )
    create_sku: catalog_api.SkuPayload = staff_mutation(C.CATALOG_WRITE, catalog_api.create_sku)
    update_sku: catalog_api.SkuPayload = staff_mutation(C.CATALOG_WRITE, catalog_api.update_sku)
    ship_order: order_api.AdminOrderPayload = staff_mutation(C.ORDER_SHIP, order_api.ship_order)
    mark_ready_for_pickup: order_api.AdminOrderPayload = staff_mutation(
        C.PICKUP_VERIFY, order_api.mark_ready_for_pickup
    )
    verify_pickup: order_api.AdminOrderPayload = staff_mutation(
        C.PICKUP_VERIFY, order_api.verify_pickup
    )
    review_refund: order_api.ReviewRefundPayload = staff_mutation(
        C.REFUND_REVIEW, order_api.review_refund
    )
    resolve_refund: refund_attention_api.ResolveRefundPayload = staff_mutation(
        C.REFUND_ATTENTION, refund_attention_api.resolve_refund
    )
    resolve_reconciliation_difference: reconciliation_api.ResolveDifferencePayload = staff_mutation(
        C.RECONCILIATION, reconciliation_api.resolve_reconciliation_difference
    )
    update_settings: settings_api.UpdateSettingsPayload = staff_mutation(
        C.SETTINGS_WRITE, settings_api.update_settings_mutation
    )
    create_share_link: ShareLinkPayload = staff_mutation(
        C.SHARE_LINKS_OWN, customer_api.create_share_link
    )
    sign_up_customer: customer_api.SignUpCustomerPayload = staff_mutation(
        C.CUSTOMER_SIGN_UP, customer_api.sign_up_customer
    )
    transfer_customers: customer_api.TransferCustomersPayload = staff_mutation(
        C.CUSTOMERS_TRANSFER, customer_api.transfer_customers
    )
    set_commission_rules: commission_api.SetCommissionRulesPayload = staff_mutation(
        C.COMMISSION_RULES_WRITE, commission_api.set_commission_rules
    )
    adjust_commission: commission_api.AdjustCommissionPayload = staff_mutation(
        C.COMMISSION_ADJUST, commission_api.adjust_commission
    )
    review_withdrawal: withdrawal_api.AdminWithdrawalPayload = staff_mutation(
        C.WITHDRAWAL_REVIEW, withdrawal_api.review_withdrawal
    )
    pay_withdrawal: withdrawal_api.AdminWithdrawalPayload = staff_mutation(
        C.WITHDRAWAL_REVIEW, withdrawal_api.pay_withdrawal
    )
    release_withdrawal: withdrawal_api.AdminWithdrawalPayload = staff_mutation(
        C.WITHDRAWAL_REVIEW, withdrawal_api.release_withdrawal
    )
    review_distributor_application: distributor_api.ReviewApplicationPayload = staff_mutation(
        C.DISTRIBUTOR_REVIEW, distributor_api.review_distributor_application
    )
    set_distributor_status: distributor_api.DistributorPayload = staff_mutation(
        C.DISTRIBUTOR_REVIEW, distributor_api.set_distributor_status
    )
    place_assisted_order: order_api.AdminOrderPayload = staff_mutation(
        C.ASSISTED_ORDER, distributor_api.place_assisted_order
    )
    update_tier: loyalty_api.TierPayload = staff_mutation(
        C.TIERS_WRITE, loyalty_api.update_tier_mutation
    )
    adjust_points: loyalty_api.AdjustPointsPayload = staff_mutation(
        C.POINTS_ADJUST, loyalty_api.adjust_points
    )
    create_coupon_template: coupon_api.CouponTemplatePayload = staff_mutation(
        C.COUPONS_WRITE, coupon_api.create_coupon_template
    )
    update_coupon_template: coupon_api.CouponTemplatePayload = staff_mutation(
        C.COUPONS_WRITE, coupon_api.update_coupon_template
    )
    issue_coupons: coupon_api.IssueCouponsPayload = staff_mutation(
        C.COUPONS_WRITE, coupon_api.issue_coupons
    )
    set_store_targets: target_api.SetStoreTargetsPayload = staff_mutation(
        C.STORE_TARGETS_WRITE, target_api.set_store_targets
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
