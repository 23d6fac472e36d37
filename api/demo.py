"""Demo data for `siyu demo [--if-empty]` (SPEC 17): a small, realistic brand to click through.

Everything goes through the domain services, exactly as the admin API, the mini-program and the
jobs would create it, inside one transaction: the load is all-or-nothing and SQLite syncs once.
A fixed random seed makes the data the same on every run; times are relative to now.

The brand opened before its first member: stores, staff (one login per role, all with
`DEMO_PASSWORD`), tiers, the default commission plan and a two-level catalog of 30 products.
200 members then sign up over the last six months with varied first touches, profiles and phones;
guides sign some of them up in store (开卡).

The last two months replay a distribution programme on a timeline, each step at its own time
(`clock.frozen_at`): every guide is a distributor, two KOCs (the second bound to the first, so
two levels) and a partner shop (小店) enrol; KOCs, the shop and some guides share links; members
open them (visits, bindings, service relationships) and order. Orders reach every state: awaiting
payment, cancelled, paid, shipped, ready for pickup, completed, fully refunded (closed), partly
refunded, a rejected after-sale request. Payments go through the SANDBOX provider, the settlement
job runs daily and once more as of now, so commission is pending and settled; one KOC withdrawal
is paid and one awaits review. The ledger check holds afterwards.

Not here yet: coupon templates (coupons are a later capability; they extend this module with their
own service when they land, and no models are invented for them here).
"""

from __future__ import annotations

import bisect
import heapq
import logging
import random
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from api.auth.passwords import hash_password
from api.config import AppConfig
from api.jobs import run_job
from api.payments.sandbox import SandboxProvider
from api.payouts.setup import install_payouts
from api.plugins import install_plugins
from distribution import payees
from distribution.binding import record_share_visit
from distribution.commission.rules import ensure_default_plan
from distribution.distributors import for_guide
from distribution.enrollment import enroll
from distribution.links import LinkRequest, create_link
from distribution.models import (
    AccountOwner,
    CommissionAccount,
    Distributor,
    DistributorKind,
    ShareChannel,
    ShareLink,
    ShareTarget,
    WithdrawalMethod,
)
from distribution.payouts import payout_provider
from distribution.service_relationships import sign_up_customer
from distribution.withdrawals import PayeeInput, pay, request_withdrawal, review
from domain import clock
from domain.catalog.models import Category, Product, ProductStatus, Sku
from domain.catalog.service import ProductInput, SkuInput, create_category, create_product
from domain.db import transaction
from domain.errors import DomainError
from domain.members.models import AcquisitionChannel, Gender
from domain.members.queries import MemberScope
from domain.members.service import (
    FirstTouch,
    Identity,
    ProfileChange,
    bind_phone,
    login_with_identity,
    update_profile,
)
from domain.orders import lifecycle
from domain.orders.checkout import Address, Assistance, CartLine, CheckoutRequest, place_order
from domain.orders.models import Fulfilment, Order, OrderItem, OrderStatus, Refund
from domain.orders.refunds import approve, reject, request_refund
from domain.org.models import Staff, StaffRole, Store, StoreKind
from domain.org.service import create_staff, create_store
from domain.payments.service import (
    confirm_payment,
    provider_named,
    register_provider,
    start_payment,
)
from domain.settings.service import update_settings
from domain.shipping.packages import Package
from loyalty.audience.filters import AudienceFilter
from loyalty.audience.models import Lifecycle, ValueLevel
from loyalty.audience.segments import create_segment
from loyalty.audience.stats import refresh_all
from loyalty.audience.tags import add_member_tag, create_tag
from loyalty.coupons.templates import TemplateInput, create_template
from loyalty.models import CouponKind
from loyalty.points import Adjustment
from loyalty.points import adjust as adjust_points
from loyalty.tiers import ensure_default_tiers

DEMO_PASSWORD = "siyu-demo-2026"  # noqa: S105 (published demo login, printed on purpose)
SEED = 20260101
MEMBER_COUNT = 200
PHONE_MEMBER_COUNT = 100
MEMBER_HISTORY_DAYS = 180

# code, name, kind, region, address, latitude, longitude
STORES = (
    (
        "SH001",
        "思语·上海静安嘉里中心店",
        StoreKind.DIRECT,
        "上海市 静安区",
        "上海市静安区南京西路1515号嘉里中心南区B1层",
        31.2246,
        121.4486,
    ),
    (
        "SH002",
        "思语·上海徐汇港汇恒隆店",
        StoreKind.DIRECT,
        "上海市 徐汇区",
        "上海市徐汇区虹桥路1号港汇恒隆广场3层",
        31.1952,
        121.4372,
    ),
    (
        "HZ001",
        "思语·杭州湖滨银泰加盟店",
        StoreKind.FRANCHISE,
        "浙江省 杭州市 上城区",
        "浙江省杭州市上城区延安路258号湖滨银泰in77 C区2层",
        30.2589,
        120.1642,
    ),
)

# username, role, store number (1-based, None for HQ), display name
STAFF = (
    ("admin", StaffRole.HQ_ADMIN, None, "周敏"),
    ("finance", StaffRole.HQ_FINANCE, None, "陈静"),
    ("operator", StaffRole.HQ_OPERATOR, None, "李想"),
    ("manager1", StaffRole.STORE_MANAGER, 1, "王芳"),
    ("guide1", StaffRole.GUIDE, 1, "张晓雯"),
    ("guide2", StaffRole.GUIDE, 1, "刘佳"),
    ("guide3", StaffRole.GUIDE, 2, "赵婷婷"),
    ("guide4", StaffRole.GUIDE, 2, "孙悦"),
    ("guide5", StaffRole.GUIDE, 3, "钱梦琪"),
    ("guide6", StaffRole.GUIDE, 3, "吴倩"),
)

CATEGORIES = (
    ("面部护肤", ("洁面卸妆", "精华面霜")),
    ("彩妆", ("唇部彩妆", "底妆")),
    ("身体护理", ("沐浴洗护", "身体润肤")),
    ("母婴护理", ("婴儿洗护", "婴童润肤")),
    ("礼盒套装", ("节日礼盒",)),
)


@dataclass(frozen=True)
class DemoProduct:
    category: str
    title: str
    description: str
    spec: str
    skus: tuple[tuple[str, int, int], ...]  # spec value, price fen, stock
    status: ProductStatus = ProductStatus.ON_SALE
    commission_enabled: bool = True
    fixed_commission: tuple[int, int] | None = None  # level 1, level 2 fen, on the first SKU


P = DemoProduct
DRAFT, OFF = ProductStatus.DRAFT, ProductStatus.OFF_SALE

PRODUCTS = (
    P(
        "洁面卸妆",
        "氨基酸温和洁面乳",
        "弱酸性氨基酸配方，绵密泡沫，洗后不紧绷，敏感肌可用。",
        "规格",
        (("100g", 6900, 320), ("150g", 8900, 180)),
    ),
    P(
        "洁面卸妆",
        "植萃净澈卸妆油",
        "七种植物油温和溶解彩妆与防晒，遇水乳化，一冲即净。",
        "规格",
        (("150ml", 12900, 140), ("200ml", 15900, 0)),
    ),
    P(
        "洁面卸妆",
        "积雪草舒缓洁面泡沫",
        "按压即出细腻泡沫，积雪草精粹舒缓泛红，早晚均可使用。",
        "规格",
        (("150ml", 7900, 260),),
    ),
    P(
        "精华面霜",
        "烟酰胺亮肤精华液",
        "5%烟酰胺搭配传明酸，淡化暗沉痘印，28天焕亮肤色。",
        "规格",
        (("30ml", 19900, 210), ("50ml", 29900, 95)),
    ),
    P(
        "精华面霜",
        "玻尿酸深层补水精华",
        "三重分子玻尿酸层层补水，质地清爽不黏腻，上妆不搓泥。",
        "规格",
        (("30ml", 16900, 300),),
    ),
    P(
        "精华面霜",
        "神经酰胺屏障修护面霜",
        "神经酰胺+角鲨烷修护肌肤屏障，换季干燥泛红的安心之选。",
        "规格",
        (("50g", 23900, 120),),
    ),
    P(
        "精华面霜",
        "视黄醇抗初老晚霜",
        "微囊包裹视黄醇，温和淡纹紧致，建议夜间使用并搭配防晒。",
        "规格",
        (("50g", 39900, 60),),
        fixed_commission=(4000, 1500),
    ),
    P(
        "精华面霜",
        "清透隔离防晒乳 SPF50+ PA++++",
        "轻薄水感质地，防水防汗，通勤户外都适用。",
        "规格",
        (("50ml", 12900, 450), ("50ml×2支装", 23900, 80)),
    ),
    P(
        "唇部彩妆",
        "丝绒雾面口红",
        "丝绒哑光质地，显色持妆，滋润不拔干。",
        "颜色",
        (("正红#01", 12900, 150), ("豆沙#05", 12900, 220), ("枫叶#12", 12900, 0)),
    ),
    P(
        "唇部彩妆",
        "水光镜面唇釉",
        "水润镜面光泽，轻薄不黏，打造嘟嘟水光唇。",
        "颜色",
        (("西柚#02", 9900, 180), ("奶茶#08", 9900, 240)),
    ),
    P(
        "唇部彩妆",
        "润色保湿唇膏",
        "淡淡润色，乳木果油深层滋润，男女皆宜。",
        "颜色",
        (("蜜桃", 5900, 400), ("裸粉", 5900, 350)),
    ),
    P(
        "底妆",
        "轻透水光气垫粉底",
        "轻薄服帖，自然水光肌，含SPF30防晒，附替换芯。",
        "颜色",
        (("象牙白", 19900, 0), ("自然色", 19900, 130)),
    ),
    P(
        "底妆",
        "控油柔焦定妆散粉",
        "细腻粉质柔焦毛孔，长效控油定妆，油皮夏日必备。",
        "规格",
        (("8g", 11900, 170),),
    ),
    P(
        "底妆",
        "无痕遮瑕液",
        "高遮瑕不厚重，遮盖黑眼圈与痘印，轻薄不卡纹。",
        "颜色",
        (("01亮肤", 8900, 90), ("02自然", 8900, 110)),
        status=DRAFT,
    ),
    P(
        "沐浴洗护",
        "樱花香氛沐浴露",
        "日本樱花香调，氨基酸表活温和清洁，留香持久。",
        "规格",
        (("500ml", 5900, 380), ("1L家庭装", 9900, 150)),
    ),
    P(
        "沐浴洗护",
        "无硅油控油洗发水",
        "无硅油配方，清爽控油蓬松，改善头皮出油。",
        "规格",
        (("500ml", 6900, 290),),
    ),
    P(
        "沐浴洗护",
        "海盐身体磨砂膏",
        "细腻海盐颗粒温和去角质，洗后肌肤光滑细嫩。",
        "规格",
        (("250g", 7900, 45),),
        status=OFF,
    ),
    P(
        "沐浴洗护",
        "山茶花护发精油",
        "山茶花籽油修护毛躁分叉，轻盈不油腻，吹前吹后均可用。",
        "规格",
        (("100ml", 8900, 200),),
    ),
    P(
        "身体润肤",
        "烟酰胺焕亮身体乳",
        "烟酰胺+果酸改善粗糙暗沉，清爽易吸收，秋冬不干燥。",
        "规格",
        (("250ml", 8900, 260), ("400ml", 12900, 140)),
    ),
    P(
        "身体润肤",
        "花漾护手霜三支装",
        "玫瑰、小苍兰、白茶三种香型，滋润不黏手，便携小巧。",
        "规格",
        (("30g×3支", 4900, 500),),
        commission_enabled=False,
    ),
    P(
        "身体润肤",
        "尿素足部修护霜",
        "10%尿素软化角质，改善足跟干裂粗糙。",
        "规格",
        (("75g", 3900, 230),),
    ),
    P(
        "婴儿洗护",
        "婴儿洗发沐浴二合一",
        "无泪配方，pH值温和，新生儿可用，洗发沐浴一瓶搞定。",
        "规格",
        (("300ml", 6900, 310), ("500ml", 9900, 190)),
    ),
    P(
        "婴儿洗护",
        "婴儿手口柔湿巾",
        "EDI纯水配方，加厚珍珠纹，手口可用。",
        "规格",
        (("80抽×1包", 1990, 500), ("80抽×6包", 9900, 260)),
        commission_enabled=False,
    ),
    P(
        "婴儿洗护",
        "婴儿植物洗衣液",
        "植物酵素去奶渍，无荧光剂，温和低敏，可手洗机洗。",
        "规格",
        (("1L", 5900, 0),),
        status=OFF,
    ),
    P(
        "婴儿洗护",
        "儿童含氟防蛀牙膏",
        "适合3-12岁儿童，低氟配方，清新果味宝宝爱刷牙。",
        "口味",
        (("草莓味", 2990, 420), ("香橙味", 2990, 380)),
    ),
    P(
        "婴童润肤",
        "婴儿多效润肤霜",
        "燕麦与神经酰胺滋养宝宝娇嫩肌肤，缓解秋冬干痒。",
        "规格",
        (("50g", 7900, 0),),
    ),
    P(
        "婴童润肤",
        "婴儿氧化锌护臀膏",
        "氧化锌形成隔离膜，呵护红屁屁，无香精无酒精。",
        "规格",
        (("30g", 4900, 330),),
    ),
    P(
        "婴童润肤",
        "儿童物理防晒乳 SPF35",
        "纯物理防晒，温和不刺激，户外出游宝宝必备。",
        "规格",
        (("50ml", 8900, 150),),
        status=DRAFT,
    ),
    P(
        "节日礼盒",
        "护肤明星三件套礼盒",
        "洁面乳+烟酰胺精华+修护面霜，附品牌礼袋与贺卡，送礼自用皆宜。",
        "规格",
        (("礼盒装", 39900, 75),),
        fixed_commission=(6000, 2000),
    ),
    P(
        "节日礼盒",
        "宝宝呵护满月礼盒",
        "洗发沐浴+润肤霜+护臀膏+湿巾，精美礼盒，满月百日贺礼。",
        "规格",
        (("礼盒装", 29900, 40),),
    ),
)

NICK_HEADS = ("小", "阿", "甜甜的", "爱笑的", "安静的", "快乐", "元气", "温柔", "一只", "今天也要")
NICK_TAILS = (
    "鱼", "橙子", "兔兔", "桃子", "月亮", "星星", "奶茶", "栗子", "柚子", "小满",
    "糯米", "芒果", "团子", "木木", "晴天", "葡萄", "可乐", "布丁", "向日葵", "七七",
)  # fmt: skip
REGIONS = (
    "上海市 静安区", "上海市 徐汇区", "上海市 浦东新区", "上海市 黄浦区", "上海市 长宁区",
    "上海市 闵行区", "浙江省 杭州市 上城区", "浙江省 杭州市 西湖区", "浙江省 杭州市 滨江区",
    "江苏省 苏州市", "江苏省 南京市", "",
)  # fmt: skip
CAMPAIGNS = ("2026-38女王节", "2026-618年中大促", "新人首单礼")
CHANNELS = (
    (AcquisitionChannel.MINI_PROGRAM, 30),
    (AcquisitionChannel.STORE_QR, 25),
    (AcquisitionChannel.SHARE_LINK, 20),
    (AcquisitionChannel.OFFLINE_SIGNUP, 15),
    (AcquisitionChannel.CAMPAIGN, 10),
)
GENDERS = ((Gender.FEMALE, 65), (Gender.MALE, 20), (Gender.UNKNOWN, 15))
ON_SALE_COUNT = sum(1 for product in PRODUCTS if product.status is ProductStatus.ON_SALE)

# The distribution programme and the orders (all times relative to now).
OPENED_DAYS_AGO = MEMBER_HISTORY_DAYS + 30  # the brand, its staff and catalog predate members
ACTIVITY_DAYS = 60  # share links, visits and orders happen over the last two months
LAUNCH_DAYS_AGO = ACTIVITY_DAYS + 2  # guides become distributors, then KOCs and the shop enrol
NATURAL_ORDERS = 105  # orders without a share visit just before them
ORDER_GROWTH = 1.3  # their age is 60 days × uniform ** this: recent days see more orders
PENDING_ORDERS = 5  # placed minutes ago, still awaiting payment
CONVERSION = 0.45  # share visits followed by an order
ASSISTED_SHARE = 0.1  # natural orders a guide places for their customer (代客下单)
PICKUP_SHARE = 0.3
MIN_DEMO_STOCK = 100  # orders only use SKUs with at least this stock: none runs out
SHOP_NAME = "悦己美妆小铺"
WITHDRAW_SHARE_BP = 8000  # a KOC withdraws 80% of what is available, in whole yuan
PAY_PROVIDER = "SANDBOX"


@dataclass(frozen=True)
class DemoLink:
    key: str
    owner: str  # "koc1", "koc2", "shop" or a guide's username
    target: ShareTarget
    ref: str | int | None  # product title, store number or campaign name
    channel: ShareChannel
    day: float  # days after the programme's launch
    visits: int


T, C = ShareTarget, ShareChannel
LINKS = (
    DemoLink("koc1-essence", "koc1", T.PRODUCT, "烟酰胺亮肤精华液", C.MOMENTS, 1.1, 24),
    DemoLink("koc1-home", "koc1", T.HOME, None, C.CHAT, 1.2, 10),
    DemoLink("guide1-cream", "guide1", T.PRODUCT, "神经酰胺屏障修护面霜", C.CHAT, 2.0, 6),
    DemoLink("guide2-store", "guide2", T.STORE, 1, C.QR, 2.1, 6),
    DemoLink("guide3-baby", "guide3", T.PRODUCT, "婴儿洗发沐浴二合一", C.MOMENTS, 2.2, 6),
    DemoLink("guide5-store", "guide5", T.STORE, 3, C.POSTER, 2.3, 6),
    DemoLink("shop-home", "shop", T.HOME, None, C.QR, 3.1, 10),
    DemoLink("koc2-lipstick", "koc2", T.PRODUCT, "丝绒雾面口红", C.CHAT, 8.1, 14),
    DemoLink("koc2-618", "koc2", T.CAMPAIGN, "2026-618年中大促", C.POSTER, 8.2, 10),
)  # fmt: skip
# who, kind, shop name, days after launch. KOC 2 first opens KOC 1's link (bound), then enrols:
# KOC 1 becomes their upline, the second commission level.
ENROLMENTS = (
    ("koc1", DistributorKind.KOC, None, 1.0),
    ("shop", DistributorKind.SHOP, SHOP_NAME, 3.0),
    ("koc2", DistributorKind.KOC, None, 8.0),
)
# who, link, days after launch: the binding that makes the two levels, and two refused ones.
SCRIPTED_VISITS = (
    ("koc2", "koc1-essence", 5.0),  # BOUND
    ("koc2", "koc2-lipstick", 8.5),  # SELF_REFERRAL
    ("koc1", "koc2-618", 9.0),  # CYCLE: KOC 1 is KOC 2's upline
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN_NAMES = (
    "静", "敏", "婷", "丽", "娜", "芳", "雪", "琳", "欣怡", "子涵", "雨桐", "佳琪", "梓萱", "晓燕",
)  # fmt: skip
ADDRESSES = (
    ("上海市 静安区", "南京西路1788号国际大厦12楼"),
    ("上海市 徐汇区", "漕溪北路88号圣爱大厦2104室"),
    ("上海市 浦东新区", "张杨路500号华润时代广场18楼"),
    ("上海市 长宁区", "虹桥路1438号古北国际财富中心7楼"),
    ("上海市 闵行区", "莘庄镇莘建东路58弄3号楼502室"),
    ("浙江省 杭州市 西湖区", "文三路398号东信大厦6楼"),
    ("浙江省 杭州市 滨江区", "江南大道3850号创新大厦11楼"),
    ("江苏省 苏州市 工业园区", "星湖街328号创意产业园4栋"),
    ("江苏省 南京市 鼓楼区", "中山路321号现代大厦1506室"),
)  # fmt: skip
# (WeChat delivery_id, tracking number prefix)
CARRIERS = (("SF", "SF"), ("ZTO", "ZT"), ("JD", "JD"))

# Shares of the orders that get paid (the rest of the first draw is cancelled).
CANCEL_SHARE = 0.07
# Of the paid ones: refunded in full before shipping, in full after completion, in part after
# completion, an after-sale request that is rejected.
REFUND_SHARES = (("close_early", 0.03), ("close_late", 0.03), ("partial", 0.06), ("rejected", 0.02))
PARTIAL_REFUND_BP = 3000
# kind: which items ("all", "first" or "part": 30% of the first), reason, review, note, hours
REFUND_REVIEWS = {
    "close_late": ("all", "过敏不适用，申请全额退款", "approve", "同意退款", 24),
    "partial": ("part", "外盒破损，协商部分退款", "approve", "部分退款补偿", 36),
    "rejected": ("first", "不喜欢这个颜色", "reject", "已拆封使用，不支持无理由退货", 24),
}


async def load_demo_data(if_empty: bool) -> None:
    """Load the demo; with `if_empty`, only into a database that has no store yet."""
    if if_empty and await Store.exists():
        print("demo data already present")
        return
    await _refuse_conflicts()
    config = AppConfig()
    _start_services(config)
    rng = random.Random(SEED)
    password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose
    now = clock.now()
    with _quiet_service_logs():
        summary = await _load(rng, now, config.wechat_app_id, password_hash)
    _print_logins(summary)


async def _load(rng: random.Random, now: datetime, app_id: str, password_hash: str) -> DemoSummary:
    async with transaction():
        with clock.frozen_at(now - timedelta(days=OPENED_DAYS_AGO)):
            await ensure_default_tiers()
            await ensure_default_plan()
            stores = await _load_stores()
            staff = await _load_staff(stores, password_hash)
            await _load_catalog()
            await _load_coupons()
        with clock.frozen_at(now):
            members = await _load_members(rng, app_id, stores, _guides_by_store(stores, staff))
            await _gift_points(members)
            summary = await _load_activity(rng, now, stores, staff, members)
            await _load_audience(members, now)
            return summary


async def _load_coupons() -> None:
    """Three templates (SPEC 17): the welcome coupon every new member gets at first login, a
    public 满减 to claim and a public free-shipping coupon."""
    welcome = await create_template(
        TemplateInput(
            name="新人礼 满99减20",
            kind=CouponKind.AMOUNT_OFF,
            amount_fen=2000,
            threshold_fen=9900,
            total_stock=10_000,
            valid_days=30,
        )
    )
    await create_template(
        TemplateInput(
            name="全场9折 满199可用 最高减50",
            kind=CouponKind.PERCENT_OFF,
            percent_off_bp=1000,
            threshold_fen=19900,
            cap_fen=5000,
            total_stock=500,
            valid_days=14,
            public=True,
        )
    )
    await create_template(
        TemplateInput(
            name="包邮券",
            kind=CouponKind.FREE_SHIPPING,
            total_stock=1000,
            per_member_limit=2,
            valid_days=30,
            public=True,
        )
    )
    await update_settings([("coupon.welcome_template_id", str(welcome.id))], "demo")


async def _gift_points(members: list[DemoMember]) -> None:
    """Every tenth member got points at an opening event (orders earn the rest)."""
    for member in members[::10]:
        await adjust_points(Adjustment(member.id, 500, "开业活动赠送积分", "demo"))


async def _load_audience(members: list[DemoMember], now: datetime) -> None:
    """Manual tags on a few customers, three saved segments, and the system tags refreshed once
    (as the nightly `refresh-tags` job would) so lifecycle and value show at once."""
    tags = [await create_tag(name, "demo") for name in ("孕期", "敏感肌", "油皮")]
    for index, member in enumerate(members[:30]):
        await add_member_tag(MemberScope(), member.id, tags[index % len(tags)].id, "demo")
    await create_segment("复购客户", AudienceFilter(lifecycles=(Lifecycle.REPEAT,)), "demo")
    await create_segment(
        "沉睡 90–180 天", AudienceFilter(last_order_min_days=90, last_order_max_days=180), "demo"
    )
    await create_segment("高价值", AudienceFilter(values=(ValueLevel.HIGH,)), "demo")
    await refresh_all(now)


@contextmanager
def _quiet_service_logs() -> Iterator[None]:
    """Services log routine steps (a withdrawal requested, reviewed, paid) at INFO: during the
    load that is noise on the console next to the logins. Warnings and errors still show."""
    logger = logging.getLogger("siyu")
    level = logger.level
    logger.setLevel(max(logging.WARNING, level))
    try:
        yield
    finally:
        logger.setLevel(level)


def _start_services(config: AppConfig) -> None:
    """What the app wires at start-up and the demo needs outside it: the event handlers
    (commission, link counters), the SANDBOX payment provider, a payout provider and the payee
    cipher. What is already wired (the app, tests) is left as it is."""
    install_plugins()
    try:
        provider_named(PAY_PROVIDER)
    except DomainError:
        if config.production:
            raise SystemExit(
                "demo orders are paid with the SANDBOX provider, which production refuses"
            ) from None
        register_provider(SandboxProvider(config.pay_app_id))
    try:
        payout_provider()
        payees.cipher()
    except RuntimeError:
        install_payouts(config)


async def _refuse_conflicts() -> None:
    """Loading twice would collide on store codes and usernames: say so instead of a traceback."""
    codes = [row[0] for row in STORES]
    usernames = [row[0] for row in STAFF]
    if (
        await Store.filter(code__in=codes).exists()
        or await Staff.filter(username__in=usernames).exists()
    ):
        raise SystemExit(
            "demo data conflicts with existing stores or staff: "
            "load it into an empty database (or use --if-empty)"
        )


async def _load_stores() -> list[Store]:
    return [
        await create_store(
            code=code,
            name=name,
            kind=kind,
            region=region,
            address=address,
            latitude=latitude,
            longitude=longitude,
        )
        for code, name, kind, region, address, latitude, longitude in STORES
    ]


async def _load_staff(stores: list[Store], password_hash: str) -> dict[str, Staff]:
    """Create every login; returns them by username."""
    staff: dict[str, Staff] = {}
    for username, role, store_number, display_name in STAFF:
        store = stores[store_number - 1] if store_number else None
        staff[username] = await create_staff(
            username=username,
            password_hash=password_hash,
            role=role,
            store_id=store.id if store else None,
            display_name=display_name,
        )
    return staff


def _guides_by_store(stores: list[Store], staff: dict[str, Staff]) -> dict[int, list[int]]:
    guides: dict[int, list[int]] = {store.id: [] for store in stores}
    for person in staff.values():
        if person.role is StaffRole.GUIDE and person.store_id is not None:
            guides[person.store_id].append(person.id)
    return guides


async def _load_catalog() -> None:
    children: dict[str, Category] = {}
    for order, (name, child_names) in enumerate(CATEGORIES, start=1):
        parent = await create_category(name, None, sort_order=order * 10)
        for child_order, child_name in enumerate(child_names, start=1):
            children[child_name] = await create_category(
                child_name, parent.id, sort_order=child_order * 10
            )
    for number, product in enumerate(PRODUCTS, start=1):
        await create_product(
            ProductInput(
                title=product.title,
                description=product.description,
                images=_images(number),
                category_id=children[product.category].id,
                status=product.status,
                commission_enabled=product.commission_enabled,
            ),
            [
                _sku(number, index, product, value, price, stock)
                for index, (value, price, stock) in enumerate(product.skus, start=1)
            ],
        )


def _images(number: int) -> list[str]:
    count = 1 + number % 3
    return [f"https://img.example.com/p/{number}.jpg"] + [
        f"https://img.example.com/p/{number}-{extra}.jpg" for extra in range(2, count + 1)
    ]


def _sku(
    number: int, index: int, product: DemoProduct, value: str, price: int, stock: int
) -> SkuInput:
    fixed = product.fixed_commission if index == 1 else None
    return SkuInput(
        code=f"SY{number:03d}-{index:02d}",
        price_fen=price,
        stock=stock,
        specs={product.spec: value},
        list_price_fen=_list_price(price),
        commission_l1_fen=fixed[0] if fixed else None,
        commission_l2_fen=fixed[1] if fixed else None,
    )


def _list_price(price_fen: int) -> int:
    """划线价: about a quarter above the price, ending in 90 fen like the prices."""
    return price_fen * 5 // 4 // 100 * 100 + 90


@dataclass(frozen=True)
class DemoMember:
    number: int  # logs in as dev:demo-<number>
    id: int
    nickname: str
    created_at: datetime
    phone: str | None
    channel: AcquisitionChannel
    store_id: int | None
    guide_id: int | None


async def _load_members(
    rng: random.Random, app_id: str, stores: list[Store], guides: dict[int, list[int]]
) -> list[DemoMember]:
    """Members sign up over the last months, oldest first, each through the real login flow."""
    start = clock.now() - timedelta(days=MEMBER_HISTORY_DAYS)
    offsets = sorted(rng.uniform(0, MEMBER_HISTORY_DAYS * 86_400) for _ in range(MEMBER_COUNT))
    with_phone = set(rng.sample(range(1, MEMBER_COUNT + 1), PHONE_MEMBER_COUNT))
    channels, channel_weights = zip(*CHANNELS, strict=True)
    genders, gender_weights = zip(*GENDERS, strict=True)
    members = []
    for number, offset in enumerate(offsets, start=1):
        touch = _first_touch(rng, rng.choices(channels, channel_weights)[0], stores, guides)
        profile = ProfileChange(
            nickname=rng.choice(NICK_HEADS) + rng.choice(NICK_TAILS),
            avatar_url=f"https://img.example.com/a/{number}.jpg",
            gender=rng.choices(genders, gender_weights)[0],
            birthday=_birthday(rng) if rng.random() < 0.6 else None,
            region=rng.choice(REGIONS),
        )
        moment = start + timedelta(seconds=offset)
        phone = f"+86138000{number:05d}" if number in with_phone else None
        with clock.frozen_at(moment):
            login = await login_with_identity(
                Identity(provider="WECHAT", app_id=app_id, openid=f"demo-{number}"), touch
            )
            await update_profile(login.member.id, profile)
            if phone is not None:
                await bind_phone(login.member.id, phone, actor="demo")
        members.append(
            DemoMember(
                number=number,
                id=login.member.id,
                nickname=profile.nickname or "",
                created_at=moment,
                phone=phone,
                channel=touch.channel,
                store_id=touch.store_id,
                guide_id=touch.guide_id,
            )
        )
    return members


def _first_touch(
    rng: random.Random,
    channel: AcquisitionChannel,
    stores: list[Store],
    guides: dict[int, list[int]],
) -> FirstTouch:
    if channel is AcquisitionChannel.MINI_PROGRAM:
        return FirstTouch(channel=channel)
    if channel is AcquisitionChannel.CAMPAIGN:
        return FirstTouch(channel=channel, campaign=rng.choice(CAMPAIGNS))
    store = rng.choice(stores)
    # A store's QR poster at the counter often has no guide behind it; the others always do.
    guide = rng.choice(guides[store.id])
    if channel is AcquisitionChannel.STORE_QR and rng.random() < 0.4:
        guide = None
    return FirstTouch(channel=channel, store_id=store.id, guide_id=guide)


def _birthday(rng: random.Random) -> date:
    return date(1975, 1, 1) + timedelta(days=rng.randrange(365 * 28))


# The timeline: every actor is an async generator that yields when it next acts; the runner wakes
# them in time order with the clock frozen at that moment, so each step sees exactly the world
# that existed then (bindings in force, attribution windows, freeze days).

Journey = AsyncIterator[datetime]


async def _run_timeline(journeys: Sequence[Journey]) -> None:
    queue: list[tuple[datetime, int, Journey]] = []
    for sequence, journey in enumerate(journeys):
        queue.append((await anext(journey), sequence, journey))  # times only: nothing acts yet
    heapq.heapify(queue)
    while queue:
        moment, sequence, journey = heapq.heappop(queue)
        with clock.frozen_at(moment):
            try:
                following = await anext(journey)
            except StopAsyncIteration:
                continue
        if following < moment:
            raise RuntimeError(f"demo journey {sequence} goes back in time")
        heapq.heappush(queue, (following, sequence, journey))


@dataclass
class World:
    """What the journeys share: fixed at planning, plus what earlier steps created."""

    now: datetime
    launch: datetime
    stores: list[Store]
    staff: dict[str, Staff]
    members: list[DemoMember]
    people: dict[str, DemoMember]  # "koc1", "koc2", "shop"
    stocked: list[int]  # SKU ids orders may use
    first_sku: dict[str, int]  # product title → its first SKU id
    distributors: dict[str, Distributor] = field(default_factory=dict)
    links: dict[str, ShareLink] = field(default_factory=dict)

    def at(self, days_after_launch: float) -> datetime:
        return self.launch + timedelta(days=days_after_launch)

    def members_before(self, moment: datetime) -> list[DemoMember]:
        """Members who had signed up an hour before `moment`."""
        created = [m.created_at for m in self.members]
        return self.members[: bisect.bisect_left(created, moment - timedelta(hours=1))]


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str  # pay, cancel, ship, ready, complete, request_refund, approve, reject
    detail: tuple = ()


@dataclass(frozen=True)
class OrderPlan:
    key: str
    member: DemoMember
    placed_at: datetime
    lines: tuple[CartLine, ...]
    fulfilment: Fulfilment
    pickup_store: int | None  # store number
    address: Address | None
    share_link: str | None  # link key, when the order is placed right after the visit
    assisted_by: str | None  # guide username
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class DemoSummary:
    people: dict[str, DemoMember]
    orders: dict[str, int]
    links: int
    visits: int


async def _load_activity(
    rng: random.Random,
    now: datetime,
    stores: list[Store],
    staff: dict[str, Staff],
    members: list[DemoMember],
) -> DemoSummary:
    stocked, first_sku = await _order_skus()
    world = World(
        now=now,
        launch=now - timedelta(days=LAUNCH_DAYS_AGO),
        stores=stores,
        staff=staff,
        members=members,
        people={},
        stocked=stocked,
        first_sku=first_sku,
    )
    _pick_people(rng, world)
    journeys = _plan(rng, world)
    await _run_timeline(journeys)
    await run_job("settle-commission", now)
    statuses = {status.value: await Order.filter(status=status).count() for status in OrderStatus}
    visits = sum(await ShareLink.all().values_list("visits", flat=True))
    return DemoSummary(world.people, statuses, len(LINKS), visits)


async def _order_skus() -> tuple[list[int], dict[str, int]]:
    stocked = [
        sku_id
        for sku_id in await Sku.filter(
            product__status=ProductStatus.ON_SALE, stock__gte=MIN_DEMO_STOCK
        )
        .order_by("id")
        .values_list("id", flat=True)
    ]
    first_sku: dict[str, int] = {}
    for title, sku_id in await Sku.all().order_by("id").values_list("product__title", "id"):
        first_sku.setdefault(title, sku_id)
    return stocked, first_sku


def _pick_people(rng: random.Random, world: World) -> None:
    """Two KOCs and the shop owner: members of some standing with a phone."""
    eligible = [
        m for m in world.members_before(world.launch - timedelta(days=14)) if m.phone is not None
    ]
    koc1, koc2, shop = rng.sample(eligible, 3)
    world.people.update(koc1=koc1, koc2=koc2, shop=shop)


def _plan(rng: random.Random, world: World) -> list[Journey]:
    """Every journey of the demo, drawn from `rng` in a fixed order (nothing random is drawn
    while they run)."""
    journeys: list[Journey] = [_guides_join(world)]
    journeys += [_enrolment(world, who, kind, shop, day) for who, kind, shop, day in ENROLMENTS]
    journeys += [_link(world, spec) for spec in LINKS]
    journeys += [
        _visit(world, world.people[who], link, world.at(day)) for who, link, day in SCRIPTED_VISITS
    ]
    journeys += [
        _sign_up(world, member, member.created_at + timedelta(minutes=rng.uniform(2, 10)))
        for member in world.members
        if member.channel is AcquisitionChannel.OFFLINE_SIGNUP
        and member.phone is not None
        and member.guide_id is not None
    ]
    plans: list[OrderPlan] = []
    distributor_members = {m.id for m in world.people.values()}
    for spec in LINKS:
        created = world.at(spec.day)
        for _ in range(spec.visits):
            at = created + timedelta(
                seconds=rng.uniform(3600, (world.now - created).total_seconds() - 7200)
            )
            visitors = [m for m in world.members_before(at) if m.id not in distributor_members]
            visitor = rng.choice(visitors)
            journeys.append(_visit(world, visitor, spec.key, at))
            if rng.random() >= CONVERSION:
                continue
            quick = rng.random() < 0.5  # ordered right away, with the code on the order
            delay = (
                timedelta(minutes=rng.uniform(3, 40))
                if quick
                else timedelta(hours=rng.uniform(2, 72))
            )
            if at + delay > world.now - timedelta(hours=1):
                continue
            first = world.first_sku[spec.ref] if spec.target is ShareTarget.PRODUCT else None
            plans.append(
                _plan_order(
                    rng, world, len(plans), visitor, at + delay, spec.key if quick else None, first
                )
            )
    for _ in range(NATURAL_ORDERS):
        # A growing business: more orders lately than two months ago.
        ago = 3600 + (ACTIVITY_DAYS * 86_400 - 3600) * rng.random() ** ORDER_GROWTH
        at = world.now - timedelta(seconds=ago)
        buyer = rng.choice(world.members_before(at))
        plans.append(_plan_order(rng, world, len(plans), buyer, at, None, None))
    for _ in range(PENDING_ORDERS):
        at = world.now - timedelta(minutes=rng.uniform(3, 25))
        buyer = rng.choice(world.members_before(at))
        plans.append(_plan_order(rng, world, len(plans), buyer, at, None, None, pending=True))
    journeys += [_order(world, plan) for plan in plans]
    journeys.append(_daily_settlement(world))
    koc1_payee = PayeeInput()
    koc2_payee = PayeeInput(
        name=_real_name(world.people["koc2"].number), bank="招商银行", account="6214830123456789"
    )
    journeys += [
        _withdrawal(world, "koc1", WithdrawalMethod.WECHAT_BALANCE, koc1_payee, (8.0, 7.5, 7.0)),
        _withdrawal(world, "koc2", WithdrawalMethod.BANK, koc2_payee, (0.8,)),
    ]
    return journeys


def _plan_order(
    rng: random.Random,
    world: World,
    index: int,
    member: DemoMember,
    placed_at: datetime,
    share_link: str | None,
    first_sku: int | None,
    *,
    pending: bool = False,
) -> OrderPlan:
    count = rng.choices((1, 2, 3), (55, 32, 13))[0]
    skus = [first_sku] if first_sku is not None else []
    while len(skus) < count:
        candidate = rng.choice(world.stocked)
        if candidate not in skus:
            skus.append(candidate)
    lines = tuple(CartLine(sku, rng.choices((1, 2, 3), (75, 20, 5))[0]) for sku in skus)
    pickup = rng.random() < PICKUP_SHARE
    fulfilment = Fulfilment.PICKUP if pickup else Fulfilment.DELIVERY
    pickup_store = None
    address = None
    if pickup:
        pickup_store = _store_number(world, member.store_id) or rng.randrange(1, len(STORES) + 1)
    else:
        region, detail = rng.choice(ADDRESSES)
        address = Address(
            name=_real_name(member.number),
            phone=(member.phone or f"+86139{member.number:08d}").removeprefix("+86"),
            region=region,
            detail=detail,
        )
    assisted_by = None
    if share_link is None and member.guide_id is not None and rng.random() < ASSISTED_SHARE:
        assisted_by = next(s.username for s in world.staff.values() if s.id == member.guide_id)
    steps = () if pending else _plan_steps(rng, placed_at, fulfilment)
    return OrderPlan(
        key=f"demo-order-{index + 1}",
        member=member,
        placed_at=placed_at,
        lines=lines,
        fulfilment=fulfilment,
        pickup_store=pickup_store,
        address=address,
        share_link=share_link,
        assisted_by=assisted_by,
        steps=steps,
    )


def _store_number(world: World, store_id: int | None) -> int | None:
    for number, store in enumerate(world.stores, start=1):
        if store.id == store_id:
            return number
    return None


def _real_name(number: int) -> str:
    return SURNAMES[number % len(SURNAMES)] + GIVEN_NAMES[number * 7 % len(GIVEN_NAMES)]


def _plan_steps(rng: random.Random, placed: datetime, fulfilment: Fulfilment) -> tuple[Step, ...]:
    """What happens to an order after it is placed; the journey stops at the first step that
    would lie in the future, which leaves recent orders paid, shipped or ready."""

    def later(start: datetime, low_hours: float, high_hours: float) -> datetime:
        return start + timedelta(hours=rng.uniform(low_hours, high_hours))

    if rng.random() < CANCEL_SHARE:
        if rng.random() < 0.5:
            return (Step(later(placed, 0.03, 0.3), "cancel", ("MEMBER",)),)
        return (
            Step(
                placed + timedelta(minutes=30 + rng.uniform(0, 5)), "cancel", ("PAYMENT_TIMEOUT",)
            ),
        )
    draw, refund = rng.random(), None
    for kind, share in REFUND_SHARES:
        if draw < share:
            refund = kind
            break
        draw -= share
    paid = later(placed, 0.02, 0.25)
    steps = [Step(paid, "pay")]
    if fulfilment is Fulfilment.DELIVERY:
        carrier, prefix = rng.choice(CARRIERS)
        handed = later(paid, 12, 48)
        handing = Step(handed, "ship", (carrier, f"{prefix}{rng.randrange(10**12):012d}"))
        # Most confirm receipt within days; the rest complete automatically after 10 days.
        done = later(handed, 48, 144) if rng.random() < 0.75 else handed + timedelta(days=10)
    else:
        handed = later(paid, 1, 20)
        handing = Step(handed, "ready")
        done = later(handed, 4, 120)
    if refund == "close_early":
        requested = later(paid, 0.5, 4)
        steps += [
            Step(requested, "request_refund", ("all", "不想要了，还没发货请直接退款")),
            Step(later(requested, 0.5, 6), "approve", ("未发货，同意退款",)),
        ]
        return tuple(steps)
    steps += [handing, Step(done, "complete")]
    if refund is not None:
        requested = later(done, 24, 72 if refund != "partial" else 96)
        which, reason, review, note, hours = REFUND_REVIEWS[refund]
        review_step = Step(later(requested, 3, hours), review, (note,))
        steps += [Step(requested, "request_refund", (which, reason)), review_step]
    return tuple(steps)


# The journeys.


async def _guides_join(world: World) -> Journey:
    yield world.launch
    for person in world.staff.values():
        if person.role is StaffRole.GUIDE:
            guide = await for_guide(person)
            assert guide is not None
            world.distributors[person.username] = guide


async def _enrolment(
    world: World, who: str, kind: DistributorKind, shop_name: str | None, day: float
) -> Journey:
    yield world.at(day)
    world.distributors[who] = await enroll(world.people[who].id, kind, shop_name)


async def _link(world: World, spec: DemoLink) -> Journey:
    yield world.at(spec.day)
    target_id: int | None = None
    campaign = None
    if spec.target is ShareTarget.PRODUCT:
        target_id = await Product.get(title=spec.ref).values_list("id", flat=True)
    elif spec.target is ShareTarget.STORE:
        assert isinstance(spec.ref, int)
        target_id = world.stores[spec.ref - 1].id
    elif spec.target is ShareTarget.CAMPAIGN:
        campaign = str(spec.ref)
    world.links[spec.key] = await create_link(
        world.distributors[spec.owner],
        LinkRequest(
            target=spec.target, channel=spec.channel, target_id=target_id, campaign=campaign
        ),
    )


async def _visit(world: World, member: DemoMember, link: str, at: datetime) -> Journey:
    yield at
    await record_share_visit(member.id, world.links[link].code)


async def _sign_up(world: World, member: DemoMember, at: datetime) -> Journey:
    """开卡: the guide who brought the member in registers them in store."""
    yield at
    guide = next(s for s in world.staff.values() if s.id == member.guide_id)
    assert member.phone is not None
    await sign_up_customer(guide, member.phone)


async def _daily_settlement(world: World) -> Journey:
    for days in range(LAUNCH_DAYS_AGO, 0, -1):
        yield world.now - timedelta(days=days)
        await run_job("settle-commission", clock.now())


async def _withdrawal(
    world: World,
    who: str,
    method: WithdrawalMethod,
    payee: PayeeInput,
    days_ago: tuple[float, ...],  # requested, then approved and paid when given
) -> Journey:
    moments = [world.now - timedelta(days=days) for days in days_ago]
    yield moments[0]
    account = await CommissionAccount.get(
        owner_type=AccountOwner.DISTRIBUTOR, owner_id=world.distributors[who].id
    )
    amount = account.available_fen * WITHDRAW_SHARE_BP // 10_000 // 100 * 100
    withdrawal = await request_withdrawal(world.people[who].id, amount, method, payee)
    if len(moments) == 1:
        return
    actor = f"staff:{world.staff['finance'].id}"
    yield moments[1]
    await review(withdrawal.id, True, "", actor)
    yield moments[2]
    await pay(withdrawal.id, actor)


async def _order(world: World, plan: OrderPlan) -> Journey:
    yield plan.placed_at
    pickup_store_id = world.stores[plan.pickup_store - 1].id if plan.pickup_store else None
    assistance = None
    if plan.assisted_by is not None:
        guide = world.staff[plan.assisted_by]
        assistance = Assistance(guide.id, guide.store_id)
    request = CheckoutRequest(
        lines=plan.lines,
        fulfilment=plan.fulfilment,
        address=plan.address,
        pickup_store_id=pickup_store_id,
        share_code=world.links[plan.share_link].code if plan.share_link else None,
    )
    order = (await place_order(plan.member.id, request, plan.key, assistance)).order
    refunds: list[Refund] = []
    for step in plan.steps:
        if step.at >= world.now:
            return
        yield step.at
        refunds = await _order_step(world, plan, order, step, refunds)


async def _order_step(
    world: World, plan: OrderPlan, order: Order, step: Step, refunds: list[Refund]
) -> list[Refund]:
    reviewer = f"staff:{world.staff['admin'].id}"
    if step.action == "pay":
        started = await start_payment(order, PAY_PROVIDER, None)
        payment = started.payment
        await confirm_payment(
            PAY_PROVIDER, payment.out_trade_no, payment.amount_fen, f"demo-txn-{order.id}"
        )
    elif step.action == "cancel":
        await lifecycle.cancel(order, step.detail[0])
    elif step.action == "ship":
        carrier, tracking_number = step.detail
        await lifecycle.ship(order, [Package(carrier, tracking_number)])
    elif step.action == "ready":
        await lifecycle.ready_for_pickup(order)
    elif step.action == "complete":
        sources = (OrderStatus.SHIPPED, OrderStatus.READY_FOR_PICKUP)
        if not await lifecycle.complete(order, sources):
            raise RuntimeError(f"demo order {plan.key} could not complete")
    elif step.action == "request_refund":
        which, reason = step.detail
        items = await OrderItem.filter(order_id=order.id).order_by("line")
        if which != "all":
            items = items[:1]
        return [
            await request_refund(
                plan.member.id,
                item.id,
                item.paid_fen * PARTIAL_REFUND_BP // 10_000 or 1
                if which == "part"
                else item.paid_fen - item.refunded_fen,
                reason,
            )
            for item in items
        ]
    elif step.action == "approve":
        for refund in refunds:
            await approve(refund, reviewer, step.detail[0])
    elif step.action == "reject":
        for refund in refunds:
            await reject(refund, reviewer, step.detail[0])
    else:
        raise ValueError(step.action)
    return refunds


def _print_logins(summary: DemoSummary) -> None:
    config = AppConfig()
    base = f"http://{config.host}:{config.port}"
    store_names = {number: row[1] for number, row in enumerate(STORES, start=1)}
    orders = summary.orders
    koc1, koc2, shop = (summary.people[k] for k in ("koc1", "koc2", "shop"))
    lines = [
        f"demo data loaded: {len(STORES)} stores, {len(STAFF)} staff, "
        f"{len(PRODUCTS)} products ({ON_SALE_COUNT} on sale), {MEMBER_COUNT} members, "
        f"{sum(orders.values())} orders, {summary.links} share links ({summary.visits} visits)",
        "  orders: " + ", ".join(f"{status} {count}" for status, count in orders.items()),
        "",
        f"staff logins (password for all: {DEMO_PASSWORD}):",
    ]
    for username, role, store_number, _ in STAFF:
        store = store_names[store_number] if store_number else "HQ"
        lines.append(f"  {username:<9} password {DEMO_PASSWORD}  {role.value:<14} {store}")
    lines += [
        "",
        f"shop API (members):  {base}/graphql",
        '  mutation { login(code: "dev:demo-1") { tokens { accessToken } errors { code } } }',
        "  (demo members are dev:demo-1 .. dev:demo-200 with the DEV login provider)",
        "  distribution centre, log in as:",
        f"    {_code(koc1):<14} KOC {koc1.nickname} (level 1)",
        f"    {_code(koc2):<14} KOC {koc2.nickname} (level 2, under {_code(koc1)})",
        f"    {_code(shop):<14} partner shop {SHOP_NAME} (owner {shop.nickname})",
        f"admin API (staff):   {base}/admin/graphql",
        f'  mutation {{ staffLogin(username: "admin", password: "{DEMO_PASSWORD}") '
        "{ tokens { accessToken } errors { code } } }",
        "  send the accessToken as: Authorization: Bearer <token>",
    ]
    print("\n".join(lines))


def _code(member: DemoMember) -> str:
    return f"dev:demo-{member.number}"
