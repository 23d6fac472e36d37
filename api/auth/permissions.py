"""Who may call a root field. Member fields ask for the member (`require_member`); every admin
root field declares its capability once, where the schema declares the field (`staff_field`,
`staff_mutation`, `public_mutation`), against the table in `domain.access.capabilities`.
Resolvers get the authorised staff and scope with `granted(info)`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from api.graphql.errors import ErrorsAsData, Forbidden, Unauthenticated
from domain.access.capabilities import Capability, Grant, grant_for


async def require_member(info: Info) -> int:
    viewer = await info.context.viewer()
    if viewer.member_id is None:
        raise Unauthenticated()
    return viewer.member_id


async def optional_member(info: Info) -> int | None:
    return (await info.context.viewer()).member_id


class Requires(FieldExtension):
    """The capability a root field declares: UNAUTHENTICATED without a staff token, FORBIDDEN
    for a role the table does not give it; the resolver runs only when both pass."""

    def __init__(self, capability: Capability):
        self.capability = capability

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        await _authorise(info, self.capability)
        return await next_(source, info, **kwargs)


class Public(FieldExtension):
    """Declares a root field open to anonymous callers (staff login, token refresh)."""

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return await next_(source, info, **kwargs)


async def _authorise(info: Info, capability: Capability) -> Grant:
    staff = (await info.context.viewer()).staff
    if staff is None:
        raise Unauthenticated()
    grant = grant_for(staff, capability)
    if grant is None:
        raise Forbidden()
    return grant


def declared_capability(field: Any) -> Capability | None:
    for extension in field.extensions:
        if isinstance(extension, Requires):
            return extension.capability
    return None


async def granted(info: Info) -> Grant:
    """The caller's grant for the capability the current root field declares. A field without
    a declaration is refused (fail closed)."""
    capability = declared_capability(info._field)
    if capability is None:
        raise Forbidden()
    return await _authorise(info, capability)


def staff_field(capability: Capability, resolver: Callable[..., Any]) -> Any:
    """An admin query field; DomainErrors answer as `ErrorsAsData` says."""
    return strawberry.field(resolver=resolver, extensions=[Requires(capability), ErrorsAsData()])


def staff_mutation(capability: Capability, resolver: Callable[..., Any]) -> Any:
    return strawberry.mutation(resolver=resolver, extensions=[Requires(capability), ErrorsAsData()])


def public_mutation(resolver: Callable[..., Any]) -> Any:
    return strawberry.mutation(resolver=resolver, extensions=[Public(), ErrorsAsData()])


def shop_field(resolver: Callable[..., Any], description: str | None = None) -> Any:
    """A shop query field: members and visitors, each resolver asks for what it needs."""
    return strawberry.field(resolver=resolver, extensions=[ErrorsAsData()], description=description)


def shop_mutation(resolver: Callable[..., Any], description: str | None = None) -> Any:
    return strawberry.mutation(
        resolver=resolver, extensions=[ErrorsAsData()], description=description
    )
