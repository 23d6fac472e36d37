"""Reading and changing business settings: typed, validated as a whole, audited."""

from __future__ import annotations

import json
from typing import Any

from domain import clock
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


async def load_settings() -> Settings:
    stored = {row.key: json.loads(row.value) for row in await Setting.all()}
    values = {key: stored.get(key, d.default) for key, d in DEFINITIONS.items()}
    return Settings(values)


async def get_setting(key: str) -> Any:
    definition = DEFINITIONS[key]
    row = await Setting.get_or_none(key=key)
    return definition.default if row is None else json.loads(row.value)


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
    return await load_settings()
