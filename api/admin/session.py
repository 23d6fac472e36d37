"""Staff sessions: login with throttling, refresh, logout, own password change, `viewer`."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from api.admin.nodes import StaffNode, staff_node
from api.auth import sessions
from api.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from api.auth.permissions import granted
from api.auth.tokens import ADMIN
from api.graphql.errors import UserError
from api.graphql.session import Tokens
from domain.access.service import revoke_all_refresh
from domain.errors import DomainError, ErrorCode
from domain.org.service import change_password_hash


@strawberry.type
class StaffLoginPayload:
    staff: StaffNode | None = None
    tokens: Tokens | None = None
    errors: list[UserError]


@strawberry.type
class StaffRefreshPayload:
    tokens: Tokens | None = None
    errors: list[UserError]


@strawberry.type
class StaffLogoutPayload:
    ok: bool = False
    errors: list[UserError]


@strawberry.type
class ChangePasswordPayload:
    ok: bool = False
    errors: list[UserError]


async def viewer(info: Info) -> StaffNode:
    return staff_node((await granted(info)).staff)


async def staff_login(
    info: Info,
    username: Annotated[
        str, strawberry.argument(description="The staff username (case-insensitive).")
    ],
    password: Annotated[str, strawberry.argument(description="The password.")],
) -> StaffLoginPayload:
    context = info.context
    staff, pair = await sessions.staff_login(
        context.services.tokens, username, password, context.client_ip
    )
    return StaffLoginPayload(staff=staff_node(staff), tokens=Tokens.of(pair), errors=[])


async def refresh_token(
    info: Info,
    refresh_token: Annotated[
        str,
        strawberry.argument(description="The refresh token from staffLogin or the last refresh."),
    ],
) -> StaffRefreshPayload:
    pair = await sessions.refresh(info.context.services.tokens, ADMIN, refresh_token)
    return StaffRefreshPayload(tokens=Tokens.of(pair), errors=[])


async def logout(
    info: Info,
    refresh_token: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "Also revoke this refresh token and its family; omit to revoke "
                "only the access token."
            )
        ),
    ] = None,
) -> StaffLogoutPayload:
    viewer_ = await info.context.viewer()
    await sessions.logout(viewer_.claims, refresh_token)
    return StaffLogoutPayload(ok=True, errors=[])


async def change_password(
    info: Info,
    old_password: Annotated[str, strawberry.argument(description="The current password.")],
    new_password: Annotated[str, strawberry.argument(description="10 to 256 characters.")],
) -> ChangePasswordPayload:
    """Kills every token of this staff member, this session's included: log in again."""
    staff = (await granted(info)).staff
    if not verify_password(staff.password_hash, old_password):
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "oldPassword")
    if len(new_password) < MIN_PASSWORD_LENGTH or len(new_password) > 256:
        raise DomainError(ErrorCode.WEAK_PASSWORD, "newPassword")
    await change_password_hash(staff.id, hash_password(new_password))
    await revoke_all_refresh(ADMIN, staff.id)
    return ChangePasswordPayload(ok=True, errors=[])
