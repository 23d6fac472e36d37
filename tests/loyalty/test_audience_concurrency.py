"""The refresh job run twice at once from two OS processes on PostgreSQL (SPEC 15): both finish,
and every member has exactly one stats row with the tags a single run gives."""

from collections import Counter

from loyalty.audience.models import Lifecycle, MemberAudience
from tests.support.audience import NOW, member_with_orders, new_member
from tests.support.racing import require_postgres, run_workers

SHAPES = (
    ((), Lifecycle.NEW),
    ((10,), Lifecycle.FIRST_PURCHASE),
    ((300, 20), Lifecycle.REPEAT),
    ((120,), Lifecycle.AT_RISK),
    ((400, 200), Lifecycle.CHURNED),
)


async def test_two_refresh_jobs_at_once_agree(api, backend, postgres_database_url):
    require_postgres(backend)
    expected = {}
    for n in range(60):
        days_ago, stage = SHAPES[n % len(SHAPES)]
        expected[await member_with_orders(*days_ago) if days_ago else await new_member()] = stage
    # Stale rows the jobs must correct: everyone marked CHURNED.
    await MemberAudience.all().update(lifecycle=Lifecycle.CHURNED)
    payload = {"database_url": postgres_database_url, "job": "refresh-tags", "now": NOW.isoformat()}

    results = await run_workers("tests.support.job_worker", [payload] * 2)

    rows = await MemberAudience.all().values_list("member_id", "lifecycle")
    assert results == [60, 60]
    assert dict(rows) == expected
    assert Counter(member for member, _ in rows) == Counter(expected.keys())
