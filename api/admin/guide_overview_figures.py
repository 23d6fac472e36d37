"""The columns the store manager's view (SPEC 22, issue 17 item 6) takes from the workbench
areas: per guide, the tasks falling due in the period (due / done / overdue), the content
items shared and the guide coupons issued / used. Registered once at start-up
(`api.plugins.install_plugins`) through `guide_overview.register_guide_figures`.

Why `more` (named figures) rather than typed fields of `GuideOverviewFigures`: the view and
its CSV export take their extra columns from one list, so a column is added in one place and
the overview itself stays free of the areas it reports on; the names below are the contract
(each is a CSV header too). Each provider is one call per request (tasks: two grouped
statements, shares: one, coupons: two), whatever the number of guides.

Periods are whole Asia/Shanghai days: tasks are counted by their due day (a Shanghai date),
shares and coupons by the instant, within the period's UTC bounds.
"""

from __future__ import annotations

from api.admin.guide_overview import GuideFigureProvider, GuideFigures, register_guide_figures
from distribution.content.sharing import content_share_figures_by_guide
from distribution.reports.periods import Period
from loyalty.workbench.guide_coupons import guide_coupon_figures
from loyalty.workbench.tasks import TaskScope, task_figures_by_guide

TASK_COLUMNS = ("tasks_due", "tasks_done", "tasks_overdue")
SHARE_COLUMNS = ("content_shares",)
COUPON_COLUMNS = ("guide_coupons_issued", "guide_coupons_used")


async def task_columns(store_id: int | None, period: Period) -> GuideFigures:
    """Tasks due in the period per guide: how many, done, and still open past their day."""
    figures = await task_figures_by_guide(
        TaskScope(store_id=store_id), period.first_day, period.last_day
    )
    return {
        guide: {"tasks_due": row.due, "tasks_done": row.done, "tasks_overdue": row.overdue}
        for guide, row in figures.items()
    }


async def share_columns(store_id: int | None, period: Period) -> GuideFigures:
    """Content items the guide shared in the period."""
    shares = await content_share_figures_by_guide(period.start, period.end, store_id=store_id)
    return {guide: {"content_shares": count} for guide, count in shares.items()}


async def coupon_columns(store_id: int | None, period: Period) -> GuideFigures:
    """Guide coupons issued in the period, and how many of those were used."""
    figures = await guide_coupon_figures(period.start, period.end, store_id=store_id)
    return {
        guide: {"guide_coupons_issued": row.issued, "guide_coupons_used": row.used}
        for guide, row in figures.items()
    }


PROVIDERS = (
    GuideFigureProvider(TASK_COLUMNS, task_columns),
    GuideFigureProvider(SHARE_COLUMNS, share_columns),
    GuideFigureProvider(COUPON_COLUMNS, coupon_columns),
)


def install() -> None:
    """Add the workbench columns to the view (idempotent: the overview skips a provider it
    already has)."""
    for provider in PROVIDERS:
        register_guide_figures(provider)
