"""A per-process cache of public catalog responses (issue 18), and when a read may use it.

Why: browsing arrives in bursts (a KOC's post, a live stream), and the same few catalog pages
are asked for over and over; a stored response costs one statement instead of the page's
statements and completion: the catalog version for an anonymous visitor, and for a member their
token's check, their tier's price share and the version together (loyalty/tiers.py,
`member_session_pricing`).

What may be cached: a query whose root fields are all public catalog reads (`products`,
`categories`, `stores`; `product` for anonymous visitors only, since a member's view goes
into their browsing history). The key is (document hash, operation name, variables, the
viewer's price share): a member's answer differs from an anonymous one only by the tier
price, which is the share of the price their tier keeps, and nothing else about the viewer
is ever part of a cached answer.

When an entry is stale: when the catalog version moved since it was stored (every change to
what the storefront shows bumps it, domain/catalog/version.py; each request reads the version
first, so every worker sees a bump on its next request), or when it is older than
`catalog.stock_display_lag_seconds` (stock and sales counts, which change with every order).

Memory is bounded by the bytes of the stored bodies (an LRU); `RESPONSE_CACHE_BYTES=0` turns
the cache off.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, OperationType

from api import metrics
from domain.settings.service import get_setting

ANONYMOUS = "anonymous"
HIT, MISS, NOT_MODIFIED = "hit", "miss", "not_modified"
LAG_SETTING = "catalog.stock_display_lag_seconds"
# A CDN may keep a public answer but must ask again each time (If-None-Match, answered 304 while
# it holds): a price change then shows on the next request through the CDN too. `Vary`: the
# answer differs with the token (member prices) and with the negotiated media type.
PUBLIC_HEADERS = {"Cache-Control": "public, no-cache", "Vary": "Authorization, Accept"}
# Root fields of the shop schema a cached response may answer: True when a member's answer may
# be cached as well (by price share), False for anonymous visitors only.
SHOP_CACHEABLE: Mapping[str, bool] = {
    "products": True,
    "categories": True,
    "stores": True,
    "product": False,
    "__typename": True,
}
# The bytes an entry costs beyond its body (key, bookkeeping): small entries add up too.
ENTRY_OVERHEAD = 256


@dataclass(frozen=True, slots=True)
class CachedResponse:
    version: int
    stored_at: float
    body: bytes
    etag: str


def etag_of(body: bytes) -> str:
    """Strong ETag of a body: the same answer has the same tag in every worker."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weak comparison, RFC 9110 13.1.2)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def cache_policy(operation: OperationDefinitionNode, cacheable: Mapping[str, bool]) -> bool | None:
    """None when the operation may not be cached; True when a member's answer may be too,
    False when only an anonymous one. Only plain root fields count: a fragment or a directive
    at the root makes the operation uncacheable (rare, and then nothing needs proving)."""
    if operation.operation != OperationType.QUERY:
        return None
    members = True
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return None
        allowed = cacheable.get(selection.name.value)
        if allowed is None:
            return None
        members = members and allowed
    return members


def cache_key(
    digest: str, operation_name: str | None, variables: Any, viewer: int | str
) -> tuple[Any, ...]:
    """The key of a response: variables in a canonical JSON form (key order does not matter)."""
    canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    return (digest, operation_name, canonical, viewer)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One cacheable read: its key, the version read before anything else and when, whether
    the answer is public (an anonymous GET without a token), and the stored answer if any."""

    key: tuple[Any, ...]
    version: int
    read_at: float
    public: bool
    found: CachedResponse | None


class ResponseCache:
    """An LRU of response bodies bounded by bytes, for one endpoint of one process.
    `cacheable` names the root fields it may answer (see SHOP_CACHEABLE)."""

    def __init__(self, endpoint: str, max_bytes: int, cacheable: Mapping[str, bool]):
        self.endpoint = endpoint
        self.max_bytes = max_bytes
        self.cacheable = cacheable
        self._entries: OrderedDict[tuple[Any, ...], CachedResponse] = OrderedDict()
        self._bytes = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def policy(self, operation: OperationDefinitionNode) -> bool | None:
        return cache_policy(operation, self.cacheable)

    async def lookup(
        self,
        digest: str,
        operation_name: str | None,
        variables: Any,
        viewer: int | str,
        version: int,
        read_at: float,
        *,
        public: bool,
    ) -> Lookup:
        """`version` was read at `read_at`, before anything else: an answer computed after it is
        at least that new."""
        key = cache_key(digest, operation_name, variables, viewer)
        found = self.get(key, version, await get_setting(LAG_SETTING))
        return Lookup(key, version, read_at, public, found)

    def get(self, key: tuple[Any, ...], version: int, max_age: float) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.version != version or time.monotonic() - entry.stored_at >= max_age:
            self._drop(key)
            self._report()
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: tuple[Any, ...], version: int, stored_at: float, body: bytes) -> str:
        """Store a body read at `stored_at` (when its version was read); its ETag."""
        entry = CachedResponse(version, stored_at, body, etag_of(body))
        size = len(body) + ENTRY_OVERHEAD
        if size > self.max_bytes // 8:  # one page must not push out everything else
            return entry.etag
        if key in self._entries:
            self._drop(key)
        self._entries[key] = entry
        self._bytes += size
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        self._report()
        return entry.etag

    def _report(self) -> None:
        metrics.RESPONSE_CACHE_BYTES.labels(self.endpoint).set(self._bytes)

    def _drop(self, key: tuple[Any, ...]) -> None:
        entry = self._entries.pop(key)
        self._bytes -= len(entry.body) + ENTRY_OVERHEAD

    def __len__(self) -> int:
        return len(self._entries)
