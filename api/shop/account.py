"""The member's own account: login, tokens, phone binding (One-ID) and profile."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.auth import sessions
from api.auth.permissions import require_member
from api.auth.tokens import SHOP
from api.graphql.enums import AcquisitionChannelEnum, GenderEnum
from api.graphql.errors import UserError
from api.graphql.ids import optional_global_id, to_global_id
from api.graphql.session import Tokens
from api.shop.loyalty import LoyaltyStanding, standing
from domain.members.models import AcquisitionChannel, Member
from domain.members.service import (
    ProfileChange,
    active_member,
    bind_phone,
    claimed_first_touch,
)
from domain.members.service import update_profile as update_member_profile


@strawberry.type(name="Member")
class MeNode:
    id: strawberry.ID
    nickname: str
    avatar_url: str
    gender: GenderEnum
    birthday: date | None
    region: str
    phone: str | None = strawberry.field(description="The member's own phone, in E.164.")
    member_pk: strawberry.Private[int]

    @strawberry.field(description="Tier, growth and the next tier's threshold.")
    async def loyalty(self) -> LoyaltyStanding:
        return await standing(self.member_pk)


def me_node(member: Member) -> MeNode:
    return MeNode(
        id=strawberry.ID(to_global_id("Member", member.id)),
        nickname=member.nickname,
        avatar_url=member.avatar_url,
        gender=member.gender,
        birthday=member.birthday,
        region=member.region,
        phone=member.phone,
        member_pk=member.id,
    )


async def me(info: Info) -> MeNode:
    return me_node(await active_member(await require_member(info)))


@strawberry.input
class FirstTouchInput:
    """Where a first-time visitor came from: checked on every login, recorded only when the
    login creates the member. `storeId` comes with STORE_QR only, `campaign` with CAMPAIGN
    only; OFFLINE_SIGNUP is recorded by staff (signUpCustomer), never claimed."""

    channel: AcquisitionChannelEnum = strawberry.field(
        default=AcquisitionChannel.MINI_PROGRAM,
        description=(
            "MINI_PROGRAM by default; OFFLINE_SIGNUP answers CHANNEL_NOT_ALLOWED (staff record it)."
        ),
    )
    store_id: strawberry.ID | None = strawberry.field(
        default=None, description="A Store global ID, with STORE_QR only (required there)."
    )
    campaign: str | None = strawberry.field(
        default=None, description="The campaign's name, with CAMPAIGN only, at most 64 characters."
    )


@strawberry.type
class LoginPayload:
    member: MeNode | None = None
    tokens: Tokens | None = strawberry.field(default=None, description="The new session's tokens.")
    created: bool = strawberry.field(
        default=False, description="True when this login created the member (a first visit)."
    )
    errors: list[UserError]


@strawberry.type
class RefreshTokenPayload:
    tokens: Tokens | None = None
    errors: list[UserError]


@strawberry.type
class LogoutPayload:
    ok: bool = False
    errors: list[UserError]


@strawberry.type
class BindPhonePayload:
    member: MeNode | None = None
    merged: bool = strawberry.field(
        default=False,
        description="True when the phone belonged to another member: accounts merged.",
    )
    tokens: Tokens | None = strawberry.field(
        default=None, description="New tokens when the merge made another member the survivor."
    )
    errors: list[UserError]


@strawberry.type
class UpdateProfilePayload:
    member: MeNode | None = None
    errors: list[UserError]


@strawberry.input
class UpdateProfileInput:
    nickname: str | None = strawberry.field(
        default=None, description="At most 64 characters, not blank."
    )
    avatar_url: str | None = strawberry.field(
        default=None, description="An https:// URL, at most 512 characters; empty clears it."
    )
    gender: GenderEnum | None = strawberry.field(
        default=None, description="As the member gives it."
    )
    birthday: date | None = strawberry.field(
        default=None, description="Not in the future (Asia/Shanghai)."
    )
    region: str | None = strawberry.field(
        default=None, description="At most 64 characters; empty clears it."
    )


async def login(
    info: Info,
    code: Annotated[
        str,
        strawberry.argument(
            description=(
                "The code from wx.login (WECHAT provider), or dev:<openid>[:<unionid>] "
                "with the DEV provider (refused in production)."
            )
        ),
    ],
    first_touch: Annotated[
        FirstTouchInput | None,
        strawberry.argument(
            description=(
                "Where a first-time visitor came from (from the scene the mini-program was opened "
                "with); recorded only when this login creates the member, checked on every login."
            )
        ),
    ] = None,
) -> LoginPayload:
    services = info.context.services
    touch = None
    if first_touch is not None:
        touch = await claimed_first_touch(
            AcquisitionChannel(first_touch.channel),
            optional_global_id(first_touch.store_id, "Store", "firstTouch.storeId"),
            first_touch.campaign,
        )
    result, pair = await sessions.member_login(
        services.tokens, services.login_provider, code, touch
    )
    return LoginPayload(
        member=me_node(result.member), tokens=Tokens.of(pair), created=result.created, errors=[]
    )


async def refresh_token(
    info: Info,
    refresh_token: Annotated[
        str, strawberry.argument(description="The refresh token from login or the last refresh.")
    ],
) -> RefreshTokenPayload:
    pair = await sessions.refresh(info.context.services.tokens, SHOP, refresh_token)
    return RefreshTokenPayload(tokens=Tokens.of(pair), errors=[])


async def logout(
    info: Info,
    refresh_token: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "Also revoke this refresh token and its family; omit to revoke only the "
                "access token."
            )
        ),
    ] = None,
) -> LogoutPayload:
    await require_member(info)
    viewer = await info.context.viewer()
    await sessions.logout(viewer.claims, refresh_token)
    return LogoutPayload(ok=True, errors=[])


async def bind_phone_mutation(
    info: Info,
    code: Annotated[
        str,
        strawberry.argument(
            description=(
                "The code from the getPhoneNumber button (WECHAT provider), or "
                "dev-phone:+86... with the DEV provider."
            )
        ),
    ],
) -> BindPhonePayload:
    member_id = await require_member(info)
    services = info.context.services
    phone = await services.login_provider.phone_for(code)
    binding = await bind_phone(member_id, phone, actor=f"member:{member_id}")
    survivor = binding.member
    tokens = None
    if survivor.id != member_id:
        pair = await sessions.issue_pair(services.tokens, SHOP, survivor.id, survivor.token_version)
        tokens = Tokens.of(pair)
    return BindPhonePayload(
        member=me_node(survivor), merged=binding.merged, tokens=tokens, errors=[]
    )


async def update_profile(
    info: Info,
    input: Annotated[
        UpdateProfileInput,
        strawberry.argument(description="The fields to change; null fields are kept."),
    ],
) -> UpdateProfilePayload:
    member_id = await require_member(info)
    member = await update_member_profile(
        member_id,
        ProfileChange(
            nickname=input.nickname,
            avatar_url=input.avatar_url,
            gender=input.gender,
            birthday=input.birthday,
            region=input.region,
        ),
    )
    return UpdateProfilePayload(member=me_node(member), errors=[])
