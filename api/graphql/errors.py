"""UserError (errors as data in mutation payloads) and the top-level auth errors."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from domain.errors import DomainError
from domain.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode")


@strawberry.type(description="A refused input or business rule; nothing was changed.")
class UserError:
    code: ErrorCode  # type: ignore[valid-type]
    field: str | None
    message: str


def user_errors(error: DomainError) -> list[UserError]:
    return [UserError(code=error.code, field=error.field, message=error.message)]


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

    def __init__(self, error: DomainError):
        GraphQLError.__init__(
            self,
            error.message,
            extensions={
                "code": self.code,
                "userError": {"code": error.code.value, "field": error.field},
            },
        )
