"""A member landing with a share code (SPEC 5.2, 7): the visit, the funnel counters, the last
share touch, the referral binding rules and, for a guide's link, the service relationship.

The outcome of the binding rules, checked in this order:
SELF_REFERRAL (the member is the link's distributor), REFERRER_INACTIVE (the distributor is
frozen or disabled), CYCLE (the member is a distributor in the referrer's upline path: binding
would close a loop), ALREADY_BOUND (FIRST_TOUCH with a valid binding in force, or LAST_TOUCH
to the same referrer), NOT_NEW_MEMBER (`referral.new_members_only` and the member has a paid
order or is older than 24 hours), else BOUND (nothing valid in force; an expired binding does not
count) or REBOUND (LAST_TOUCH replacing the binding in force).

SELF_REFERRAL and REFERRER_INACTIVE visits are stored and counted but do not become the last
share touch: attribution must never credit them. Binding rows keep full history: a new binding
ends the open one (`ended_at`), and the new row says why (`VISIT`), who (`member:<id>`) and
through which link.

Repeated visits (a reload, a chat message opened twice): a visit of the same member to the same
link less than REPEAT_WINDOW after that pair's last stored visit is the same visit. It is not
stored and moves no funnel counter, so the rows and the counters (and the reports and KOC
candidacy built on them) count people arriving, not page loads. The rules still run on it (the
binding, the last share touch, a guide's service touch): under LAST_TOUCH a member who went A,
B, then A again belongs to A, and attribution's window starts at the latest touch. A repeat
that binds or rebinds is the exception: it is stored and counted, so the funnel never shows a
binding without its visit. Finding the last stored visit replaces the "first visit?" lookup: a
visit costs the same statements as before, a repeat two fewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from tortoise.expressions import F

from distribution import links, referrals
from distribution.models import (
    BindingOutcome,
    Distributor,
    DistributorKind,
    DistributorStatus,
    ReferralBinding,
    ServiceReason,
    ShareLink,
    ShareTouch,
    ShareVisit,
)
from distribution.posters import scenes
from distribution.posters.models import PosterTemplate
from distribution.service_relationships import Touch, locked_member, touch
from domain import clock, events
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member
from domain.orders.models import Order
from domain.org.models import Staff, StaffStatus
from domain.settings.service import Settings, load_settings

NEW_MEMBER_HOURS = 24
REPEAT_WINDOW = timedelta(minutes=30)
BINDS = (BindingOutcome.BOUND, BindingOutcome.REBOUND)
NO_TOUCH = (BindingOutcome.SELF_REFERRAL, BindingOutcome.REFERRER_INACTIVE)


@dataclass(frozen=True)
class VisitResult:
    outcome: BindingOutcome
    link: ShareLink


async def record_share_visit(member_id: int, code: str) -> VisitResult:
    """One transaction; a constant number of statements whatever the member base or the length
    of the upline chain (the cycle check reads the referrer's stored ancestry). `code` is a
    share code or a poster's scene (`<code>.<template id>`, distribution/posters/scenes.py):
    the visit and the touch then carry the template (one statement more, poster visits only)."""
    code, template_id = scenes.parse(code)
    link = await links.by_code(code)
    if link is None:
        raise DomainError(ErrorCode.INVALID_SHARE_CODE, "code")
    if template_id is not None and not await PosterTemplate.exists(id=template_id):
        template_id = None  # a scene naming no template still counts for its link
    referrer = link.distributor
    async with transaction():
        member = await locked_member(member_id)
        settings = await load_settings()
        moment = clock.now()
        outcome = await _outcome(member, referrer, settings, moment)
        last_visit = await _last_visit(link.id, member.id)
        counted = last_visit is None or moment - last_visit >= REPEAT_WINDOW or outcome in BINDS
        if counted:
            await ShareVisit.create(
                link=link,
                member_id=member.id,
                outcome=outcome,
                visited_at=moment,
                poster_template_id=template_id,
            )
        if outcome in BINDS:
            await _bind(member.id, link, settings, moment)
        if outcome not in NO_TOUCH:
            await _touch_share(member.id, link, template_id, moment)
        if referrer.kind == DistributorKind.GUIDE and referrer.status == DistributorStatus.ACTIVE:
            await _guide_touch(member.id, referrer, settings)
        # Last: the link's row is hot (every visitor of a popular link) and stays locked briefly.
        if counted:
            await ShareLink.filter(id=link.id).update(
                visits=F("visits") + 1,
                unique_visitors=F("unique_visitors") + int(last_visit is None),
                bindings=F("bindings") + int(outcome in BINDS),
            )
    return VisitResult(outcome, link)


async def _last_visit(link_id: int, member_id: int) -> datetime | None:
    """When the member's last stored visit to the link was (None: never), over the index
    `share_visit_link_member` (link, member, visited_at)."""
    visited_at = (
        await ShareVisit.filter(link_id=link_id, member_id=member_id)
        .order_by("-visited_at")
        .first()
        .values_list("visited_at", flat=True)
    )
    return cast(datetime | None, visited_at)


async def _outcome(
    member: Member, referrer: Distributor, settings: Settings, moment: datetime
) -> BindingOutcome:
    if referrer.member_id == member.id:
        return BindingOutcome.SELF_REFERRAL
    if referrer.status != DistributorStatus.ACTIVE:
        return BindingOutcome.REFERRER_INACTIVE
    own = await Distributor.filter(member_id=member.id).first().values_list("id", flat=True)
    if own is not None and f"/{own}/" in referrer.ancestry:
        return BindingOutcome.CYCLE
    current = await referrals.in_force(member.id, moment)
    if current is not None and (
        settings["referral.bind_mode"] == "FIRST_TOUCH" or current.referrer_id == referrer.id
    ):
        return BindingOutcome.ALREADY_BOUND
    if settings["referral.new_members_only"] and not await _is_new(member, moment):
        return BindingOutcome.NOT_NEW_MEMBER
    return BindingOutcome.BOUND if current is None else BindingOutcome.REBOUND


async def _is_new(member: Member, moment: datetime) -> bool:
    if member.created_at < moment - timedelta(hours=NEW_MEMBER_HOURS):
        return False
    return not await Order.exists(member_id=member.id, paid_at__isnull=False)


async def _bind(member_id: int, link: ShareLink, settings: Settings, moment: datetime) -> None:
    # Ends the binding in force (REBOUND) or an expired one left open: one open row per member.
    await ReferralBinding.filter(member_id=member_id, ended_at__isnull=True).update(ended_at=moment)
    days = settings["referral.bind_days"]
    await ReferralBinding.create(
        member_id=member_id,
        referrer_id=link.distributor_id,
        link_id=link.id,
        reason="VISIT",
        actor=f"member:{member_id}",
        valid_from=moment,
        expires_at=moment + timedelta(days=days) if days else None,
    )
    await events.publish(events.ReferralBound(member_id, link.distributor_id))


async def _touch_share(
    member_id: int, link: ShareLink, template_id: int | None, moment: datetime
) -> None:
    """The member's last share touch (what LAST_SHARE attribution reads, the poster template
    included); the member's lock makes update-or-insert safe."""
    values = {
        "link_id": link.id,
        "distributor_id": link.distributor_id,
        "touched_at": moment,
        "poster_template_id": template_id,
    }
    updated = await ShareTouch.filter(member_id=member_id).update(**values)
    if not updated:
        await ShareTouch.create(member_id=member_id, **values)


async def _guide_touch(member_id: int, guide: Distributor, settings: Settings) -> None:
    """A guide's link touches the service relationship: the guide and the guide's store now."""
    staff = await Staff.get_or_none(id=guide.staff_id)
    if staff is None or staff.status != StaffStatus.ACTIVE or staff.store_id is None:
        return
    await touch(
        member_id,
        Touch(staff.store_id, staff.id, ServiceReason.GUIDE_SHARE, f"member:{member_id}"),
        settings["service.protection_days"],
    )
