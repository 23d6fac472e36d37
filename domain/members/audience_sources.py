"""What the audience (tags and segments, in `loyalty`) needs from `distribution`, declared in
the core so neither layer imports the other.

`distribution` owns the service relationship (SPEC 5.1) and share activity (SPEC 7); `loyalty`
needs the first to scope manual tags, filter segments by service store and give guides their
customers' tasks, the second to mark KOC candidates. `distribution` installs its answers at
start-up (`api/plugins.py`), the way the attributor is plugged in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tortoise.expressions import Subquery


@dataclass(frozen=True)
class SharingActivity:
    """What a member did as a distributor since a moment: how many other members visited their
    share links (each counted once, the distributor's own visits not at all) and paid orders
    credited to them at level 1."""

    unique_visitors: int = 0
    referred_orders: int = 0


@dataclass(frozen=True)
class Serving:
    """Who serves a member now: a store, and the guide when there is one."""

    store_id: int
    guide_id: int | None


class AudienceSources(Protocol):
    def members_served(self, store_id: int | None, guide_id: int | None) -> Subquery:
        """Ids of members whose relationship in force is to this store and/or guide."""
        ...

    async def sharing_activity(
        self, member_ids: Sequence[int], since: datetime
    ) -> dict[int, SharingActivity]:
        """Activity of those members who could still become KOCs (absent: none)."""
        ...

    async def serving(self, member_ids: Sequence[int]) -> dict[int, Serving]:
        """The relationship in force of each given member who has one (one statement)."""
        ...


_sources: AudienceSources | None = None


def use_audience_sources(sources: AudienceSources) -> None:
    global _sources
    _sources = sources


def audience_sources() -> AudienceSources:
    if _sources is None:
        raise RuntimeError("no audience sources installed (api.plugins.install_plugins)")
    return _sources
