"""Which paid orders a follow-up is credited with (SPEC 22), as SQL fragments for the reports.

An order is credited to a follow-up of its member when it was paid from the follow-up's
`created_at` until its `credit_until` (`guide.follow_up_credit_days` later, fixed when the
follow-up was recorded, so changing the setting never rewrites past figures) and no later
follow-up of the member came before the payment: each order is credited once, to the latest
follow-up before it (ties by id), and so to that follow-up's author.

Figures are per follow-up cohort: a period's follow-ups, with the orders credited to them,
paid in the period or up to `credit_until` after it (a follow-up of the period's last day still
converts in the week after). So a period's figures can grow for a week after it ends, never
afterwards.
"""

from __future__ import annotations

from distribution.reports.run import total

_CREDITED = (
    "o.member_id = f.member_id AND o.paid_at >= f.created_at AND o.paid_at < f.credit_until"
    " AND NOT EXISTS (SELECT 1 FROM follow_up later WHERE later.member_id = f.member_id"
    " AND later.created_at <= o.paid_at AND (later.created_at > f.created_at"
    " OR (later.created_at = f.created_at AND later.id > f.id)))"
)


def follow_up_figures(start: str, end: str) -> str:
    """A sub-select per author of the follow-ups recorded from `start` until `end`:
    `follow_ups`, `converted_follow_ups` (those credited with at least one order),
    `follow_up_orders` and `follow_up_sales_fen` (what the credited orders paid)."""
    return (
        "SELECT f.author_id, COUNT(*) AS follow_ups,"  # noqa: S608 (fixed text, named parameters)
        " COUNT(cr.follow_up_id) AS converted_follow_ups,"
        f" {total('cr.orders')} AS follow_up_orders, {total('cr.paid_fen')} AS follow_up_sales_fen"
        " FROM follow_up f LEFT JOIN (SELECT f.id AS follow_up_id, COUNT(*) AS orders,"
        f" {total('o.payable_fen')} AS paid_fen"
        f' FROM follow_up f JOIN "order" o ON {_CREDITED}'
        f" WHERE f.created_at >= {start} AND f.created_at < {end}"
        " GROUP BY f.id) cr ON cr.follow_up_id = f.id"
        f" WHERE f.created_at >= {start} AND f.created_at < {end}"
        " GROUP BY f.author_id"
    )
