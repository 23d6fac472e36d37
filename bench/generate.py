"""Big-data generator for the report benchmarks (issue 6): a year of a brand's business, loaded
straight into the tables in bulk, consistent the way the services would have left it.

Why bulk and not the services: a million orders through checkout and payment would take hours,
and the reports only read what is stored. So the rules are applied here, by the same numbers:
stores (a third FRANCHISE), a manager and guides per store (each guide a GUIDE distributor),
members joining over the year by channel, KOC chains (uplines with materialised ancestry),
member distributors and partner shops, share links, visits (binding visits BOUND, the rest
ALREADY_BOUND), referral bindings valid 30 days, service relationships, orders with 1 to 3
items in every state, attribution by share link or valid referrer (self-purchase excluded,
level 2 = the level-1 upline), the default commission plan (LEVEL1 1000 bp, LEVEL2 300 bp,
GUIDE_SERVICE 200 bp, STORE_SHARE 500 bp for franchise stores), settlement 7 days after
completion, full refunds before settlement (CANCEL) and partial refunds after it (CLAWBACK),
and withdrawals paid, pending review or rejected. Every balance is the sum of its ledger rows
(`siyu check-ledger` passes), and link counters equal their visit and order rows.

Not generated (reports do not read them): payments, login identities, last share touches,
points and coupons. The run is deterministic for a seed and a scale.

Run: `.venv/bin/python bench/generate.py --database-url URL [--orders N] [--members N]`
with `postgres://...` (COPY) or `sqlite:///path` (executemany in one big transaction) on a
fresh database: the script migrates it first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable from a checkout
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from tortoise import Tortoise, connections  # noqa: E402

from api.cli import migrate  # noqa: E402
from api.config import AppConfig  # noqa: E402
from bench.common import asyncpg_url  # noqa: E402
from bench.loaders import Loader, PostgresLoader, SqliteLoader  # noqa: E402
from distribution.reports.rollups import rebuild_report_rollups  # noqa: E402
from domain.clock import SHANGHAI  # noqa: E402
from domain.db import tortoise_config, transaction  # noqa: E402

END = datetime(2026, 11, 1, tzinfo=SHANGHAI).astimezone(UTC)
DAYS = 365
BEGIN = END - timedelta(days=DAYS)
GUIDES_PER_STORE = 4
PRICES = (2900, 5900, 9900, 12900, 19900, 29900, 39900, 59900)
CHANNELS = (("MINI_PROGRAM", 30), ("SHARE_LINK", 30), ("STORE_QR", 15), ("OFFLINE_SIGNUP", 20))
CHANNELS += (("CAMPAIGN", 5),)
RATES = {"LEVEL1": 1000, "LEVEL2": 300, "GUIDE_SERVICE": 200, "STORE_SHARE": 500}
BIND_DAYS = 30
FREEZE_DAYS = 7
EMPTY_JSON = "{}"

STORE = ("id", "code", "name", "kind", "region", "address", "status", "created_at")
STAFF = ("id", "username", "display_name", "password_hash", "role", "status", "token_version")
STAFF += ("created_at", "store_id")
CATEGORY = ("id", "name", "sort_order", "created_at", "parent_id")
PRODUCT = ("id", "title", "description", "images", "status", "commission_enabled")
PRODUCT += ("min_price_fen", "sales_count", "created_at", "updated_at", "category_id")
SKU = ("id", "code", "specs", "price_fen", "stock", "created_at", "product_id")
MEMBER = ("id", "nickname", "avatar_url", "gender", "region", "phone", "status", "token_version")
MEMBER += ("source_channel", "source_store_id", "source_guide_id", "created_at", "updated_at")
DISTRIBUTOR = ("id", "kind", "status", "member_id", "staff_id", "store_id", "ancestry")
DISTRIBUTOR += ("display_name", "created_at", "updated_at", "upline_id")
LINK = ("id", "code", "target", "channel", "visits", "unique_visitors", "bindings", "orders")
LINK += ("paid_fen", "created_at", "distributor_id")
VISIT = ("id", "member_id", "outcome", "visited_at", "link_id")
BINDING = ("id", "member_id", "link_id", "reason", "actor", "valid_from", "expires_at")
BINDING += ("ended_at", "referrer_id")
SERVICE = ("id", "member_id", "store_id", "guide_id", "reason", "actor", "valid_from", "valid_to")
ORDER = ("id", "number", "status", "fulfilment", "pickup_store_id", "goods_fen", "shipping_fen")
ORDER += ("payable_fen", "idempotency_key", "request_hash", "channel", "service_store_id")
ORDER += ("service_guide_id", "level1_distributor_id", "level2_distributor_id", "share_link_id")
ORDER += ("attribution", "created_at", "pay_deadline", "paid_at", "shipped_at", "completed_at")
ORDER += ("cancelled_at", "closed_at", "member_id")
ITEM = ("id", "line", "sku_id", "product_id", "category_id", "title", "specs")
ITEM += ("commission_enabled", "unit_price_fen", "quantity", "amount_fen", "paid_fen")
ITEM += ("refunded_fen", "order_id")
REFUND = ("id", "amount_fen", "reason", "status", "out_refund_no", "reviewed_by", "created_at")
REFUND += ("reviewed_at", "item_id", "order_id")
ACCOUNT = ("id", "owner_type", "owner_id", "pending_fen", "available_fen", "withdrawing_fen")
ACCOUNT += ("withdrawn_fen", "created_at")
ENTRY = ("id", "order_id", "role", "distributor_id", "store_id", "basis", "original_fen")
ENTRY += ("amount_fen", "status", "capped", "created_at", "settle_at", "settled_at")
ENTRY += ("account_id", "item_id")
LEDGER = ("id", "kind", "pending_delta", "available_delta", "withdrawing_delta")
LEDGER += ("withdrawn_delta", "entry_id", "withdrawal_id", "order_id", "actor", "created_at")
LEDGER += ("account_id",)
WITHDRAWAL = ("id", "amount_fen", "fee_fen", "payout_fen", "method", "payee_masked", "status")
WITHDRAWAL += ("reviewed_by", "requested_at", "reviewed_at", "paid_at", "requested_day")
WITHDRAWAL += ("account_id", "real_name_encrypted", "real_name_masked")


@dataclass
class Counters:
    """Next id per table (a fresh database starts every sequence at 1)."""

    next: dict[str, int] = field(default_factory=dict)

    def __call__(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


@dataclass
class Account:
    owner_type: str
    owner_id: int
    pending: int = 0
    available: int = 0
    withdrawing: int = 0
    withdrawn: int = 0


@dataclass
class Link:
    id: int
    distributor: int
    created_at: datetime
    visits: int = 0
    visitors: set[int] = field(default_factory=set)
    bindings: int = 0
    orders: int = 0
    paid_fen: int = 0


class Generator:
    def __init__(self, loader: Loader, members: int, orders: int, seed: int) -> None:
        self.load = loader
        self.members = members
        self.orders = orders
        self.rng = random.Random(seed)
        self.ids = Counters()
        self.accounts: dict[int, Account] = {}  # account id → balances
        self.store_account: dict[int, int] = {}
        self.distributor_account: dict[int, int] = {}

    # --- organisation and catalogue -------------------------------------------------------

    async def organisation(self) -> None:
        rng = self.rng
        opened = BEGIN - timedelta(days=30)
        self.stores = list(range(1, max(3, self.members // 2000) + 1))
        self.franchise = {s for s in self.stores if s % 3 == 0}
        self.guides_of: dict[int, list[int]] = {}
        self.guide_distributor: dict[int, int] = {}
        self.distributor_store: dict[int, int | None] = {}
        self.distributor_member: dict[int, int | None] = {}
        self.upline: dict[int, int | None] = {}
        for store in self.stores:
            kind = "FRANCHISE" if store in self.franchise else "DIRECT"
            row = (store, f"S{store:04d}", f"门店{store}", kind, "华东", "", "ACTIVE", opened)
            await self.load.add("store", STORE, row)
            manager = self.ids("staff")
            await self.load.add(
                "staff",
                STAFF,
                (
                    manager,
                    f"manager{store}",
                    f"店长{store}",
                    "!",
                    "STORE_MANAGER",
                    "ACTIVE",
                    1,
                    opened,
                    store,
                ),
            )
            self.guides_of[store] = []
            for number in range(GUIDES_PER_STORE):
                guide = self.ids("staff")
                name = f"导购{store}-{number + 1}"
                await self.load.add(
                    "staff",
                    STAFF,
                    (
                        guide,
                        f"guide{store}-{number}",
                        name,
                        "!",
                        "GUIDE",
                        "ACTIVE",
                        1,
                        opened,
                        store,
                    ),
                )
                distributor = await self._distributor(
                    "GUIDE", None, guide, store, None, name, opened
                )
                self.guides_of[store].append(guide)
                self.guide_distributor[guide] = distributor
        self.skus: list[tuple[int, int, int, int, str]] = []  # sku, product, category, price, title
        for category in range(1, 6):
            await self.load.add(
                "category", CATEGORY, (category, f"品类{category}", category, opened, None)
            )
        for product in range(1, 51):
            category = (product - 1) % 5 + 1
            price = PRICES[rng.randrange(len(PRICES))]
            title = f"商品{product}"
            await self.load.add(
                "product",
                PRODUCT,
                (product, title, "", "[]", "ON_SALE", True, price, 0, opened, opened, category),
            )
            await self.load.add(
                "sku",
                SKU,
                (product, f"SKU{product:04d}", EMPTY_JSON, price, 10**6, opened, product),
            )
            self.skus.append((product, product, category, price, title))

    async def _distributor(
        self,
        kind: str,
        member: int | None,
        staff: int | None,
        store: int | None,
        upline: int | None,
        name: str,
        at: datetime,
    ) -> int:
        distributor = self.ids("distributor")
        ancestry = self.ancestry[upline] + f"{upline}/" if upline else "/"
        self.ancestry[distributor] = ancestry
        self.upline[distributor] = upline
        self.distributor_store[distributor] = store
        self.distributor_member[distributor] = member
        await self.load.add(
            "distributor",
            DISTRIBUTOR,
            (distributor, kind, "ACTIVE", member, staff, store, ancestry, name, at, at, upline),
        )
        account = self.ids("commission_account")
        self.accounts[account] = Account("DISTRIBUTOR", distributor)
        self.distributor_account[distributor] = account
        # every distributor shares: guides more than anyone
        for _ in range(3 if kind == "GUIDE" else 2):
            created = at + timedelta(hours=self.rng.randrange(1, 240))
            self.links.append(Link(self.ids("share_link"), distributor, min(created, END)))
        return distributor

    # --- members, distributors, relationships ------------------------------------------------

    async def people(self) -> None:
        rng = self.rng
        self.joined: list[datetime] = [BEGIN]  # index = member id
        self.served: list[tuple[int, int | None] | None] = [None]
        channels, weights = zip(*CHANNELS, strict=True)
        for member in range(1, self.members + 1):
            joined = BEGIN + timedelta(seconds=(member - 1) * DAYS * 86400 / self.members)
            channel = rng.choices(channels, weights)[0]
            store = guide = None
            if channel in ("STORE_QR", "OFFLINE_SIGNUP"):
                store = rng.choice(self.stores)
                guide = rng.choice(self.guides_of[store]) if channel == "OFFLINE_SIGNUP" else None
            elif rng.random() < 0.3:
                store = rng.choice(self.stores)
                guide = rng.choice(self.guides_of[store])
            phone = f"+86138{member:08d}" if member % 2 else None
            source_store = store if channel in ("STORE_QR", "OFFLINE_SIGNUP") else None
            source_guide = guide if channel == "OFFLINE_SIGNUP" else None
            await self.load.add(
                "member",
                MEMBER,
                (
                    member,
                    f"会员{member}",
                    "",
                    "UNKNOWN",
                    "",
                    phone,
                    "ACTIVE",
                    1,
                    channel,
                    source_store,
                    source_guide,
                    joined,
                    joined,
                ),
            )
            self.joined.append(joined)
            self.served.append((store, guide) if store else None)
            if store:
                reason = {"STORE_QR": "STORE_QR", "OFFLINE_SIGNUP": "OFFLINE_SIGNUP"}
                await self.load.add(
                    "service_relationship",
                    SERVICE,
                    (
                        self.ids("service_relationship"),
                        member,
                        store,
                        guide,
                        reason.get(channel, "GUIDE_SHARE"),
                        "generator",
                        joined,
                        None,
                    ),
                )
        # KOC chains, member distributors and partner shops, each owned by a distinct member
        kocs, casuals, shops = self.members // 100, self.members // 50, max(1, self.members // 4000)
        owners = rng.sample(range(1, self.members + 1), kocs + casuals + shops)
        koc_ids: list[int] = []
        for index, member in enumerate(owners):
            at = min(self.joined[member] + timedelta(days=1), END)
            if index < kocs:
                upline = rng.choice(koc_ids) if koc_ids and rng.random() < 0.7 else None
                koc_ids.append(
                    await self._distributor("KOC", member, None, None, upline, f"KOC{member}", at)
                )
            elif index < kocs + casuals:
                upline = rng.choice(koc_ids) if rng.random() < 0.5 else None
                await self._distributor("MEMBER", member, None, None, upline, f"分销{member}", at)
            else:
                await self._distributor("SHOP", member, None, None, None, f"小店{member}", at)
        for store in self.franchise:
            account = self.ids("commission_account")
            self.accounts[account] = Account("STORE", store)
            self.store_account[store] = account
        # referral bindings: 40 % of members, through a visit to one of the referrer's links
        self.bound: list[tuple[int, datetime] | None] = [None] * (self.members + 1)
        for member in range(1, self.members + 1):
            if rng.random() >= 0.4:
                continue
            link = self.links[rng.randrange(len(self.links))]
            if self.distributor_member[link.distributor] == member:
                continue
            at = max(self.joined[member], link.created_at) + timedelta(
                minutes=rng.randrange(1, 600)
            )
            if at >= END:
                continue
            self.bound[member] = (link.distributor, at)
            await self.load.add(
                "referral_binding",
                BINDING,
                (
                    self.ids("referral_binding"),
                    member,
                    link.id,
                    "SHARE_VISIT",
                    "generator",
                    at,
                    at + timedelta(days=BIND_DAYS),
                    None,
                    link.distributor,
                ),
            )
            await self._visit(link, member, "BOUND", at)

    async def _visit(self, link: Link, member: int, outcome: str, at: datetime) -> None:
        link.visits += 1
        link.visitors.add(member)
        link.bindings += outcome in ("BOUND", "REBOUND")
        await self.load.add(
            "share_visit", VISIT, (self.ids("share_visit"), member, outcome, at, link.id)
        )

    # --- orders, commission, refunds ---------------------------------------------------------

    async def sales(self) -> None:
        for number in range(1, self.orders + 1):
            await self._order(number)
            if number % 100_000 == 0:
                print(f"  {number} orders", flush=True)

    async def _order(self, order: int) -> None:
        rng = self.rng
        # steady sales over the year, bought by members who joined before, older ones more
        created = BEGIN + timedelta(seconds=DAYS * 86400 * rng.random())
        members_by_then = max(1, int(self.members * (created - BEGIN) / (END - BEGIN)))
        member = min(members_by_then, int(members_by_then * rng.random() ** 1.4) + 1)
        created = max(created, self.joined[member] + timedelta(minutes=5))
        age = END - created
        link = None
        level1 = None
        channel = "MINI_PROGRAM"
        if rng.random() < 0.3:
            link = self.links[rng.randrange(len(self.links))]
            if link.created_at < created:
                level1, channel = link.distributor, "SHARE_LINK"
                await self._visit(link, member, "ALREADY_BOUND", created - timedelta(minutes=30))
            else:
                link = None
        bound = self.bound[member]
        if level1 is None and bound and bound[1] <= created < bound[1] + timedelta(days=BIND_DAYS):
            level1 = bound[0]
        if level1 is not None and self.distributor_member[level1] == member:
            level1 = None  # self-purchase earns nothing by default
        level2 = self.upline[level1] if level1 else None
        served = self.served[member]
        pickup = rng.random() < 0.15
        store, guide = served if served else (None, None)
        if store is None and pickup:
            store = rng.choice(self.stores)
        if guide and rng.random() < 0.1:
            channel = "GUIDE_ASSISTED"

        roll = rng.random()
        paid_at = shipped = completed = cancelled = closed = refund_at = None
        if roll < 0.04 and age > timedelta(hours=1):
            status, cancelled = "CANCELLED", created + timedelta(minutes=30)
        elif age < timedelta(minutes=20):
            status = "PENDING_PAYMENT"
        else:
            paid_at = created + timedelta(minutes=2)
            if age < timedelta(days=1):
                status = "PAID"
            elif roll < 0.08:
                status, closed = "CLOSED", paid_at + timedelta(hours=20)
                refund_at = closed
            elif age < timedelta(days=5):
                status, shipped = "SHIPPED", paid_at + timedelta(hours=12)
            else:
                status, shipped = "COMPLETED", paid_at + timedelta(hours=12)
                completed = shipped + timedelta(days=3)
        settle_at = completed + timedelta(days=FREEZE_DAYS) if completed else None
        settled = settle_at is not None and settle_at <= END
        clawback_at = None
        if settled and rng.random() < 0.03:
            clawback_at = settle_at + timedelta(days=5)
            if clawback_at > END:
                clawback_at = None

        lines = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
        items = []
        for line in range(lines):
            sku, product, category, price, title = self.skus[rng.randrange(len(self.skus))]
            quantity = 1 + (rng.random() < 0.2)
            items.append(
                (self.ids("order_item"), line, sku, product, category, price, title, quantity)
            )
        goods = sum(price * quantity for *_, price, _, quantity in items)
        shipping = 0 if pickup or goods >= 9900 else 1000
        payable = goods + shipping
        if link:
            link.orders += 1
            link.paid_fen += payable if paid_at else 0
        attribution = json.dumps({"channel": channel, "generated": True})
        await self.load.add(
            "order",
            ORDER,
            (
                order,
                f"G{order:012d}",
                status,
                "PICKUP" if pickup else "DELIVERY",
                store if pickup else None,
                goods,
                shipping,
                payable,
                f"gen-{order}",
                "-",
                channel,
                store,
                guide,
                level1,
                level2,
                link.id if link else None,
                attribution,
                created,
                created + timedelta(minutes=30),
                paid_at,
                shipped,
                completed,
                cancelled,
                closed,
                member,
            ),
        )
        beneficiaries = []
        if paid_at:
            if level1:
                beneficiaries.append(("LEVEL1", self.distributor_account[level1], level1, None))
            if level2:
                beneficiaries.append(("LEVEL2", self.distributor_account[level2], level2, None))
            if guide:
                distributor = self.guide_distributor[guide]
                beneficiaries.append(
                    ("GUIDE_SERVICE", self.distributor_account[distributor], distributor, None)
                )
            if store in self.franchise:
                beneficiaries.append(("STORE_SHARE", self.store_account[store], None, store))
        for index, (item, line, sku, product, category, price, title, quantity) in enumerate(items):
            amount = price * quantity
            refunded = 0
            if closed:
                refunded = amount
            elif clawback_at and index == 0:
                refunded = amount // 2
            await self.load.add(
                "order_item",
                ITEM,
                (
                    item,
                    line,
                    sku,
                    product,
                    category,
                    title,
                    EMPTY_JSON,
                    True,
                    price,
                    quantity,
                    amount,
                    amount,
                    refunded,
                    order,
                ),
            )
            if refunded:
                when = refund_at or clawback_at
                await self.load.add(
                    "refund",
                    REFUND,
                    (
                        self.ids("refund"),
                        refunded,
                        "不想要了",
                        "REFUNDED",
                        f"R{item:012d}",
                        "generator",
                        when - timedelta(hours=2),
                        when,
                        item,
                        order,
                    ),
                )
            for role, account, distributor, store_id in beneficiaries:
                original = amount * RATES[role] // 10_000
                if original:
                    await self._entry(
                        order, item, role, account, distributor, store_id, original, paid_at,
                        settle_at, settled, closed, refunded, amount, clawback_at,
                    )  # fmt: skip

    async def _entry(
        self, order, item, role, account, distributor, store, original, paid_at, settle_at,
        settled, closed, refunded, paid_fen, clawback_at,
    ) -> None:  # fmt: skip
        entry = self.ids("commission_entry")
        balances = self.accounts[account]
        await self._ledger("ACCRUE", account, entry, order, paid_at, pending=original)
        balances.pending += original
        amount, status, settled_at = original, "PENDING", None
        if closed:
            await self._ledger("CANCEL", account, entry, order, closed, pending=-original)
            balances.pending -= original
            amount, status = 0, "CANCELLED"
        elif settled:
            await self._ledger(
                "SETTLE", account, entry, order, settle_at, pending=-original, available=original
            )
            balances.pending -= original
            balances.available += original
            status, settled_at = "SETTLED", settle_at
            if refunded:
                reduction = original * refunded // paid_fen
                await self._ledger(
                    "CLAWBACK", account, entry, order, clawback_at, available=-reduction
                )
                balances.available -= reduction
                amount -= reduction
        await self.load.add(
            "commission_entry",
            ENTRY,
            (
                entry,
                order,
                role,
                distributor,
                store,
                "rate",
                original,
                amount,
                status,
                False,
                paid_at,
                settle_at,
                settled_at,
                account,
                item,
            ),
        )

    async def _ledger(
        self,
        kind: str,
        account: int,
        entry: int | None,
        order: int | None,
        at: datetime,
        *,
        pending: int = 0,
        available: int = 0,
        withdrawing: int = 0,
        withdrawn: int = 0,
        withdrawal: int | None = None,
    ) -> None:
        await self.load.add(
            "ledger_entry",
            LEDGER,
            (
                self.ids("ledger_entry"),
                kind,
                pending,
                available,
                withdrawing,
                withdrawn,
                entry,
                withdrawal,
                order,
                "generator",
                at,
                account,
            ),
        )

    # --- withdrawals, accounts, links ----------------------------------------------------------

    async def payouts(self) -> None:
        rng = self.rng
        for account_id, account in self.accounts.items():
            if (
                account.owner_type != "DISTRIBUTOR"
                or account.available < 2000
                or rng.random() < 0.5
            ):
                continue
            amount = account.available // 2
            requested = END - timedelta(days=rng.randrange(1, 30), minutes=rng.randrange(1440))
            roll = rng.random()
            status = "PAID" if roll < 0.8 else "PENDING_REVIEW" if roll < 0.9 else "REJECTED"
            withdrawal = self.ids("withdrawal")
            reviewed = requested + timedelta(hours=3) if status != "PENDING_REVIEW" else None
            paid = reviewed if status == "PAID" else None
            day = requested.astimezone(SHANGHAI).date().isoformat()
            await self.load.add(
                "withdrawal",
                WITHDRAWAL,
                (
                    withdrawal,
                    amount,
                    0,
                    amount,
                    "WECHAT_BALANCE",
                    "",
                    status,
                    "generator" if reviewed else None,
                    requested,
                    reviewed,
                    paid,
                    day,
                    account_id,
                    "",
                    "",
                ),
            )
            await self._ledger(
                "HOLD", account_id, None, None, requested,
                available=-amount, withdrawing=amount, withdrawal=withdrawal,
            )  # fmt: skip
            account.available -= amount
            account.withdrawing += amount
            if status == "PAID":
                await self._ledger(
                    "PAID", account_id, None, None, paid,
                    withdrawing=-amount, withdrawn=amount, withdrawal=withdrawal,
                )  # fmt: skip
                account.withdrawing -= amount
                account.withdrawn += amount
            elif status == "REJECTED":
                await self._ledger(
                    "RELEASE", account_id, None, None, reviewed,
                    available=amount, withdrawing=-amount, withdrawal=withdrawal,
                )  # fmt: skip
                account.available += amount
                account.withdrawing -= amount
        for account_id, account in self.accounts.items():
            await self.load.add(
                "commission_account",
                ACCOUNT,
                (
                    account_id,
                    account.owner_type,
                    account.owner_id,
                    account.pending,
                    account.available,
                    account.withdrawing,
                    account.withdrawn,
                    BEGIN,
                ),
            )
        for link in self.links:
            code = f"L{link.id:09d}"
            await self.load.add(
                "share_link",
                LINK,
                (
                    link.id,
                    code,
                    "HOME",
                    ("CHAT", "MOMENTS", "POSTER", "QR")[link.id % 4],
                    link.visits,
                    len(link.visitors),
                    link.bindings,
                    link.orders,
                    link.paid_fen,
                    link.created_at,
                    link.distributor,
                ),
            )

    async def run(self) -> None:
        self.links: list[Link] = []
        self.ancestry: dict[int | None, str] = {}
        await self.organisation()
        await self.people()
        await self.sales()
        await self.payouts()
        await self.load.finish()


async def open_loader(database_url: str) -> tuple[Loader, asyncpg.Connection | None]:
    if database_url.startswith(("postgres://", "postgresql://")):
        connection = await asyncpg.connect(asyncpg_url(database_url))
        return PostgresLoader(connection), connection
    path = database_url.removeprefix("sqlite://").partition("?")[0]
    return SqliteLoader(path), None


async def generate(database_url: str, members: int, orders: int, seed: int) -> dict[str, int]:
    """Migrate a fresh database and fill it; the row count per table."""
    await migrate(AppConfig(database_url=database_url, jwt_secret="x" * 40))
    loader, connection = await open_loader(database_url)
    try:
        if connection is not None:
            # foreign keys are satisfied at the end, not table by table as rows stream in
            await connection.execute("SET session_replication_role = replica")
        await Generator(loader, members, orders, seed).run()
    finally:
        if connection is not None:
            await connection.close()
    await fill_rollups(database_url)
    return loader.counts


async def fill_rollups(database_url: str) -> None:
    """The report rollups from the loaded rows, one set-based statement each (what the services
    keep row by row), then their statistics (and PostgreSQL's visibility map, so the covering
    indexes answer without visiting the table)."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        async with transaction():
            await rebuild_report_rollups()
        db = connections.get("default")
        await db.execute_script(
            "VACUUM ANALYZE" if db.capabilities.dialect == "postgres" else "ANALYZE"
        )
    finally:
        await Tortoise.close_connections()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://... or sqlite:///path")
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    began = time.perf_counter()
    counts = asyncio.run(generate(args.database_url, args.members, args.orders, args.seed))
    for table, count in sorted(counts.items()):
        print(f"{table:24s} {count:>10,d}")
    print(f"generated in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
