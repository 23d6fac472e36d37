"""Errors as data: UserError in mutation payloads, the one wrapper that turns a DomainError into
them (`ErrorsAsData`), and the top-level client errors (UNAUTHENTICATED, FORBIDDEN,
BAD_USER_INPUT)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLNonNull,
    GraphQLScalarType,
)
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryOptional, has_object_definition
from strawberry.types.field import StrawberryField

from api.graphql.enums import expose_enum
from domain.errors import WHEN, DomainError
from domain.errors import ErrorCode as DomainErrorCode

expose_enum(
    DomainErrorCode,
    "ErrorCode",
    "Why an input or business rule was refused (UserError.code in a mutation payload, or"
    " extensions.userError.code of a query's BAD_USER_INPUT error); nothing was changed. Each"
    " value says when it is answered; UserError.message carries the Chinese and English text.",
    WHEN,
)
ErrorCode: TypeAlias = DomainErrorCode

ABSENT = (DomainErrorCode.NOT_FOUND, DomainErrorCode.INVALID_ID)
"""Codes a nullable lookup (`order(id:)`, `member(id:)`) answers with null: out of scope, unknown
and malformed ids look alike."""


@strawberry.type(description="A refused input or business rule; nothing was changed.")
class UserError:
    code: ErrorCode = strawberry.field(
        description=("What was refused; the ErrorCode's description says when it happens.")
    )
    field: str | None = strawberry.field(
        description=(
            "The input path as the client wrote it (e.g. "
            "input.lines.0.skuId); null when no single input is at fault."
        )
    )
    message: str = strawberry.field(
        description=("Chinese and English text for people (中文 / English); do not parse it.")
    )


def user_errors(error: DomainError, field: str | None = None) -> list[UserError]:
    return [UserError(code=error.code, field=field or error.field, message=error.message)]


class ClientError(GraphQLError):
    """An error meant for the client, passed through unmasked with its `extensions.code`."""

    code = "BAD_REQUEST"

    def __init__(self, message: str):
        super().__init__(message, extensions={"code": self.code})


class Unauthenticated(ClientError):
    code = "UNAUTHENTICATED"

    def __init__(self, message: str = "Authentication required. / 请先登录"):
        super().__init__(message)


class Forbidden(ClientError):
    code = "FORBIDDEN"

    def __init__(self, message: str = "Not allowed for this role. / 无权限"):
        super().__init__(message)


class InvalidArgument(ClientError):
    """Input that the schema accepted but the API limits refuse (e.g. `first` over 100)."""

    code = "BAD_USER_INPUT"


class InvalidFilter(InvalidArgument):
    """A query's filter refused by a business rule: the UserError (code, field, message) rides
    in `extensions.userError`, since a query has no payload to carry it."""

    def __init__(self, error: DomainError, field: str | None = None):
        GraphQLError.__init__(
            self,
            error.message,
            extensions={
                "code": self.code,
                "userError": {"code": error.code.value, "field": field or error.field},
            },
        )


def _unwrapped(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def client_field(path: str | None, arguments: Mapping[str, GraphQLArgument]) -> str | None:
    """The error's input path as the client wrote it. Services name what they check (`id` for
    the object acted upon, `lines.0.skuId` inside a checkout); the client wrote arguments:
    - a path starting with an argument's name is kept (`orderId`, `rules.2.scopeId`);
    - `id`, when the field has no `id` argument but exactly one ID argument, is that argument
      (`shipOrder(orderId:)` → `orderId`);
    - otherwise, when the field takes exactly one input object, the path is inside it
      (`placeOrder(input:)` → `input.lines.0.skuId`)."""
    if path is None:
        return None
    head, dot, rest = path.partition(".")
    if head in arguments:
        return path
    if head == "id":
        ids = [
            name
            for name, argument in arguments.items()
            if isinstance(_unwrapped(argument.type), GraphQLScalarType)
            and _unwrapped(argument.type).name == "ID"
        ]
        if len(ids) == 1:
            return ids[0] + dot + rest
    inputs = [
        name
        for name, argument in arguments.items()
        if isinstance(_unwrapped(argument.type), GraphQLInputObjectType)
    ]
    if len(inputs) == 1:
        return f"{inputs[0]}.{path}"
    return path


def _arguments(info: Info) -> Mapping[str, GraphQLArgument]:
    raw = info._raw_info
    return raw.parent_type.fields[raw.field_name].args


class ErrorsAsData(FieldExtension):
    """The one place a DomainError becomes an answer; resolvers never catch it.

    - A payload (a type with `errors`) comes back with `errors` and its other fields at their
      defaults (checked when the schema is built: every other field needs a default).
    - A nullable lookup answers null for NOT_FOUND and INVALID_ID.
    - Any other query answers BAD_USER_INPUT with the UserError in `extensions.userError`.
    Error fields name the argument as the client wrote it (`client_field`)."""

    def __init__(self) -> None:
        self._payload: type | None = None
        self._nullable = False

    def apply(self, field: StrawberryField) -> None:
        type_ = field.type
        self._nullable = isinstance(type_, StrawberryOptional)
        if self._nullable:
            type_ = type_.of_type  # type: ignore[union-attr]
        if not (isinstance(type_, type) and has_object_definition(type_)):
            return
        fields = {f.name: f for f in dataclasses.fields(type_)}
        if "errors" not in fields:
            return
        missing = [
            name
            for name, f in fields.items()
            if name != "errors"
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise TypeError(f"{type_.__name__}: {missing} need defaults for errors as data")
        self._payload = type_

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as error:
            field = client_field(error.field, _arguments(info))
            if self._payload is not None:
                return self._payload(errors=user_errors(error, field))
            if self._nullable and error.code in ABSENT:
                return None
            raise InvalidFilter(error, field) from None


def matching_id(parse: Callable[[], int | None]) -> int | None:
    """A filter's id as parsed, or 0 when it is malformed or of another type: an id that cannot
    exist matches nothing, like an unknown one (for filters documented that way)."""
    try:
        return parse()
    except DomainError:
        return 0
