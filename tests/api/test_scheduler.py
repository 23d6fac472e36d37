"""The scheduler inside `siyu serve` (SPEC 15), driven by the injectable clock: what one tick
runs, the lease between two schedulers, failures recorded and retried, `SCHEDULER=off`, and the
runs as HQ_ADMIN sees them."""

from datetime import timedelta

import pytest

from api.jobs import JOBS
from api.metrics import REGISTRY
from api.scheduler import RETRY_AFTER, Scheduler
from domain import clock
from domain.catalog.models import Sku
from domain.ops.models import JobRun, SchedulerLease
from domain.orders.models import Order
from domain.org.models import StaffRole
from domain.settings.service import update_settings
from tests.support.commission import sku
from tests.support.loyalty import (
    amount_off,
    claimed,
    coupon_state,
    give_points,
    points_history,
    template,
)
from tests.support.orders import delivery, order_pk, place_ok, unpaid_order

JOB_RUNS = """
query($job: String, $first: Int, $after: String) {
  jobRuns(job: $job, first: $first, after: $after) {
    totalCount
    edges { node { job trigger changed error startedAt finishedAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def frozen():
    """The business clock, frozen now; tests move it with clock.advance."""
    token = clock.freeze(clock.now())
    yield
    clock.unfreeze(token)


def ran(runs: list[JobRun]) -> dict[str, int | None]:
    return {run.job: run.changed for run in runs}


async def test_a_tick_35_minutes_after_an_unpaid_order_cancels_it_and_releases_everything(
    api, frozen
):
    placed_at = clock.now()
    operator = await api.staff(StaffRole.HQ_OPERATOR)
    member = await api.member()
    await give_points(operator, member, 1000)
    coupon = await claimed(member, await template(operator, amount_off(500, 0)))
    item = await sku(9900)
    order = await place_ok(member.client, delivery((item, 2), couponId=coupon, points=800))
    assert (await Sku.get(id=item.id)).stock == 98
    assert await coupon_state(coupon) == ("LOCKED", order_pk(order))

    clock.advance(timedelta(minutes=35))
    runs = await Scheduler().tick()

    # refresh-tags recomputes every member: the one here.
    assert ran(runs) == {name: 0 for name in JOBS} | {"cancel-unpaid": 1, "refresh-tags": 1}
    assert all(r.trigger == "SCHEDULER" and r.error is None for r in runs)
    assert all(r.started_at == r.finished_at == clock.now() for r in runs)
    assert (await Order.get(id=order_pk(order))).status == "CANCELLED"
    assert (await Sku.get(id=item.id)).stock == 100
    assert await coupon_state(coupon) == ("AVAILABLE", None)
    with clock.frozen_at(placed_at):  # the member's access token has expired since
        assert await points_history(member) == (
            1000,
            [("ADJUST", 1000), ("SPEND", -800), ("RETURN", 800)],
        )
    assert await JobRun.all().count() == len(JOBS)


async def test_each_job_runs_again_only_once_its_interval_has_passed(db, frozen):
    scheduler = Scheduler()
    assert len(await scheduler.tick()) == len(JOBS)

    clock.advance(timedelta(seconds=59))
    assert await scheduler.tick() == []
    clock.advance(timedelta(seconds=1))
    assert ran(await scheduler.tick()) == {"cancel-unpaid": 0, "drain-outbox": 0}
    clock.advance(timedelta(minutes=8))
    assert ran(await scheduler.tick()) == {"cancel-unpaid": 0, "drain-outbox": 0}
    clock.advance(timedelta(minutes=2))
    assert ran(await scheduler.tick()) == {
        "cancel-unpaid": 0,
        "drain-outbox": 0,
        "auto-complete": 0,
    }
    assert await JobRun.filter(job="cancel-unpaid").count() == 4
    assert await JobRun.filter(job="settle-commission").count() == 1


async def test_an_interval_is_a_business_setting_and_a_change_applies_at_once(db, frozen):
    scheduler = Scheduler()
    await scheduler.tick()
    await update_settings([("scheduler.settle_commission_every_seconds", "120")], "staff:1")

    clock.advance(timedelta(seconds=120))

    assert ran(await scheduler.tick()) == {
        "cancel-unpaid": 0,
        "drain-outbox": 0,
        "settle-commission": 0,
    }


async def test_one_leader_at_a_time_and_a_silent_leader_is_replaced_once_its_lease_expires(
    db, frozen
):
    first, second = Scheduler(lease_seconds=30), Scheduler(lease_seconds=30)
    unpaid = await unpaid_order(9900)

    assert len(await first.tick()) == len(JOBS)
    assert await second.tick() == []
    assert (first.leading, second.leading) == (True, False)

    # The first stops renewing (it died): its lease runs out 30 s after its last renewal.
    clock.advance(timedelta(seconds=29))
    assert await second.tick() == []
    assert second.leading is False
    clock.advance(timedelta(seconds=1))
    assert await second.tick() == []  # leads now, but nothing is due yet
    assert second.leading is True
    assert (await SchedulerLease.get(name="scheduler")).holder == second.holder

    assert await first.tick() == []
    assert first.leading is False
    clock.advance(timedelta(minutes=30))
    assert ran(await second.tick()) == {"cancel-unpaid": 1, "auto-complete": 0, "drain-outbox": 0}
    assert (await Order.get(id=unpaid.id)).status == "CANCELLED"
    assert await JobRun.filter(holder=first.holder).count() == len(JOBS)
    assert await JobRun.filter(holder=second.holder).count() == 3


async def test_a_leader_renewing_its_lease_keeps_it(db, frozen):
    first, second = Scheduler(lease_seconds=30), Scheduler(lease_seconds=30)
    await first.tick()
    for _ in range(4):
        clock.advance(timedelta(seconds=20))
        await first.tick()
        assert await second.tick() == []

    assert (first.leading, second.leading) == (True, False)


def failures(job: str) -> float:
    return REGISTRY.get_sample_value("siyu_job_failures_total", {"job": job}) or 0.0


async def test_a_failing_job_is_recorded_without_its_message_counted_and_retried_sooner(db, frozen):
    async def failing(now):
        raise RuntimeError("member 13800001111 could not be settled")

    scheduler = Scheduler({"settle-commission": failing})
    before = failures("settle-commission")

    (run,) = await scheduler.tick()

    assert run.changed is None
    assert run.error.startswith("RuntimeError at test_scheduler.py:")
    assert run.error.endswith(" in failing")
    assert "13800001111" not in run.error
    assert run.finished_at == clock.now()
    assert failures("settle-commission") == before + 1
    # Daily, but a failed run is tried again RETRY_AFTER later.
    clock.advance(RETRY_AFTER - timedelta(seconds=1))
    assert await scheduler.tick() == []
    clock.advance(timedelta(seconds=1))
    assert len(await scheduler.tick()) == 1
    assert failures("settle-commission") == before + 2


async def test_after_a_success_a_daily_job_waits_its_whole_interval(db, frozen):
    outcomes = iter([RuntimeError("down"), 3])

    async def flaky(now):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    scheduler = Scheduler({"settle-commission": flaky})
    await scheduler.tick()
    clock.advance(RETRY_AFTER)
    assert ran(await scheduler.tick()) == {"settle-commission": 3}

    clock.advance(RETRY_AFTER)

    assert await scheduler.tick() == []


def test_every_job_has_an_interval_setting():
    assert set(Scheduler().jobs) == set(JOBS)
    with pytest.raises(ValueError, match="no interval setting for job"):
        Scheduler({"tidy-up": JOBS["cancel-unpaid"][0]})


async def test_scheduler_off_runs_nothing_in_the_app_lifespan(api, frozen):
    from tests.support.api import ApiFactory

    unpaid = await unpaid_order(9900)
    clock.advance(timedelta(minutes=31))
    off = ApiFactory(scheduler="off", scheduler_lease_seconds=0.6).app

    async with off.router.lifespan_context(off):
        await _wait(lambda: JobRun.all().count(), lambda count: False, seconds=1.5)

    assert off.state.scheduler is None
    assert await JobRun.all().count() == 0
    assert (await Order.get(id=unpaid.id)).status == "PENDING_PAYMENT"


async def test_scheduler_on_runs_the_jobs_in_the_app_lifespan(api, frozen):
    from tests.support.api import ApiFactory

    unpaid = await unpaid_order(9900)
    clock.advance(timedelta(minutes=31))
    on = ApiFactory(scheduler_lease_seconds=0.6).app

    async with on.router.lifespan_context(on):
        await _wait(lambda: JobRun.all().count(), lambda count: count == len(JOBS), seconds=10)

    assert (await Order.get(id=unpaid.id)).status == "CANCELLED"
    assert await JobRun.filter(finished_at__isnull=True).count() == 0
    # Stopping released the lease: another process takes over at once.
    assert (await SchedulerLease.get(name="scheduler")).expires_at == clock.now()


async def _wait(read, done, seconds: float):
    import asyncio

    for _ in range(int(seconds / 0.1)):
        if done(await read()):
            return
        await asyncio.sleep(0.1)


async def test_hq_admin_reads_the_runs_newest_first_and_by_job(api, frozen):
    admin = await api.staff(StaffRole.HQ_ADMIN)
    scheduler = Scheduler()
    await scheduler.tick()
    clock.advance(timedelta(minutes=1))
    await scheduler.tick()

    page = (await admin.client.data(JOB_RUNS, {"first": 2}))["jobRuns"]
    only = (await admin.client.data(JOB_RUNS, {"job": "cancel-unpaid"}))["jobRuns"]
    rest = (
        await admin.client.data(JOB_RUNS, {"first": 100, "after": page["pageInfo"]["endCursor"]})
    )["jobRuns"]

    assert page["totalCount"] == len(JOBS) + 2  # the minutely jobs ran twice
    assert [e["node"]["job"] for e in page["edges"]] == ["drain-outbox", "cancel-unpaid"]
    assert page["edges"][0]["node"]["trigger"] == "SCHEDULER"
    assert page["edges"][0]["node"]["changed"] == 0
    assert page["edges"][0]["node"]["error"] is None
    assert page["pageInfo"]["hasNextPage"] is True
    assert only["totalCount"] == 2
    assert len(rest["edges"]) == len(JOBS)


async def test_an_unknown_job_filter_is_refused(api):
    admin = await api.staff(StaffRole.HQ_ADMIN)

    body = await admin.client.gql(JOB_RUNS, {"job": "make-coffee"})

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
