"""Handling of messages WeChat pushes: de-duplicated by message id, dispatched by type.

WeChat pushes a message again when it got no answer within 5 seconds (up to three times), so
each message is recorded under the key WeChat advises for de-duplication (`MsgId`, or for
events `FromUserName` + `CreateTime`; the event's name is added so two different events of one
user in the same second stay apart) in the same transaction as its handler: a second delivery
finds the key taken and is only answered; a handler that fails rolls the record back, the push
is answered 5xx and WeChat's retry runs it again.

Handlers register by type (`Event` for events, else `MsgType`): the shipping work will add
`trade_manage_order_settlement` and the confirm-receipt events here. A type without a handler
is recorded and answered, so WeChat stops pushing it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError

from domain import clock
from domain.db import transaction
from domain.wechat.models import WechatPushMessage

log = logging.getLogger("siyu.wechat.push")

PushMessage = dict[str, Any]
PushHandler = Callable[[PushMessage], Awaitable[None]]
_HANDLERS: dict[str, PushHandler] = {}


def on(message_type: str) -> Callable[[PushHandler], PushHandler]:
    """Register the handler of an event (`Event`) or message type (`MsgType`)."""

    def register(handler: PushHandler) -> PushHandler:
        if message_type in _HANDLERS and _HANDLERS[message_type] is not handler:
            raise ValueError(f"a handler for {message_type} is registered already")
        _HANDLERS[message_type] = handler
        return handler

    return register


def type_of(message: PushMessage) -> str:
    msg_type = str(message.get("MsgType", ""))
    return str(message.get("Event", "")) if msg_type == "event" else msg_type


def dedup_key(message: PushMessage) -> str | None:
    """None for a message that carries neither key (not a push WeChat documents)."""
    msg_id = message.get("MsgId")
    if msg_id not in (None, ""):
        return f"msg:{msg_id}"
    sender, created = message.get("FromUserName"), message.get("CreateTime")
    if not sender or created in (None, ""):
        return None
    return f"event:{sender}:{created}:{type_of(message)}"[:160]


async def handle(message: PushMessage) -> bool:
    """Record and handle one message; False when it was handled before (a replay)."""
    key = dedup_key(message)
    if key is None:
        raise ValueError("a pushed message without MsgId, FromUserName or CreateTime")
    kind = type_of(message)
    try:
        async with transaction():
            try:
                await WechatPushMessage.create(
                    dedup_key=key,
                    msg_type=str(message.get("MsgType", ""))[:32],
                    event=kind[:64],
                    received_at=clock.now(),
                )
            except IntegrityError:
                raise _Replay from None
            handler = _HANDLERS.get(kind)
            if handler is not None:
                await handler(message)
            else:
                log.info("pushed %s has no handler; recorded", kind[:64])
    except _Replay:
        return False
    return True


class _Replay(Exception):
    """The message's key is taken: leave the transaction (rolled back) and only answer."""


@on("wxa_media_check")
async def media_check_result(message: PushMessage) -> None:
    """The verdict of an asynchronous content check (`mediaCheckAsync`): nothing submits media
    yet, so the verdict is logged with its trace id (no user data) for whoever asked by hand."""
    result = message.get("result") if isinstance(message.get("result"), dict) else {}
    log.info(
        "media check %s: suggest=%s label=%s",
        str(message.get("trace_id", ""))[:64],
        str(result.get("suggest", ""))[:16],
        str(result.get("label", ""))[:16],
    )
