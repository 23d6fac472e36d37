"""Quiet hours: no subscription message reaches a phone between `notify.quiet_from_hour` and
`notify.quiet_until_hour` Asia/Shanghai (22:00–08:00 by default); one due inside them waits
for their end."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from domain import clock


def quiet_until(moment: datetime, from_hour: int, until_hour: int) -> datetime | None:
    """When the quiet hours around `moment` end, or None when `moment` is outside them."""
    if from_hour == until_hour:
        return None
    local = clock.to_shanghai(moment)
    hour = local.hour
    inside = (
        from_hour <= hour < until_hour
        if from_hour < until_hour
        else hour >= from_hour or hour < until_hour
    )
    if not inside:
        return None
    end_day = local.date() if hour < until_hour else local.date() + timedelta(days=1)
    return datetime.combine(end_day, time(until_hour), tzinfo=clock.SHANGHAI)
