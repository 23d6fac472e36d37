"""The statements of `recordShareVisit`, pinned (issue 13: a KOC's crowd through one link,
>= 300 visits/s on PostgreSQL, bench/visits.py): counted as a busy server runs them, settings
read a moment before. A first visit that binds: the token, the member locked with the link, its
distributor and a guide's staff row, what the rules ask of the member, the visit, the binding,
the last share touch (one upsert) and the link's counters. A change that adds a statement to
the path every visitor of a popular link takes fails here first; the statements are listed in
the failure."""

from distribution.models import ReferralBinding, ShareLink
from tests.api.test_binding_rules import home_link, make_distributor, settings, visit
from tests.support.sql import count_statements


async def _visit_statements(member, link: ShareLink) -> tuple[str, list[str]]:
    with count_statements(cold_settings=False) as log:
        result = await visit(member, link)
    assert result["errors"] == []
    return result["outcome"], log.statements


async def _warm(api, link: ShareLink) -> None:
    """Another member's visit first: settings are read, as on a running server."""
    await visit(await api.member(), link)


async def test_a_first_visit_that_binds_runs_7_statements_and_a_repeat_4(api):
    link = await home_link(await make_distributor(api))
    await _warm(api, link)
    member = await api.member()

    first, first_statements = await _visit_statements(member, link)
    repeat, repeat_statements = await _visit_statements(member, link)

    assert (first, len(first_statements)) == ("BOUND", 7), first_statements
    assert (repeat, len(repeat_statements)) == ("ALREADY_BOUND", 4), repeat_statements
    assert await ReferralBinding.filter(member_id=member.member_id).count() == 1


async def test_a_visit_that_rebinds_ends_the_binding_in_force_in_one_more(api):
    await settings(bind_mode="LAST_TOUCH")
    first_link = await home_link(await make_distributor(api))
    second_link = await home_link(await make_distributor(api))
    await _warm(api, second_link)
    member = await api.member()
    await visit(member, first_link)

    outcome, statements = await _visit_statements(member, second_link)

    assert (outcome, len(statements)) == ("REBOUND", 8), statements
    rows = await ReferralBinding.filter(member_id=member.member_id).order_by("id")
    assert [row.ended_at is None for row in rows] == [False, True]


async def test_a_visit_that_binds_nobody_runs_the_same_reads_and_no_binding(api):
    member = await api.member()
    link = await home_link(await make_distributor(api, member_id=member.member_id))
    await _warm(api, link)

    outcome, statements = await _visit_statements(member, link)

    # token, member and link, the rules' facts, the visit, the counters: no touch, no binding.
    assert (outcome, len(statements)) == ("SELF_REFERRAL", 5), statements
    assert await ReferralBinding.filter(member_id=member.member_id).count() == 0
