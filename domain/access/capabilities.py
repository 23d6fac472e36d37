"""The role matrix of SPEC 13 as data: each capability maps the staff roles that hold it to the
scope they hold it in. Every admin root field declares one capability (`api/auth/permissions`);
no role set is written anywhere else.

Scopes: ALL (every row), OWN_STORE (rows of the staff member's store), OWN_CUSTOMERS (a guide:
the customers they serve, the orders they serve or placed, and pickups at their store) and
OWN_STORE_GUIDES (the guides of the staff member's store). Out of scope looks like not found.

Grey cells, decided here:
- Shipping: HQ_OPERATOR ships (HQ runs the warehouse for delivery orders), as do HQ_ADMIN and a
  store manager for the orders of their store. Guides hand over pickups, they do not ship.
- Refund reviews: HQ_FINANCE (a refund is money going out) and HQ_OPERATOR (customer service)
  review every store's refunds, a store manager their store's. Guides only see them on orders.
- Guide-only acts: share links of one's own (`myShareLinks`, `createShareLink`) and assisted
  orders (`placeAssistedOrder`) are the guide's alone, HQ_ADMIN included: they credit commission
  and store KPIs to the person acting, and HQ_ADMIN serves no customer. Signing a customer up in
  store is a guide's or a store manager's act for the same reason.
- HQ_FINANCE sees amounts and order numbers: orders without the delivery address (null, not
  masked: a masked address still says where someone lives) and no member lists or tags.
- Pickup codes are the member's: the admin API never shows them, to any role.
- Commission balances (`commissionAccounts`): HQ_ADMIN and HQ_FINANCE every account, a store
  manager their store's and its guides', a guide their own; HQ_OPERATOR none (finance data).
- Personal data (phones, payees' names and accounts) is unmasked for HQ_ADMIN only.
- A payee's real name (WeChat transfers of 2000 yuan and more) is masked for every role, HQ_ADMIN
  included; HQ_ADMIN reveals it on purpose (`PAYEE_REAL_NAME_REVEAL`), one audit row each.
  HQ_FINANCE approves with the masked name: checking identities is the administrator's act.
- Refunds WeChat left ABNORMAL or CLOSED, and the reconciliation with WeChat's bills: HQ_FINANCE
  and HQ_ADMIN (money going out and the books); HQ_OPERATOR reviews refunds but does not settle
  them with the bank, store managers neither.
- Refund reasons (what members choose from): HQ_OPERATOR and HQ_ADMIN, like other business
  settings; finance and stores review refunds but do not word the choices.
- Share poster templates (背景图与元素位置): HQ_OPERATOR and HQ_ADMIN, like other marketing
  material; the per-template funnel is read with the other reports (`REPORTS_READ`).
- Staff leaving: HQ_ADMIN marks anyone LEFT; a store manager only the guides of their own store
  (never a fellow manager).
- The outbox (messages to WeChat that failed): HQ_ADMIN and HQ_OPERATOR list and retry them;
  operators run the warehouse, so a shipping upload that gave up is theirs to fix. Payloads
  (openids, order details) are never shown, only topic, key, tries and the reason.
- Guide workbench (SPEC 22): task batches are made by HQ_OPERATOR, HQ_ADMIN and a store manager
  for their store; tasks are read by those and by a guide (their own); only the guide serving
  the customer finishes a task or issues a guide coupon (it is their act, credited to them).
  HQ_OPERATOR and HQ_ADMIN write content items (素材) and mark guide coupon templates
  (COUPONS_WRITE); store staff read the items for their store; only a guide shares one (the
  link is theirs). HQ_FINANCE has no part in it.
- Correcting a member's referrer (rebind, unbind: `REFERRER_EDIT`): HQ_OPERATOR and HQ_ADMIN,
  like distributor reviews; a store or finance role does not decide who brought a member in.
  The binding history (`referralBindings`) is read with the distributors (`DISTRIBUTORS_READ`).
- Guide workbench (SPEC 22): the customer list and customer page (`CUSTOMERS_READ`) follow the
  member scope (HQ_ADMIN and HQ_OPERATOR every member, a store manager the store's, a guide
  their own); HQ_FINANCE sees no member lists. Follow-ups are recorded by those who serve
  customers (`FOLLOW_UP_WRITE`: a guide for their own, a store manager for the store's); HQ
  serves no customer. The per-guide overview (`GUIDE_OVERVIEW_READ`) is a store report: HQ_ADMIN,
  HQ_OPERATOR and a store manager for their store.
- The staff inbox: every role reads its own notices only (each is written for one staff
  member); a store role's inbox is further confined to its store.
- A member's notification delivery log and the per-event figures: HQ_ADMIN and HQ_OPERATOR
  (customer support, who also set the templates), without the message's content or the openid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from domain.org.models import Staff, StaffRole


class Capability(StrEnum):
    SESSION = "SESSION"
    STORES_READ = "STORES_READ"
    STORE_CREATE = "STORE_CREATE"
    STAFF_READ = "STAFF_READ"
    STAFF_CREATE = "STAFF_CREATE"
    STAFF_LEAVE = "STAFF_LEAVE"
    CATEGORIES_READ = "CATEGORIES_READ"
    CATALOG_WRITE = "CATALOG_WRITE"
    SETTINGS_WRITE = "SETTINGS_WRITE"
    STORE_TARGETS_WRITE = "STORE_TARGETS_WRITE"
    TIERS_WRITE = "TIERS_WRITE"
    COUPONS_WRITE = "COUPONS_WRITE"
    POINTS_ADJUST = "POINTS_ADJUST"
    MEMBERS_READ = "MEMBERS_READ"
    MEMBER_TAG = "MEMBER_TAG"
    AUDIENCE_WRITE = "AUDIENCE_WRITE"
    ORDERS_READ = "ORDERS_READ"
    DELIVERY_ADDRESS_READ = "DELIVERY_ADDRESS_READ"
    PERSONAL_DATA_UNMASKED = "PERSONAL_DATA_UNMASKED"
    ORDER_SHIP = "ORDER_SHIP"
    PICKUP_VERIFY = "PICKUP_VERIFY"
    REFUND_REVIEW = "REFUND_REVIEW"
    ASSISTED_ORDER = "ASSISTED_ORDER"
    SHARE_LINKS_OWN = "SHARE_LINKS_OWN"
    CUSTOMER_SIGN_UP = "CUSTOMER_SIGN_UP"
    CUSTOMERS_TRANSFER = "CUSTOMERS_TRANSFER"
    DISTRIBUTORS_READ = "DISTRIBUTORS_READ"
    DISTRIBUTOR_REVIEW = "DISTRIBUTOR_REVIEW"
    COMMISSION_RULES_READ = "COMMISSION_RULES_READ"
    COMMISSION_RULES_WRITE = "COMMISSION_RULES_WRITE"
    COMMISSION_ENTRIES_READ = "COMMISSION_ENTRIES_READ"
    COMMISSION_ACCOUNTS_READ = "COMMISSION_ACCOUNTS_READ"
    COMMISSION_ADJUST = "COMMISSION_ADJUST"
    WITHDRAWAL_REVIEW = "WITHDRAWAL_REVIEW"
    PAYEE_REAL_NAME_REVEAL = "PAYEE_REAL_NAME_REVEAL"
    REPORT_COMMISSION = "REPORT_COMMISSION"
    REPORTS_READ = "REPORTS_READ"
    JOB_RUNS_READ = "JOB_RUNS_READ"
    REFUND_ATTENTION = "REFUND_ATTENTION"
    RECONCILIATION = "RECONCILIATION"
    REFUND_REASONS_WRITE = "REFUND_REASONS_WRITE"
    OUTBOX = "OUTBOX"
    GUIDE_TASKS_READ = "GUIDE_TASKS_READ"
    GUIDE_TASK_BATCH_WRITE = "GUIDE_TASK_BATCH_WRITE"
    GUIDE_TASK_FINISH = "GUIDE_TASK_FINISH"
    GUIDE_COUPONS_READ = "GUIDE_COUPONS_READ"
    GUIDE_COUPON_ISSUE = "GUIDE_COUPON_ISSUE"
    CONTENT_READ = "CONTENT_READ"
    CONTENT_WRITE = "CONTENT_WRITE"
    CONTENT_SHARE = "CONTENT_SHARE"
    REFERRER_EDIT = "REFERRER_EDIT"
    CUSTOMERS_READ = "CUSTOMERS_READ"
    FOLLOW_UP_WRITE = "FOLLOW_UP_WRITE"
    GUIDE_OVERVIEW_READ = "GUIDE_OVERVIEW_READ"
    STAFF_INBOX = "STAFF_INBOX"
    NOTIFICATION_LOG = "NOTIFICATION_LOG"
    POSTER_TEMPLATES_WRITE = "POSTER_TEMPLATES_WRITE"


class ScopeKind(StrEnum):
    ALL = "ALL"
    OWN_STORE = "OWN_STORE"
    OWN_CUSTOMERS = "OWN_CUSTOMERS"
    OWN_STORE_GUIDES = "OWN_STORE_GUIDES"


R = StaffRole
S = ScopeKind

_HQ = {R.HQ_ADMIN: S.ALL, R.HQ_OPERATOR: S.ALL, R.HQ_FINANCE: S.ALL}
_ADMIN_OPERATOR = {R.HQ_ADMIN: S.ALL, R.HQ_OPERATOR: S.ALL}
_ADMIN_FINANCE = {R.HQ_ADMIN: S.ALL, R.HQ_FINANCE: S.ALL}
_ADMIN = {R.HQ_ADMIN: S.ALL}
_STORE = {R.STORE_MANAGER: S.OWN_STORE, R.GUIDE: S.OWN_STORE}
_SERVING = {R.STORE_MANAGER: S.OWN_STORE, R.GUIDE: S.OWN_CUSTOMERS}

_TABLE: dict[Capability, dict[StaffRole, ScopeKind]] = {
    Capability.SESSION: {**_HQ, **_STORE},
    Capability.STORES_READ: {**_HQ, **_STORE},
    Capability.STORE_CREATE: _ADMIN,
    Capability.STAFF_READ: {**_ADMIN, R.STORE_MANAGER: S.OWN_STORE},
    Capability.STAFF_CREATE: _ADMIN,
    Capability.STAFF_LEAVE: {**_ADMIN, R.STORE_MANAGER: S.OWN_STORE_GUIDES},
    Capability.CATEGORIES_READ: {**_HQ, **_STORE},
    Capability.CATALOG_WRITE: _ADMIN_OPERATOR,
    Capability.SETTINGS_WRITE: _ADMIN_OPERATOR,
    Capability.STORE_TARGETS_WRITE: _ADMIN_OPERATOR,
    Capability.TIERS_WRITE: _ADMIN_OPERATOR,
    Capability.COUPONS_WRITE: _ADMIN_OPERATOR,
    Capability.POINTS_ADJUST: _HQ,
    Capability.MEMBERS_READ: {**_ADMIN_OPERATOR, **_SERVING},
    Capability.MEMBER_TAG: {**_ADMIN_OPERATOR, **_SERVING},
    Capability.AUDIENCE_WRITE: _ADMIN_OPERATOR,
    Capability.ORDERS_READ: {**_HQ, **_SERVING},
    Capability.DELIVERY_ADDRESS_READ: {**_ADMIN_OPERATOR, **_SERVING},
    Capability.PERSONAL_DATA_UNMASKED: _ADMIN,
    Capability.ORDER_SHIP: {**_ADMIN_OPERATOR, R.STORE_MANAGER: S.OWN_STORE},
    Capability.PICKUP_VERIFY: {**_ADMIN, **_SERVING},
    Capability.REFUND_REVIEW: {**_HQ, R.STORE_MANAGER: S.OWN_STORE},
    Capability.ASSISTED_ORDER: {R.GUIDE: S.OWN_CUSTOMERS},
    Capability.SHARE_LINKS_OWN: {R.GUIDE: S.OWN_CUSTOMERS},
    Capability.CUSTOMER_SIGN_UP: _SERVING,
    Capability.CUSTOMERS_TRANSFER: {**_ADMIN_OPERATOR, R.STORE_MANAGER: S.OWN_STORE},
    Capability.DISTRIBUTORS_READ: _HQ,
    Capability.DISTRIBUTOR_REVIEW: _ADMIN_OPERATOR,
    Capability.COMMISSION_RULES_READ: _HQ,
    Capability.COMMISSION_RULES_WRITE: _ADMIN_OPERATOR,
    Capability.COMMISSION_ENTRIES_READ: _ADMIN_FINANCE,
    Capability.COMMISSION_ACCOUNTS_READ: {
        **_ADMIN_FINANCE,
        R.STORE_MANAGER: S.OWN_STORE,
        R.GUIDE: S.OWN_CUSTOMERS,
    },
    Capability.COMMISSION_ADJUST: _ADMIN_FINANCE,
    Capability.WITHDRAWAL_REVIEW: _ADMIN_FINANCE,
    Capability.PAYEE_REAL_NAME_REVEAL: _ADMIN,
    Capability.REPORT_COMMISSION: {**_HQ, R.STORE_MANAGER: S.OWN_STORE},
    Capability.REPORTS_READ: {**_ADMIN_OPERATOR, R.STORE_MANAGER: S.OWN_STORE},
    Capability.JOB_RUNS_READ: _ADMIN,
    Capability.REFUND_ATTENTION: _ADMIN_FINANCE,
    Capability.RECONCILIATION: _ADMIN_FINANCE,
    Capability.REFUND_REASONS_WRITE: _ADMIN_OPERATOR,
    Capability.OUTBOX: _ADMIN_OPERATOR,
    Capability.GUIDE_TASKS_READ: {**_ADMIN_OPERATOR, **_SERVING},
    Capability.GUIDE_TASK_BATCH_WRITE: {**_ADMIN_OPERATOR, R.STORE_MANAGER: S.OWN_STORE},
    Capability.GUIDE_TASK_FINISH: {R.GUIDE: S.OWN_CUSTOMERS},
    Capability.GUIDE_COUPONS_READ: {**_ADMIN_OPERATOR, **_SERVING},
    Capability.GUIDE_COUPON_ISSUE: {R.GUIDE: S.OWN_CUSTOMERS},
    Capability.CONTENT_READ: {**_ADMIN_OPERATOR, **_STORE},
    Capability.CONTENT_WRITE: _ADMIN_OPERATOR,
    Capability.CONTENT_SHARE: {R.GUIDE: S.OWN_CUSTOMERS},
    Capability.REFERRER_EDIT: _ADMIN_OPERATOR,
    Capability.CUSTOMERS_READ: {**_ADMIN_OPERATOR, **_SERVING},
    Capability.FOLLOW_UP_WRITE: _SERVING,
    Capability.GUIDE_OVERVIEW_READ: {**_ADMIN_OPERATOR, R.STORE_MANAGER: S.OWN_STORE},
    Capability.STAFF_INBOX: {**_HQ, **_STORE},
    Capability.NOTIFICATION_LOG: _ADMIN_OPERATOR,
    Capability.POSTER_TEMPLATES_WRITE: _ADMIN_OPERATOR,
}

CAPABILITIES: Mapping[Capability, Mapping[StaffRole, ScopeKind]] = MappingProxyType(
    {capability: MappingProxyType(roles) for capability, roles in _TABLE.items()}
)
"""Capability → the roles holding it → the scope each holds it in. Absent role: refused."""


def scope_of(role: StaffRole, capability: Capability) -> ScopeKind | None:
    """The scope `role` holds `capability` in, or None when the role does not hold it."""
    return CAPABILITIES[capability].get(role)


def allows(staff: Staff, capability: Capability) -> bool:
    return scope_of(staff.role, capability) is not None


@dataclass(frozen=True)
class Grant:
    """A staff member authorised for one capability, with the scope it holds it in."""

    staff: Staff
    capability: Capability
    scope: ScopeKind

    @property
    def store_id(self) -> int | None:
        """The one store this grant is confined to; None for ALL (every store)."""
        return None if self.scope == ScopeKind.ALL else self.staff.store_id

    @property
    def guide_id(self) -> int | None:
        """The guide whose own customers this grant is confined to; None otherwise."""
        return self.staff.id if self.scope == ScopeKind.OWN_CUSTOMERS else None

    @property
    def role_in_reach(self) -> StaffRole | None:
        """The one staff role this grant reaches (a store manager: their store's guides);
        None when it reaches every role."""
        return StaffRole.GUIDE if self.scope == ScopeKind.OWN_STORE_GUIDES else None

    def allows(self, capability: Capability) -> bool:
        return allows(self.staff, capability)


class OutOfScope(Exception):
    """A store role asked about another store: the answer is empty, as if it did not exist."""


def confine_to_store(grant: Grant, requested: int | None) -> int | None:
    """The store a store-wide read is confined to: HQ's optional choice, or a store role's own
    store (asking for another raises OutOfScope)."""
    own = grant.store_id
    if own is None:
        return requested
    if requested is not None and requested != own:
        raise OutOfScope()
    return own


def grant_for(staff: Staff, capability: Capability) -> Grant | None:
    scope = scope_of(staff.role, capability)
    return None if scope is None else Grant(staff, capability, scope)
