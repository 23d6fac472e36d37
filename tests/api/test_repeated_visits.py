"""Repeated share visits (issue 11, finding 8): one member opening one link again within 30
minutes of a counted visit is the same visit (not stored, not counted), while the binding rules
still run; KOC candidacy counts unique visitors, never the same visitor twice."""

from datetime import timedelta

from api.jobs import run_job
from distribution.models import (
    BindingOutcome,
    Distributor,
    DistributorKind,
    ShareTouch,
    ShareVisit,
)
from domain import clock
from loyalty.audience.models import MemberAudience
from loyalty.audience.rules import KOC_MIN_UNIQUE_VISITORS
from tests.api.test_binding_rules import (
    bindings_of,
    counters,
    home_link,
    make_distributor,
    outcome_of,
    settings,
    visit,
)
from tests.support.distribution import make_distributor as make_member_distributor
from tests.support.sql import count_statements


async def sharing_member(member_id: int) -> Distributor:
    """A MEMBER distributor (人人分销): the kind that can become a KOC candidate."""
    return await make_member_distributor(member_id, DistributorKind.MEMBER)


async def test_sixty_visits_within_half_an_hour_count_once(api):
    start = clock.now()
    with clock.frozen_at(start):
        koc = await make_distributor(api)
        link = await home_link(koc)
        outcomes = []
        for _ in range(60):
            member = await api.member("openid-reloader")  # a fresh token as time goes by
            outcomes.append(await outcome_of(member, link))
            clock.advance(timedelta(seconds=29))

    assert outcomes == ["BOUND"] + ["ALREADY_BOUND"] * 59
    assert await counters(link) == (1, 1, 1)
    rows = await ShareVisit.filter(link_id=link.id).values_list("member_id", "visited_at")
    assert rows == [(member.member_id, start)]
    assert [b.referrer_id for b in await bindings_of(member.member_id)] == [koc.id]
    # The last share touch still moves on every visit: attribution's window starts at the last.
    touch = await ShareTouch.get(member_id=member.member_id)
    assert touch.touched_at == start + timedelta(seconds=29 * 59)


async def test_a_visit_thirty_minutes_after_the_counted_one_counts_again(api):
    start = clock.now()
    with clock.frozen_at(start):
        link = await home_link(await make_distributor(api))
        member = await api.member("openid-returning")
        await outcome_of(member, link)
    for minutes in (29, 30, 59, 60):
        with clock.frozen_at(start + timedelta(minutes=minutes)):
            member = await api.member("openid-returning")
            await outcome_of(member, link)

    assert await counters(link) == (3, 1, 1)
    visited = (
        await ShareVisit.filter(link_id=link.id).order_by("id").values_list("visited_at", flat=True)
    )
    assert visited == [start, start + timedelta(minutes=30), start + timedelta(minutes=60)]


async def test_a_repeat_that_rebinds_under_last_touch_is_stored_and_counted(api):
    await settings(bind_mode="LAST_TOUCH")
    first, second = await make_distributor(api), await make_distributor(api)
    first_link, second_link = await home_link(first), await home_link(second)
    member = await api.member()

    outcomes = [
        await outcome_of(member, link)
        for link in (first_link, second_link, second_link, first_link, first_link)
    ]

    assert outcomes == ["BOUND", "REBOUND", "ALREADY_BOUND", "REBOUND", "ALREADY_BOUND"]
    assert [b.referrer_id for b in await bindings_of(member.member_id)] == [
        first.id,
        second.id,
        first.id,
    ]
    assert await counters(first_link) == (2, 1, 2)
    assert await counters(second_link) == (1, 1, 1)
    stored = await ShareVisit.filter(member_id=member.member_id).order_by("id")
    assert [(v.link_id, v.outcome) for v in stored] == [
        (first_link.id, BindingOutcome.BOUND),
        (second_link.id, BindingOutcome.REBOUND),
        (first_link.id, BindingOutcome.REBOUND),
    ]
    assert (await ShareTouch.get(member_id=member.member_id)).link_id == first_link.id


async def test_a_repeat_visit_costs_no_more_statements_than_a_counted_one(api):
    link = await home_link(await make_distributor(api))
    member = await api.member()

    counts = []
    for _ in range(2):
        with count_statements() as log:
            result = await visit(member, link)
        assert result["errors"] == []
        counts.append(log.count)

    # Token, the member locked with the link, settings, the rules' facts (own distributor,
    # binding in force, the member's last visit to the link), visit row, binding row, last
    # share touch (one upsert), link counters. A repeat runs the rules but stores no visit row
    # and moves no counter.
    assert counts == [8, 5]


async def test_one_member_visiting_fifty_five_times_makes_no_koc_candidate(api):
    start = clock.now()
    with clock.frozen_at(start):
        sharer = await api.member("openid-sharer")
        distributor = await sharing_member(sharer.member_id)
        link = await home_link(distributor)
    for hour in range(55):
        with clock.frozen_at(start + timedelta(hours=hour)):
            visitor = await api.member("openid-loyal-visitor")
            await outcome_of(visitor, link)

    await run_job("refresh-tags", start + timedelta(days=3))

    assert await counters(link) == (55, 1, 1)
    row = await MemberAudience.get_or_none(member_id=sharer.member_id)
    assert row is not None and row.koc_candidate is False


async def test_koc_candidacy_counts_unique_visitors_and_not_the_sharer(api):
    start = clock.now()
    with clock.frozen_at(start):
        sharer = await api.member("openid-koc-to-be")
        distributor = await sharing_member(sharer.member_id)
        link = await home_link(distributor)
        visitors = [await api.member() for _ in range(KOC_MIN_UNIQUE_VISITORS - 1)]
        for visitor in visitors:
            await outcome_of(visitor, link)
        await outcome_of(sharer, link)  # the sharer's own visit: a SELF_REFERRAL, not a visitor

    await run_job("refresh-tags", start + timedelta(days=1))
    short_by_one = (await MemberAudience.get(member_id=sharer.member_id)).koc_candidate
    with clock.frozen_at(start + timedelta(days=1)):
        await outcome_of(await api.member(), link)
    await run_job("refresh-tags", start + timedelta(days=2))
    reached = (await MemberAudience.get(member_id=sharer.member_id)).koc_candidate

    assert (short_by_one, reached) == (False, True)
    assert await counters(link) == (KOC_MIN_UNIQUE_VISITORS + 1, KOC_MIN_UNIQUE_VISITORS + 1, 50)
