"""Reading and changing business settings: typed, validated as a whole, audited.

Every checkout and payment reads settings, and they change a few times a year, so each process
keeps the snapshot it read for `CACHE_SECONDS`. A change is seen at once by the process that made
it and within `CACHE_SECONDS` by every other worker; HQ's settings screen always reads fresh.
"""

from __future__ import annotations

import json
import time
from typing import Any

from domain import clock
from domain.catalog.version import bump_catalog_version
from domain.db import transaction
from domain.errors import DomainError, ErrorCode
from domain.settings.definitions import DEFINITIONS
from domain.settings.models import Setting, SettingChange


class Settings:
    """A snapshot of every setting: stored value or SPEC default."""

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def items(self) -> list[tuple[str, Any]]:
        return sorted(self._values.items())


CACHE_SECONDS = 5.0

_cached: tuple[float, Settings] | None = None


async def load_settings(fresh: bool = False) -> Settings:
    """The current settings, from this process's cache unless it is older than CACHE_SECONDS."""
    global _cached
    if not fresh and _cached is not None and time.monotonic() - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    stored = {row.key: json.loads(row.value) for row in await Setting.all()}
    settings = Settings({key: stored.get(key, d.default) for key, d in DEFINITIONS.items()})
    _cached = (time.monotonic(), settings)
    return settings


def forget_cached_settings() -> None:
    """Drop this process's snapshot (after a change, or when it starts on another database)."""
    global _cached
    _cached = None


async def get_setting(key: str) -> Any:
    return (await load_settings())[key]


def parse_changes(changes: list[tuple[str, str]]) -> dict[str, Any]:
    """Validate every change before any is applied: one bad value refuses the whole update."""
    parsed: dict[str, Any] = {}
    for index, (key, raw) in enumerate(changes):
        definition = DEFINITIONS.get(key)
        if definition is None:
            raise DomainError(ErrorCode.UNKNOWN_SETTING, f"changes.{index}.key")
        try:
            parsed[key] = definition.parse(raw)
        except ValueError as exc:
            raise DomainError(
                ErrorCode.INVALID_SETTING, f"changes.{index}.value", str(exc)
            ) from None
    return parsed


async def update_settings(changes: list[tuple[str, str]], actor: str) -> Settings:
    parsed = parse_changes(changes)
    moment = clock.now()
    async with transaction():
        # Any setting may change what a cached storefront page shows: rare enough to bump always.
        await bump_catalog_version()
        stored = {row.key: row for row in await Setting.filter(key__in=list(parsed))}
        for key, value in parsed.items():
            row = stored.get(key)
            old = DEFINITIONS[key].default if row is None else json.loads(row.value)
            if old == value:
                continue
            await Setting.update_or_create(
                key=key,
                defaults={"value": json.dumps(value), "updated_at": moment, "updated_by": actor},
            )
            await SettingChange.create(
                key=key,
                old_value=json.dumps(old),
                new_value=json.dumps(value),
                actor=actor,
                changed_at=moment,
            )
    forget_cached_settings()
    return await load_settings(fresh=True)
