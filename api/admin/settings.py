"""Business settings for HQ_OPERATOR and HQ_ADMIN: read all, change several atomically."""

from __future__ import annotations

import json
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth.permissions import granted
from api.graphql.errors import UserError
from domain.errors import DomainError, ErrorCode
from domain.settings.definitions import DEFINITIONS
from domain.settings.service import Settings, load_settings, update_settings

MAX_CHANGES = 100


@strawberry.type
class SettingNode:
    key: str
    value: str = strawberry.field(description='JSON text of the value, e.g. 90, true, "APPLY".')
    kind: str
    default: str
    description: str
    choices: list[str] | None


@strawberry.input
class SettingChangeInput:
    key: str = strawberry.field(
        description=("A setting key from `settings`, e.g. order.payment_timeout_minutes.")
    )
    value: str = strawberry.field(description="The new value as text: 90, true, LAST_TOUCH.")


@strawberry.type
class UpdateSettingsPayload:
    settings: list[SettingNode] | None = None
    errors: list[UserError]


def _nodes(settings: Settings) -> list[SettingNode]:
    nodes = []
    for key, value in settings.items():
        definition = DEFINITIONS[key]
        nodes.append(
            SettingNode(
                key=key,
                value=json.dumps(value, ensure_ascii=False),
                kind=definition.kind,
                default=json.dumps(definition.default, ensure_ascii=False),
                description=definition.description,
                choices=list(getattr(definition, "choices", ())) or None,
            )
        )
    return nodes


async def settings(info: Info) -> list[SettingNode]:
    return _nodes(await load_settings(fresh=True))


async def update_settings_mutation(
    info: Info,
    changes: Annotated[
        list[SettingChangeInput],
        strawberry.argument(description="1 to 100 changes, applied together or not at all."),
    ],
) -> UpdateSettingsPayload:
    staff = (await granted(info)).staff
    if not changes or len(changes) > MAX_CHANGES:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "changes", f"1..{MAX_CHANGES}")
    updated = await update_settings([(c.key, c.value) for c in changes], actor=f"staff:{staff.id}")
    return UpdateSettingsPayload(settings=_nodes(updated), errors=[])
