"""The admin API at /admin/graphql: staff tokens, every root field authorised by role."""

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
from api.admin import reports as report_api
from api.admin import session as session_api
from api.admin import settings as settings_api
from api.admin import targets as target_api
from api.admin import withdrawals as withdrawal_api
from api.admin.nodes import MemberNode, StaffNode, StoreNode
from api.graphql.distributors import ApplicationNode, DistributorNode
from api.graphql.loyalty import CouponTemplateNode, TierNode
from api.graphql.orders import RefundNode
from api.graphql.relay import Connection
from api.graphql.scalars import SCALARS
from api.shop.catalog import CategoryNode
from api.shop.distribution_links import ShareLinkNode, ShareLinkPayload


@strawberry.type
class Query:
    viewer: StaffNode = strawberry.field(resolver=session_api.viewer)
    members: Connection[MemberNode] = strawberry.field(resolver=member_api.members)
    member: MemberNode | None = strawberry.field(resolver=member_api.member)
    stores: Connection[StoreNode] = strawberry.field(resolver=org_api.stores)
    staff_members: Connection[StaffNode] = strawberry.field(resolver=org_api.staff_members)
    products: Connection[catalog_api.AdminProductNode] = strawberry.field(
        resolver=catalog_api.products
    )
    categories: list[CategoryNode] = strawberry.field(resolver=catalog_api.categories)
    orders: Connection[order_api.AdminOrderNode] = strawberry.field(resolver=order_api.orders)
    order: order_api.AdminOrderNode | None = strawberry.field(resolver=order_api.order)
    refund_requests: Connection[RefundNode] = strawberry.field(resolver=order_api.refund_requests)
    settings: list[settings_api.SettingNode] = strawberry.field(resolver=settings_api.settings)
    my_share_links: Connection[ShareLinkNode] = strawberry.field(
        resolver=customer_api.my_share_links
    )
    customer_relationships: Connection[customer_api.CustomerRelationshipNode] = strawberry.field(
        resolver=customer_api.customer_relationships
    )
    commission_rules: list[commission_api.CommissionRuleNode] = strawberry.field(
        resolver=commission_api.commission_rules
    )
    commission_entries: Connection[commission_api.CommissionEntryNode] = strawberry.field(
        resolver=commission_api.commission_entries
    )
    withdrawals: Connection[withdrawal_api.AdminWithdrawalNode] = strawberry.field(
        resolver=withdrawal_api.withdrawals
    )
    distributors: Connection[DistributorNode] = strawberry.field(
        resolver=distributor_api.distributors
    )
    distributor_applications: Connection[ApplicationNode] = strawberry.field(
        resolver=distributor_api.distributor_applications
    )
    tiers: Connection[TierNode] = strawberry.field(resolver=loyalty_api.tiers)
    coupon_templates: Connection[CouponTemplateNode] = strawberry.field(
        resolver=coupon_api.coupon_templates
    )
    tags: Connection[audience_api.TagNode] = strawberry.field(resolver=audience_api.tags)
    segments: Connection[audience_api.SegmentNode] = strawberry.field(
        resolver=audience_api.segments
    )
    segment: audience_api.SegmentNode | None = strawberry.field(resolver=audience_api.segment)
    commission_report: report_api.CommissionReport = strawberry.field(
        resolver=report_api.commission_report
    )
    promoter_ranking: report_api.PromoterRankingReport = strawberry.field(
        resolver=report_api.promoter_ranking
    )
    store_performance: report_api.StorePerformanceReport = strawberry.field(
        resolver=report_api.store_performance
    )
    guide_performance: report_api.GuidePerformanceReport = strawberry.field(
        resolver=report_api.guide_performance
    )
    channel_cohorts: report_api.ChannelCohortReport = strawberry.field(
        resolver=report_api.channel_cohorts
    )
    share_funnel: report_api.ShareFunnelReport = strawberry.field(resolver=report_api.share_funnel)
    job_runs: Connection[job_run_api.JobRunNode] = strawberry.field(resolver=job_run_api.job_runs)


@strawberry.type
class Mutation:
    staff_login: session_api.StaffLoginPayload = strawberry.mutation(
        resolver=session_api.staff_login
    )
    refresh_token: session_api.StaffRefreshPayload = strawberry.mutation(
        resolver=session_api.refresh_token
    )
    logout: session_api.StaffLogoutPayload = strawberry.mutation(resolver=session_api.logout)
    change_password: session_api.ChangePasswordPayload = strawberry.mutation(
        resolver=session_api.change_password
    )
    create_store: org_api.StorePayload = strawberry.mutation(resolver=org_api.create_store)
    create_tag: audience_api.TagPayload = strawberry.mutation(resolver=audience_api.create_tag)
    add_member_tag: audience_api.MemberTagPayload = strawberry.mutation(
        resolver=audience_api.add_member_tag
    )
    remove_member_tag: audience_api.MemberTagPayload = strawberry.mutation(
        resolver=audience_api.remove_member_tag
    )
    create_segment: audience_api.SegmentPayload = strawberry.mutation(
        resolver=audience_api.create_segment
    )
    update_segment: audience_api.SegmentPayload = strawberry.mutation(
        resolver=audience_api.update_segment
    )
    create_staff: org_api.StaffPayload = strawberry.mutation(resolver=org_api.create_staff)
    mark_staff_left: org_api.StaffPayload = strawberry.mutation(resolver=org_api.mark_staff_left)
    create_category: catalog_api.CategoryPayload = strawberry.mutation(
        resolver=catalog_api.create_category
    )
    update_category: catalog_api.CategoryPayload = strawberry.mutation(
        resolver=catalog_api.update_category
    )
    create_product: catalog_api.ProductPayload = strawberry.mutation(
        resolver=catalog_api.create_product
    )
    update_product: catalog_api.ProductPayload = strawberry.mutation(
        resolver=catalog_api.update_product
    )
    create_sku: catalog_api.SkuPayload = strawberry.mutation(resolver=catalog_api.create_sku)
    update_sku: catalog_api.SkuPayload = strawberry.mutation(resolver=catalog_api.update_sku)
    ship_order: order_api.AdminOrderPayload = strawberry.mutation(resolver=order_api.ship_order)
    mark_ready_for_pickup: order_api.AdminOrderPayload = strawberry.mutation(
        resolver=order_api.mark_ready_for_pickup
    )
    verify_pickup: order_api.AdminOrderPayload = strawberry.mutation(
        resolver=order_api.verify_pickup
    )
    review_refund: order_api.ReviewRefundPayload = strawberry.mutation(
        resolver=order_api.review_refund
    )
    update_settings: settings_api.UpdateSettingsPayload = strawberry.mutation(
        resolver=settings_api.update_settings_mutation
    )
    create_share_link: ShareLinkPayload = strawberry.mutation(
        resolver=customer_api.create_share_link
    )
    sign_up_customer: customer_api.SignUpCustomerPayload = strawberry.mutation(
        resolver=customer_api.sign_up_customer
    )
    transfer_customers: customer_api.TransferCustomersPayload = strawberry.mutation(
        resolver=customer_api.transfer_customers
    )
    set_commission_rules: commission_api.SetCommissionRulesPayload = strawberry.mutation(
        resolver=commission_api.set_commission_rules
    )
    adjust_commission: commission_api.AdjustCommissionPayload = strawberry.mutation(
        resolver=commission_api.adjust_commission
    )
    review_withdrawal: withdrawal_api.AdminWithdrawalPayload = strawberry.mutation(
        resolver=withdrawal_api.review_withdrawal
    )
    pay_withdrawal: withdrawal_api.AdminWithdrawalPayload = strawberry.mutation(
        resolver=withdrawal_api.pay_withdrawal
    )
    release_withdrawal: withdrawal_api.AdminWithdrawalPayload = strawberry.mutation(
        resolver=withdrawal_api.release_withdrawal
    )
    review_distributor_application: distributor_api.ReviewApplicationPayload = strawberry.mutation(
        resolver=distributor_api.review_distributor_application
    )
    set_distributor_status: distributor_api.DistributorPayload = strawberry.mutation(
        resolver=distributor_api.set_distributor_status
    )
    place_assisted_order: order_api.AdminOrderPayload = strawberry.mutation(
        resolver=distributor_api.place_assisted_order
    )
    update_tier: loyalty_api.TierPayload = strawberry.mutation(
        resolver=loyalty_api.update_tier_mutation
    )
    adjust_points: loyalty_api.AdjustPointsPayload = strawberry.mutation(
        resolver=loyalty_api.adjust_points
    )
    create_coupon_template: coupon_api.CouponTemplatePayload = strawberry.mutation(
        resolver=coupon_api.create_coupon_template
    )
    update_coupon_template: coupon_api.CouponTemplatePayload = strawberry.mutation(
        resolver=coupon_api.update_coupon_template
    )
    issue_coupons: coupon_api.IssueCouponsPayload = strawberry.mutation(
        resolver=coupon_api.issue_coupons
    )
    set_store_targets: target_api.SetStoreTargetsPayload = strawberry.mutation(
        resolver=target_api.set_store_targets
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
