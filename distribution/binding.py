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
binding without its visit.

Speed (issue 13: a KOC's post sends a crowd at once, >= 300 visits/s): the path is a few
hand-written statements (`domain.sql`), a constant number whatever the member base or the length
of the upline chain. One locks the member and reads the link, its distributor and a guide's staff
row; a second, once the lock is held, reads what the rules ask of the member (their own
distributor, the binding in force and whether any binding is still open, their last stored visit
to the link, a paid order); then the writes: the visit, the binding (ending an open one first
only when there is one), the last share touch as one upsert, and the link's counters, last, as
the link's row is the hot one (every visitor of a popular link) and stays locked until commit.
A first visit that binds is 7 statements with the request's token check, a repeat 4
(tests/api/test_visit_statements.py).
The facts are read after the lock, never with it: on PostgreSQL a statement sees the database as
it was when it began, so facts read while waiting for the lock would miss the binding a
concurrent visit of the same member just committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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
from distribution.service_relationships import Touch, touch
from domain import clock, events, sql
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.members.models import Member, MemberStatus
from domain.org.models import StaffStatus
from domain.settings.service import Settings, load_settings
from domain.sql import Insert, Sql

NEW_MEMBER_HOURS = 24
REPEAT_WINDOW = timedelta(minutes=30)
BINDS = (BindingOutcome.BOUND, BindingOutcome.REBOUND)
NO_TOUCH = (BindingOutcome.SELF_REFERRAL, BindingOutcome.REFERRER_INACTIVE)

# The member, row-locked until the transaction ends (as `locked_member`; SQLite has one writer
# at a time anyway), with the link of the code, its distributor and, for a guide, the guide's
# staff status and store. No link: the link's columns are null. A poster's scene names a
# template: its id when it exists (distribution/posters/scenes.py), else null.
_LOCKED_READ = (
    "SELECT m.created_at AS member_created_at, {l}, {d},"
    " s.status AS guide_status, s.store_id AS guide_store_id,"
    " pt.id AS poster_template_id"
    " FROM member m"
    " LEFT JOIN share_link l ON l.code = :code"
    " LEFT JOIN distributor d ON d.id = l.distributor_id"
    " LEFT JOIN staff s ON s.id = d.staff_id"
    " LEFT JOIN poster_template pt ON pt.id = :template_id"
    " WHERE m.id = :member_id AND m.status = :active"
)
_LOCKED = Sql(
    "visit.locked",
    lambda postgres: _LOCKED_READ + (" FOR UPDATE OF m" if postgres else ""),
    constants={"active": MemberStatus.ACTIVE},
    l=ShareLink,
    d=Distributor,
)

# What the rules ask of the member, read once the member's lock is held.
_FACTS = Sql(
    "visit.facts",
    f"""SELECT
    (SELECT d.id FROM distributor d WHERE d.member_id = :member_id) AS own_distributor_id,
    (SELECT b.referrer_id FROM referral_binding b
      WHERE b.member_id = :member_id AND {referrals.in_force_sql("b")}
      LIMIT 1) AS bound_referrer_id,
    EXISTS (SELECT 1 FROM referral_binding o
      WHERE o.member_id = :member_id AND o.ended_at IS NULL) AS binding_open,
    (SELECT v.visited_at FROM share_visit v
      WHERE v.link_id = :link_id AND v.member_id = :member_id
      ORDER BY v.visited_at DESC LIMIT 1) AS last_visited_at,
    EXISTS (SELECT 1 FROM "order" p
      WHERE p.member_id = :member_id AND p.paid_at IS NOT NULL) AS has_paid_order""",  # noqa: S608 (a constant condition, no input)
)

# Ends the binding in force (REBOUND) or an expired one left open: one open row per member.
_END_OPEN_BINDING = Sql(
    "visit.end_open_binding",
    "UPDATE referral_binding SET ended_at = :moment, ended_by = :actor"
    " WHERE member_id = :member_id AND ended_at IS NULL",
)

# The member's last share touch (what LAST_SHARE attribution reads): one row per member, kept
# by an upsert; the member's lock orders concurrent touches.
_TOUCH = Insert(
    "visit.touch",
    ShareTouch,
    with_key=True,
    tail="ON CONFLICT (member_id) DO UPDATE SET link_id = excluded.link_id,"
    " distributor_id = excluded.distributor_id, touched_at = excluded.touched_at,"
    " poster_template_id = excluded.poster_template_id",
)

_COUNT = Sql(
    "visit.count",
    "UPDATE share_link SET visits = visits + 1, unique_visitors = unique_visitors + :first,"
    " bindings = bindings + :bound WHERE id = :link_id",
)


@dataclass(frozen=True)
class VisitResult:
    outcome: BindingOutcome
    link: ShareLink


@dataclass(frozen=True)
class _Landing:
    """The locked member's creation time, the link with its distributor, and the guide's staff
    row (status, store) when the distributor is a guide."""

    member_created_at: datetime
    link: ShareLink
    guide_status: str | None
    guide_store_id: int | None
    poster_template_id: int | None  # the poster scanned, when the code was a poster's scene

    @property
    def referrer(self) -> Distributor:
        return self.link.distributor


@dataclass(frozen=True)
class _Facts:
    own_distributor_id: int | None
    bound_referrer_id: int | None  # the binding in force
    binding_open: bool  # any binding not ended, in force or expired
    last_visited_at: datetime | None  # the member's last stored visit to the link
    has_paid_order: bool


async def record_share_visit(member_id: int, code: str) -> VisitResult:
    """One transaction of a constant number of statements, whatever the member base or the
    length of the upline chain (the cycle check reads the referrer's stored ancestry). `code`
    is a share code or a poster's scene (`<code>.<template id>`): the visit and the touch then
    carry the template, read with the link (no statement more)."""
    code, template_id = scenes.parse(code)
    known = links.well_formed(code)
    if known is None:
        raise DomainError(ErrorCode.INVALID_SHARE_CODE, "code")
    async with transaction():
        landing = await _landing(member_id, known, template_id)
        link, referrer = landing.link, landing.referrer
        settings = await load_settings()
        moment = clock.now()
        facts = await _facts(member_id, link.id, moment)
        outcome = _outcome(member_id, landing, facts, settings, moment)
        last_visit = facts.last_visited_at
        counted = last_visit is None or moment - last_visit >= REPEAT_WINDOW or outcome in BINDS
        if counted:
            await sql.insert(
                ShareVisit(
                    link_id=link.id,
                    member_id=member_id,
                    outcome=outcome,
                    visited_at=moment,
                    poster_template_id=landing.poster_template_id,
                )
            )
        if outcome in BINDS:
            await _bind(member_id, link, facts.binding_open, settings, moment)
        if outcome not in NO_TOUCH:
            touched = ShareTouch(
                member_id=member_id,
                link_id=link.id,
                distributor_id=referrer.id,
                touched_at=moment,
                poster_template_id=landing.poster_template_id,
            )
            await sql.execute(_TOUCH, **_TOUCH.params([touched]))
        if referrer.kind == DistributorKind.GUIDE and referrer.status == DistributorStatus.ACTIVE:
            await _guide_touch(member_id, landing, settings)
        # Last: the link's row is hot (every visitor of a popular link) and stays locked briefly.
        if counted:
            await sql.execute(
                _COUNT,
                link_id=link.id,
                first=int(last_visit is None),
                bound=int(outcome in BINDS),
            )
    return VisitResult(outcome, link)


async def _landing(member_id: int, code: str, template_id: int | None) -> _Landing:
    row = await sql.fetch_one(_LOCKED, member_id=member_id, code=code, template_id=template_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "member")
    if row["l.id"] is None:
        raise DomainError(ErrorCode.INVALID_SHARE_CODE, "code")
    link = sql.as_model(ShareLink, row, "l")
    link.distributor = sql.as_model(Distributor, row, "d")
    return _Landing(
        member_created_at=sql.python_value(Member, "created_at", row["member_created_at"]),
        link=link,
        guide_status=row["guide_status"],
        guide_store_id=row["guide_store_id"],
        poster_template_id=row["poster_template_id"],
    )


async def _facts(member_id: int, link_id: int, moment: datetime) -> _Facts:
    row: dict[str, Any] | None = await sql.fetch_one(
        _FACTS, member_id=member_id, link_id=link_id, now=moment
    )
    assert row is not None  # a SELECT without FROM has its one row
    last = row["last_visited_at"]
    return _Facts(
        own_distributor_id=row["own_distributor_id"],
        bound_referrer_id=row["bound_referrer_id"],
        binding_open=bool(row["binding_open"]),
        last_visited_at=sql.python_value(ShareVisit, "visited_at", last),
        has_paid_order=bool(row["has_paid_order"]),
    )


def _outcome(
    member_id: int, landing: _Landing, facts: _Facts, settings: Settings, moment: datetime
) -> BindingOutcome:
    referrer = landing.referrer
    if referrer.member_id == member_id:
        return BindingOutcome.SELF_REFERRAL
    if referrer.status != DistributorStatus.ACTIVE:
        return BindingOutcome.REFERRER_INACTIVE
    own = facts.own_distributor_id
    if own is not None and f"/{own}/" in referrer.ancestry:
        return BindingOutcome.CYCLE
    current = facts.bound_referrer_id
    if current is not None and (
        settings["referral.bind_mode"] == "FIRST_TOUCH" or current == referrer.id
    ):
        return BindingOutcome.ALREADY_BOUND
    if settings["referral.new_members_only"] and not _is_new(landing, facts, moment):
        return BindingOutcome.NOT_NEW_MEMBER
    return BindingOutcome.BOUND if current is None else BindingOutcome.REBOUND


def _is_new(landing: _Landing, facts: _Facts, moment: datetime) -> bool:
    if landing.member_created_at < moment - timedelta(hours=NEW_MEMBER_HOURS):
        return False
    return not facts.has_paid_order


async def _bind(
    member_id: int, link: ShareLink, binding_open: bool, settings: Settings, moment: datetime
) -> None:
    if binding_open:
        await sql.execute(
            _END_OPEN_BINDING, member_id=member_id, moment=moment, actor=f"member:{member_id}"
        )
    days = settings["referral.bind_days"]
    await sql.insert(
        ReferralBinding(
            member_id=member_id,
            referrer_id=link.distributor_id,
            link_id=link.id,
            reason="VISIT",
            actor=f"member:{member_id}",
            valid_from=moment,
            expires_at=moment + timedelta(days=days) if days else None,
        )
    )
    await events.publish(events.ReferralBound(member_id, link.distributor_id))


async def _guide_touch(member_id: int, landing: _Landing, settings: Settings) -> None:
    """A guide's link touches the service relationship: the guide and the guide's store now."""
    guide = landing.referrer
    if landing.guide_status != StaffStatus.ACTIVE or landing.guide_store_id is None:
        return
    assert guide.staff_id is not None  # a guide's staff row joined: it has one
    await touch(
        member_id,
        Touch(
            landing.guide_store_id, guide.staff_id, ServiceReason.GUIDE_SHARE, f"member:{member_id}"
        ),
        settings["service.protection_days"],
    )
