"""The shop API at /graphql: anonymous browsing and member tokens. No admin types here. Every
root field answers DomainErrors through `ErrorsAsData` (payload errors, null, BAD_USER_INPUT)."""

from __future__ import annotations

import strawberry
from strawberry.schema.config import StrawberryConfig

from api.auth.permissions import shop_field, shop_mutation
from api.graphql.loyalty import CouponNode, CouponTemplateNode
from api.graphql.orders import OrderNode, RefundReasonNode
from api.graphql.relay import Connection
from api.graphql.scalars import SCALARS
from api.shop import account, catalog, storefront
from api.shop import checkout_coupons as checkout_coupon_api
from api.shop import distribution as distribution_api
from api.shop import distribution_center as center_api
from api.shop import distribution_links as link_api
from api.shop import distribution_ranking as ranking_api
from api.shop import loyalty as loyalty_api
from api.shop import notifications as notification_api
from api.shop import orders as order_api
from api.shop import posters as poster_api
from api.shop import refunds as refund_api
from api.shop import stores as store_list
from api.shop import withdrawals as withdrawal_api


@strawberry.type
class Query:
    me: account.MeNode = shop_field(
        account.me,
        description=(
            "The logged-in member (会员) with their profile and tier. Member token required "
            "(UNAUTHENTICATED without)."
        ),
    )
    products: Connection[catalog.ProductNode] = shop_field(
        catalog.products,
        description=(
            "Products on sale (在售商品) with a price for the viewer (member price when logged "
            "in: tier discount). Anonymous or member. A refused filter (keyword over 50 "
            "characters: TOO_LONG; malformed categoryId: INVALID_ID) answers BAD_USER_INPUT "
            "with extensions.userError."
        ),
    )
    product: catalog.ProductNode | None = shop_field(
        catalog.product,
        description=(
            "One product on sale by its global ID, with its SKUs; null for an unknown, malformed "
            "or unlisted ID. Anonymous or member."
        ),
    )
    categories: list[catalog.CategoryNode] = shop_field(
        catalog.category_tree,
        description=(
            "The whole two-level category tree (分类) in display order, top-level categories "
            "with their children. Anonymous."
        ),
    )
    stores: Connection[store_list.StoreNode] = shop_field(
        store_list.stores,
        description=(
            "Active stores (门店), by id, or nearest first when `near` is given (stores without "
            "coordinates are then left out). Anonymous."
        ),
    )
    checkout_preview: order_api.CheckoutPreviewResult = shop_field(
        order_api.checkout_preview,
        description=(
            "The price breakdown placeOrder would charge for this cart (tier discount, coupon, "
            "points, shipping), with no side effect: nothing is held. Member token required. "
            "Answers the same errors as placeOrder (in `errors`)."
        ),
    )
    order: OrderNode | None = shop_field(
        order_api.order,
        description=(
            "One of the member's own orders by global ID; null for an unknown, malformed or "
            "another member's ID alike. Member token required."
        ),
    )
    my_orders: Connection[OrderNode] = shop_field(
        order_api.my_orders,
        description=(
            "The member's orders, newest first, optionally of one status. Member token required."
        ),
    )
    my_refunds: Connection[refund_api.MemberRefundNode] = shop_field(
        refund_api.my_refunds,
        description=(
            "The member's after-sale refunds (我的售后), newest first, optionally of one status. "
            "Member token required."
        ),
    )
    refund: refund_api.MemberRefundNode | None = shop_field(
        refund_api.refund,
        description=(
            "One of the member's own refunds by global ID; null for an unknown or another "
            "member's ID alike. Member token required."
        ),
    )
    refund_reasons: list[RefundReasonNode] = shop_field(
        refund_api.refund_reasons,
        description=(
            "The refund reasons (退款原因) a member chooses from, in HQ's order; pass one's code "
            "as requestRefund's reasonCode."
        ),
    )
    my_points: loyalty_api.MyPoints = shop_field(
        loyalty_api.my_points,
        description=("The member's points (积分) balance and movements. Member token required."),
    )
    my_coupons: Connection[CouponNode] = shop_field(
        loyalty_api.my_coupons,
        description=(
            "The member's coupons (我的优惠券), newest first, optionally of one status. Member "
            "token required."
        ),
    )
    claimable_coupons: Connection[CouponTemplateNode] = shop_field(
        loyalty_api.claimable_coupons,
        description=(
            "Public coupon templates that can be claimed now (领券中心): active, within "
            "validity, stock left. Anonymous or member; claim with claimCoupon."
        ),
    )
    distribution_center: center_api.DistributionCenter = shop_field(
        center_api.distribution_center,
        description=(
            "The member's distribution centre (分销中心): distributor status or latest "
            "application, commission (佣金) balances, team, links, entries and withdrawals. "
            "Member token required; a member who is not a distributor sees zero balances and "
            "empty lists."
        ),
    )
    cart: storefront.CartNode = shop_field(
        storefront.my_cart,
        description=(
            "The member's cart: each line with its member price now, its price change since it was "
            "added and whether it can be bought. Two statements whatever its size."
        ),
    )
    my_addresses: list[storefront.AddressNode] = shop_field(
        storefront.my_addresses,
        description=("The address book: the default first, then the newest (max 20)."),
    )
    my_favourites: Connection[storefront.FavouriteNode] = shop_field(
        storefront.my_favourites, description="Favourite products, newest first."
    )
    browsing_history: Connection[storefront.BrowsingRecordNode] = shop_field(
        storefront.browsing_history,
        description=(
            "The last 100 products the member opened (`product(id)`), newest first, each once."
        ),
    )
    coupons_for_checkout: checkout_coupon_api.CouponsForCheckoutResult = shop_field(
        checkout_coupon_api.coupons_for_checkout_field,
        description=(
            "The member's coupons judged on this checkout input (as checkoutPreview's): usable "
            "ones with what each takes off, then unusable ones with the reason and any shortfall."
        ),
    )
    commission_ranking: ranking_api.CommissionRanking = shop_field(
        ranking_api.commission_ranking,
        description=(
            "The ranking (排行榜) of member distributors by commission settled this Asia/Shanghai "
            "month, in fen: the top rows, names only of those who opted in (setRankingOptIn), "
            "and the caller's own rank either way. Member token required. Errors: OUT_OF_RANGE "
            "(top)."
        ),
    )
    notification_templates: list[notification_api.NotificationTemplate] = shop_field(
        notification_api.notification_templates,
        description=(
            "The subscription messages HQ set up (订阅消息): the template ids to pass to "
            "wx.requestSubscribeMessage, per event."
        ),
    )
    poster_templates: Connection[poster_api.ShopPosterTemplateNode] = shop_field(
        poster_api.poster_templates,
        description=(
            "The share poster templates (海报模板) HQ offers, oldest first: pass one to "
            "sharePoster. Anonymous or member."
        ),
    )


@strawberry.type
class Mutation:
    login: account.LoginPayload = shop_mutation(
        account.login,
        description=(
            "Log a member in with a mini-program login code (wx.login): known identity → that "
            "member; same unionid → attached; otherwise a new member is created (created = true) "
            "and firstTouch recorded. Returns an access token (15 minutes) and a refresh token "
            "(30 days). Anonymous. Errors: INVALID_LOGIN_CODE, LOGIN_PROVIDER_UNAVAILABLE, "
            "CHANNEL_NOT_ALLOWED, NOT_FOUND (firstTouch.storeId), TOO_LONG."
        ),
    )
    refresh_token: account.RefreshTokenPayload = shop_mutation(
        account.refresh_token,
        description=(
            "Exchange a refresh token for a new token pair; the refresh token is rotated (single "
            "use: reusing a rotated one revokes its whole family). Anonymous. Errors: "
            "INVALID_REFRESH_TOKEN."
        ),
    )
    logout: account.LogoutPayload = shop_mutation(
        account.logout,
        description=(
            "End the session: the access token is revoked, and the refresh token's family when "
            "given (an unknown one is ignored); repeating it changes nothing. Member token "
            "required."
        ),
    )
    bind_phone: account.BindPhonePayload = shop_mutation(
        account.bind_phone_mutation,
        description=(
            "Bind the phone from a getPhoneNumber code to the member (手机号授权). If another "
            "member has that phone, the two accounts merge (One-ID): the older survives, merged "
            "= true and, when the survivor is the other member, new tokens are returned (the old "
            "ones stop working). Member token required. Errors: INVALID_LOGIN_CODE, "
            "LOGIN_PROVIDER_UNAVAILABLE, INVALID_PHONE."
        ),
    )
    update_profile: account.UpdateProfilePayload = shop_mutation(
        account.update_profile,
        description=(
            "Change the member's profile; fields left null are kept. Member token required. "
            "Errors: REQUIRED (blank nickname), TOO_LONG, INVALID (avatarUrl not https), "
            "OUT_OF_RANGE (birthday in the future)."
        ),
    )
    place_order: order_api.PlaceOrderPayload = shop_mutation(
        order_api.place_order,
        description=(
            "Place an order (下单) in one transaction: validate, take stock, price, lock the "
            "coupon and points, write the attribution snapshot. The order is PENDING_PAYMENT "
            "until payOrder succeeds or the payment timeout cancels it. Idempotent: the same "
            "idempotencyKey returns the same order (created = false). Member token required. "
            "Errors: REQUIRED, OUT_OF_RANGE, DUPLICATE, NOT_FOUND, NOT_ON_SALE, "
            "INSUFFICIENT_STOCK, COUPON_UNAVAILABLE, COUPON_NOT_APPLICABLE, "
            "COUPON_THRESHOLD_NOT_MET, INSUFFICIENT_POINTS, POINTS_OVER_LIMIT, INVALID_PHONE, "
            "INVALID_SHARE_CODE, IDEMPOTENCY_CONFLICT."
        ),
    )
    cancel_order: order_api.OrderPayload = shop_mutation(
        order_api.cancel_order,
        description=(
            "Cancel one of the member's PENDING_PAYMENT orders (取消订单): stock, coupon and "
            "points are released. Member token required. Errors: NOT_FOUND, INVALID_STATE."
        ),
    )
    pay_order: order_api.PayOrderPayload = shop_mutation(
        order_api.pay_order,
        description=(
            "Start paying a PENDING_PAYMENT order: creates (or reuses the open) payment and "
            "returns payParams for wx.requestPayment. The order becomes PAID when the provider's "
            "notification arrives, not here. Member token required. Errors: NOT_FOUND, "
            "INVALID_STATE, ORDER_EXPIRED, PAYMENT_FAILED."
        ),
    )
    confirm_receipt: order_api.OrderPayload = shop_mutation(
        order_api.confirm_receipt,
        description=(
            "Confirm receipt of a SHIPPED order (确认收货): it COMPLETES (growth and points are "
            "earned, commission starts its freeze). Member token required. Errors: NOT_FOUND, "
            "INVALID_STATE."
        ),
    )
    record_refund_return: refund_api.RecordReturnPayload = shop_mutation(
        refund_api.record_refund_return,
        description=(
            "Say how the goods of a refund AWAITING_RETURN come back (填写退货信息): by courier "
            "with carrier and tracking number, or at a store. Once per refund. Member token "
            "required. Errors: NOT_FOUND, RETURN_NOT_REQUESTED, RETURN_ALREADY_RECORDED, "
            "REQUIRED, TOO_LONG, INVALID, INVALID_TEXT."
        ),
    )
    request_refund: order_api.RefundPayload = shop_mutation(
        order_api.request_refund,
        description=(
            "Ask for an after-sale refund (售后退款) of one item of a paid order, whole or "
            "partial; staff review it. Member token required. Errors: NOT_FOUND, INVALID_STATE, "
            "AMOUNT_NOT_POSITIVE, REFUND_EXCEEDS_PAID, REFUND_IN_PROGRESS, REQUIRED, TOO_LONG."
        ),
    )
    create_share_link: link_api.ShareLinkPayload = shop_mutation(
        link_api.create_share_link,
        description=(
            "Create a share link (推广链接) with its code, mini-program path and QR image, for a "
            "member distributor (KOC, MEMBER, SHOP; guides use the admin API). Member token "
            "required. Errors: NOT_A_DISTRIBUTOR, DISTRIBUTOR_INACTIVE, NOT_FOUND, NOT_ON_SALE, "
            "INVALID, REQUIRED, TOO_LONG."
        ),
    )
    record_share_visit: link_api.ShareVisitPayload = shop_mutation(
        link_api.record_share_visit,
        description=(
            "Record that the member landed with ?share=CODE or scanned a link's or a poster's "
            "小程序码 (the scene): stores the visit, runs the referral "
            "binding rules (the outcome says what happened; these are not errors) and, for a "
            "guide's link, the service relationship. Call once per landing; a repeat within a "
            "short window counts once. Member token required. Errors: INVALID_SHARE_CODE."
        ),
    )
    record_store_visit: link_api.StoreVisitPayload = shop_mutation(
        link_api.record_store_visit,
        description=(
            "Record a store QR scan (门店码): the member becomes the store's customer unless "
            "protected by a recent relationship. Member token required. Errors: NOT_FOUND "
            "(unknown or closed store)."
        ),
    )
    claim_coupon: loyalty_api.ClaimCouponPayload = shop_mutation(
        loyalty_api.claim_coupon,
        description=(
            "Claim a coupon from a public template (领券), respecting its stock and per-member "
            "limit under concurrency. Member token required. Errors: NOT_FOUND, "
            "COUPON_UNAVAILABLE, COUPON_OUT_OF_STOCK, COUPON_LIMIT_REACHED."
        ),
    )
    request_withdrawal: withdrawal_api.WithdrawalPayload = shop_mutation(
        withdrawal_api.request_withdrawal,
        description=(
            "Ask to withdraw available commission (提现): the amount is held at once (available "
            "→ withdrawing) and paid after HQ finance approves. Member distributors only. "
            "Errors: NOT_A_DISTRIBUTOR, WITHDRAWAL_BELOW_MINIMUM, INSUFFICIENT_BALANCE, "
            "NEGATIVE_BALANCE, DAILY_WITHDRAWAL_LIMIT, REQUIRED, INVALID, TOO_LONG."
        ),
    )
    set_payee_real_name: withdrawal_api.PayeeRealNamePayload = shop_mutation(
        withdrawal_api.set_payee_real_name,
        description=(
            "Record the distributor's real name (实名) for WeChat transfers of 2000 yuan and more:"
            " stored encrypted, shown masked ('张*三'); WeChat checks it against the payee's"
            " verified identity. Member distributors only. Errors: NOT_A_DISTRIBUTOR, REQUIRED,"
            " INVALID, INVALID_TEXT, TOO_LONG."
        ),
    )
    apply_for_distributor: distribution_api.ApplyForDistributorPayload = shop_mutation(
        distribution_api.apply_for_distributor,
        description=(
            "Become a distributor (申请成为分销员) as set by distribution.enrollment: OPEN and "
            "THRESHOLD (paid total reached) enroll a MEMBER at once (distributor set); otherwise "
            "an application for HQ to review (application set). Member token required. Errors: "
            "INVALID (kind GUIDE), ALREADY_DISTRIBUTOR, APPLICATION_PENDING, ENROLLMENT_CLOSED, "
            "REQUIRED (shopName for SHOP), TOO_LONG."
        ),
    )
    add_to_cart: storefront.CartPayload = shop_mutation(
        storefront.add_to_cart,
        description=(
            "Add 1..99 units of a SKU on sale; a SKU already in the cart adds to its line (capped "
            "at 99) and is selected. At most 100 lines; never past the stock."
        ),
    )
    set_cart_quantity: storefront.CartPayload = shop_mutation(
        storefront.set_cart_quantity,
        description=(
            "Set a line's quantity (1..99); raising it past the stock is refused, lowering is not."
        ),
    )
    select_cart_lines: storefront.CartPayload = shop_mutation(
        storefront.select_cart_lines,
        description=(
            "Select or unselect the lines named, or every line when `lineIds` is left out."
        ),
    )
    remove_cart_lines: storefront.CartPayload = shop_mutation(
        storefront.remove_cart_lines, description="Remove lines from the cart."
    )
    create_address: storefront.AddressPayload = shop_mutation(
        storefront.create_address,
        description=(
            "Add an address (max 20); the first one, or one with `isDefault`, is the default."
        ),
    )
    update_address: storefront.AddressPayload = shop_mutation(
        storefront.update_address, description="Rewrite an address; orders keep their own copy."
    )
    delete_address: storefront.AddressPayload = shop_mutation(
        storefront.delete_address,
        description=(
            "Delete an address; when it was the default, the newest remaining one becomes it."
        ),
    )
    set_default_address: storefront.AddressPayload = shop_mutation(
        storefront.set_default_address, description="Make an address the default (exactly one is)."
    )
    add_favourite: storefront.FavouritePayload = shop_mutation(
        storefront.add_favourite,
        description=("Keep a product on sale among the favourites (idempotent)."),
    )
    remove_favourite: storefront.FavouritePayload = shop_mutation(
        storefront.remove_favourite,
        description=("Remove a product from the favourites (idempotent)."),
    )
    clear_browsing_history: storefront.ClearHistoryPayload = shop_mutation(
        storefront.clear_browsing_history, description="Forget the products the member opened."
    )
    set_ranking_opt_in: ranking_api.RankingOptInPayload = shop_mutation(
        ranking_api.set_ranking_opt_in,
        description=(
            "Show (true) or hide (false, the default) the caller's name in the distributors' "
            "ranking (commissionRanking); hidden, they are listed anonymously. Member "
            "distributors only. Errors: NOT_A_DISTRIBUTOR."
        ),
    )
    record_subscribe_results: notification_api.RecordSubscribeResultsPayload = shop_mutation(
        notification_api.record_subscribe_results,
        description=(
            "Report what wx.requestSubscribeMessage answered: each accept allows one message of "
            "that template (a quota per template), ban empties it. Errors: OUT_OF_RANGE, INVALID."
        ),
    )

    share_poster: poster_api.SharePosterPayload = shop_mutation(
        poster_api.share_poster,
        description=(
            "The caller's poster (分享海报) of one of their product share links and an enabled "
            "template: a PNG composed on the server (product image, title, member price, the "
            "sharer's nickname and avatar, a 小程序码 whose scene carries the template), made "
            "once and served from the cache until the price, the template version or what it "
            "shows changes. Member distributors only. Errors: NOT_FOUND (linkId: not the "
            "caller's; templateId: unknown or disabled), INVALID (not a product link), "
            "NOT_ON_SALE, IMAGE_HOST_NOT_ALLOWED, IMAGE_INVALID, IMAGE_UNAVAILABLE."
        ),
    )


schema = strawberry.Schema(
    query=Query, mutation=Mutation, config=StrawberryConfig(scalar_map=SCALARS)
)
