"""Demo data for `siyu demo [--if-empty]` (SPEC 17): a small, realistic brand to click through.

Everything goes through the domain services, exactly as the admin API and the login flow would
create it, inside one transaction: the load is all-or-nothing and SQLite syncs once. A fixed
random seed makes the data the same on every run (member sign-up dates are relative to today).

What exists today: stores, staff (one login per role, all with `DEMO_PASSWORD`), tiers, a
two-level catalog of 30 products and 200 members with varied first touches, profiles and phones.
Later capabilities (partner shop, KOCs/distributors, commission plan, coupon templates, orders in
every state) extend this module with their own services when they land; no models are invented
for them here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from api.auth.passwords import hash_password
from api.config import AppConfig
from domain import clock
from domain.catalog.models import Category, ProductStatus
from domain.catalog.service import ProductInput, SkuInput, create_category, create_product
from domain.db import transaction
from domain.members.models import AcquisitionChannel, Gender
from domain.members.service import (
    FirstTouch,
    Identity,
    ProfileChange,
    bind_phone,
    login_with_identity,
    update_profile,
)
from domain.org.models import Staff, StaffRole, Store, StoreKind
from domain.org.service import create_staff, create_store
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


async def load_demo_data(if_empty: bool) -> None:
    """Load the demo; with `if_empty`, only into a database that has no store yet."""
    if if_empty and await Store.exists():
        print("demo data already present")
        return
    await _refuse_conflicts()
    rng = random.Random(SEED)
    password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose
    app_id = AppConfig().wechat_app_id
    async with transaction():
        await ensure_default_tiers()
        stores = await _load_stores()
        guides = await _load_staff(stores, password_hash)
        await _load_catalog()
        await _load_members(rng, app_id, stores, guides)
    _print_logins()


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


async def _load_staff(stores: list[Store], password_hash: str) -> dict[int, list[int]]:
    """Create every login; returns the guides' ids by store id."""
    guides: dict[int, list[int]] = {store.id: [] for store in stores}
    for username, role, store_number, display_name in STAFF:
        store = stores[store_number - 1] if store_number else None
        staff = await create_staff(
            username=username,
            password_hash=password_hash,
            role=role,
            store_id=store.id if store else None,
            display_name=display_name,
        )
        if role is StaffRole.GUIDE and store is not None:
            guides[store.id].append(staff.id)
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


async def _load_members(
    rng: random.Random, app_id: str, stores: list[Store], guides: dict[int, list[int]]
) -> None:
    """Members sign up over the last months, oldest first, each through the real login flow."""
    start = clock.now() - timedelta(days=MEMBER_HISTORY_DAYS)
    offsets = sorted(rng.uniform(0, MEMBER_HISTORY_DAYS * 86_400) for _ in range(MEMBER_COUNT))
    with_phone = set(rng.sample(range(1, MEMBER_COUNT + 1), PHONE_MEMBER_COUNT))
    channels, channel_weights = zip(*CHANNELS, strict=True)
    genders, gender_weights = zip(*GENDERS, strict=True)
    for number, offset in enumerate(offsets, start=1):
        touch = _first_touch(rng, rng.choices(channels, channel_weights)[0], stores, guides)
        profile = ProfileChange(
            nickname=rng.choice(NICK_HEADS) + rng.choice(NICK_TAILS),
            avatar_url=f"https://img.example.com/a/{number}.jpg",
            gender=rng.choices(genders, gender_weights)[0],
            birthday=_birthday(rng) if rng.random() < 0.6 else None,
            region=rng.choice(REGIONS),
        )
        with clock.frozen_at(start + timedelta(seconds=offset)):
            login = await login_with_identity(
                Identity(provider="WECHAT", app_id=app_id, openid=f"demo-{number}"), touch
            )
            await update_profile(login.member.id, profile)
            if number in with_phone:
                await bind_phone(login.member.id, f"+86138000{number:05d}", actor="demo")


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


def _print_logins() -> None:
    config = AppConfig()
    base = f"http://{config.host}:{config.port}"
    store_names = {number: row[1] for number, row in enumerate(STORES, start=1)}
    lines = [
        f"demo data loaded: {len(STORES)} stores, {len(STAFF)} staff, "
        f"{len(PRODUCTS)} products ({ON_SALE_COUNT} on sale), {MEMBER_COUNT} members",
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
        f"admin API (staff):   {base}/admin/graphql",
        f'  mutation {{ staffLogin(username: "admin", password: "{DEMO_PASSWORD}") '
        "{ tokens { accessToken } errors { code } } }",
        "  send the accessToken as: Authorization: Bearer <token>",
    ]
    print("\n".join(lines))
