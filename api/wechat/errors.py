"""Every way a WeChat server call can fail, as types a caller can act on.

WeChat answers errors as HTTP 200 with an `errcode`; `error_for` sorts each documented code
into a type. Messages carry the errcode and never a request's parameters (the app secret, codes
and tokens travel in them).
"""

from __future__ import annotations


class WechatError(Exception):
    """A WeChat call that did not do what was asked. `retryable`: the same call may succeed
    later unchanged."""

    retryable = False

    def __init__(self, detail: str, errcode: int | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errcode = errcode


class WechatUnavailable(WechatError):
    """WeChat could not be reached or answered something that is not its protocol (a proxy's
    5xx page, garbage): the call did not happen as far as we can tell."""

    retryable = True


class WechatTimeout(WechatUnavailable):
    """No answer in time. WeChat may have done it all the same: for a call that is not
    idempotent the outcome is unknown, and the caller must find out before doing it again."""

    outcome_unknown = True


class WechatBusy(WechatError):
    """errcode -1, 系统繁忙: try again shortly."""

    retryable = True


class WechatRateLimited(WechatError):
    """A quota is used up (45009 daily, 45011 per minute): nothing is asked again before
    `retry_after` seconds."""

    retryable = True

    def __init__(self, detail: str, errcode: int, retry_after: int):
        super().__init__(detail, errcode)
        self.retry_after = retry_after


class WechatTokenInvalid(WechatError):
    """The access token was refused (40001 invalid, 42001 expired, 40014 malformed) even after
    one forced refresh."""


class WechatAppMisconfigured(WechatError):
    """The app's credentials or rights are wrong (bad appid or secret, server IP not on the
    allow-list, API not authorised): an operator must fix the configuration."""


class WechatCodeRejected(WechatError):
    """A user's one-time code (wx.login, getPhoneNumber) is invalid, used or refused."""


class WechatInvalidRequest(WechatError):
    """WeChat refused the parameters (a page that does not exist, a bad scene, bad JSON)."""


# Seconds to wait after each rate limit: the per-minute quota frees within the minute; the
# daily one is retried every five minutes so a quota raised by WeChat is noticed.
RATE_LIMIT_RETRY_AFTER = {45009: 300, 45011: 60}
TOKEN_INVALID = frozenset({40001, 42001, 40014})
_MISCONFIGURED = frozenset({40013, 40125, 40164, 41002, 41004, 48001, 61024})
_CODE_REJECTED = frozenset({40029, 40163, 40226})
_INVALID_REQUEST = frozenset({40097, 40169, 41030, 44002, 47001, 85096})


def error_for(errcode: int) -> WechatError:
    """The typed error of a non-zero errcode."""
    detail = f"errcode {errcode}"
    if errcode == -1:
        return WechatBusy(detail, errcode)
    if errcode in RATE_LIMIT_RETRY_AFTER:
        return WechatRateLimited(detail, errcode, RATE_LIMIT_RETRY_AFTER[errcode])
    if errcode in TOKEN_INVALID:
        return WechatTokenInvalid(detail, errcode)
    if errcode in _MISCONFIGURED:
        return WechatAppMisconfigured(detail, errcode)
    if errcode in _CODE_REJECTED:
        return WechatCodeRejected(detail, errcode)
    if errcode in _INVALID_REQUEST:
        return WechatInvalidRequest(detail, errcode)
    return WechatError(detail, errcode)
