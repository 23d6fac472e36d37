"""Reading members' audience data for staff views, many members per statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from loyalty.audience.models import Lifecycle, MemberAudience, MemberTag, Tag, ValueLevel


@dataclass(frozen=True)
class MemberAudienceView:
    """A member's system tags and stats as last refreshed (defaults without a row) and manual
    tags in the order they were added."""

    member_id: int
    lifecycle: Lifecycle = Lifecycle.NEW
    value: ValueLevel = ValueLevel.LOW
    koc_candidate: bool = False
    stats: MemberAudience | None = None
    tags: list[Tag] = field(default_factory=list)


async def audiences_of(member_ids: Sequence[int]) -> list[MemberAudienceView]:
    """One view per id, in order: two statements for any number of members."""
    ids = list(member_ids)
    rows = {row.member_id: row for row in await MemberAudience.filter(member_id__in=ids)}
    tags: dict[int, list[Tag]] = defaultdict(list)
    for member_tag in (
        await MemberTag.filter(member_id__in=ids).order_by("id").select_related("tag")
    ):
        tags[member_tag.member_id].append(member_tag.tag)
    views = []
    for member_id in ids:
        row = rows.get(member_id)
        if row is None:
            views.append(MemberAudienceView(member_id, tags=tags[member_id]))
            continue
        views.append(
            MemberAudienceView(
                member_id, row.lifecycle, row.value, row.koc_candidate, row, tags[member_id]
            )
        )
    return views
