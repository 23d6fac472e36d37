"""`/wechat/push`: WeChat's message push as the fake's `PushSender` signs and encrypts it — the
handshake, safe-mode decryption, forged or foreign pushes refused with nothing recorded, a
replayed message answered and handled once."""

from __future__ import annotations

import base64
import os
from collections import Counter

import pytest

from api.wechat import push
from api.wechat.crypto import MessageCrypto, PushRefused
from domain.wechat.models import WechatPushMessage
from tests.fakes.wechat import PushSender
from tests.support.api import ApiFactory

APP_ID = "wx-mall"
TOKEN = "push-token-of-the-mall"
AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")
PATH = "/wechat/push"
TEST_EVENT = "siyu_test_event"
handled: Counter[str] = Counter()


@push.on(TEST_EVENT)
async def _count(message: push.PushMessage) -> None:
    handled[str(message["CreateTime"])] += 1


def event(create_time: int = 1714037059, **fields: object) -> dict[str, object]:
    return {
        "ToUserName": "gh_97417a04a28d",
        "FromUserName": "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
        "CreateTime": create_time,
        "MsgType": "event",
        "Event": TEST_EVENT,
        **fields,
    }


@pytest.fixture
def safe_api(db) -> ApiFactory:
    return ApiFactory(wechat_app_id=APP_ID, wechat_push_token=TOKEN, wechat_push_aes_key=AES_KEY)


@pytest.fixture
def sender() -> PushSender:
    return PushSender(TOKEN, AES_KEY, APP_ID)


@pytest.fixture(autouse=True)
def fresh_counts() -> None:
    handled.clear()


async def test_the_handshake_answers_echostr(safe_api, sender):
    response = await safe_api.http.get(PATH, params=sender.handshake_params("4375120948345356249"))

    assert response.status_code == 200
    assert response.text == "4375120948345356249"


async def test_a_forged_handshake_is_refused(safe_api, sender):
    params = sender.handshake_params("echo")
    params["signature"] = "0" * 40

    response = await safe_api.http.get(PATH, params=params)

    assert response.status_code == 403
    assert "echo" not in response.text


async def test_the_documented_plain_signature_is_accepted(db):
    """The example of WeChat's guide: Token AAAAA, timestamp 1714036504, nonce 1514711492."""
    api = ApiFactory(wechat_push_token="AAAAA")

    response = await api.http.get(
        PATH,
        params={
            "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
            "echostr": "4375120948345356249",
            "timestamp": "1714036504",
            "nonce": "1514711492",
        },
    )

    assert response.text == "4375120948345356249"


async def test_a_safe_mode_event_is_decrypted_and_handled_once(safe_api, sender):
    response = await sender.send(safe_api.http, PATH, event(1714037059))

    assert (response.status_code, response.text) == (200, "success")
    assert handled == {"1714037059": 1}
    row = await WechatPushMessage.get()
    assert (row.dedup_key, row.msg_type, row.event) == (
        f"event:o9AgO5Kd5ggOC-bXrbNODIiE3bGY:1714037059:{TEST_EVENT}",
        "event",
        TEST_EVENT,
    )


async def test_a_replayed_message_is_answered_and_handled_once(safe_api, sender):
    answers = [await sender.send(safe_api.http, PATH, event(1714037060)) for _ in range(3)]

    assert [(a.status_code, a.text) for a in answers] == [(200, "success")] * 3
    assert handled == {"1714037060": 1}
    assert await WechatPushMessage.all().count() == 1


async def test_messages_are_told_apart_by_msg_id(safe_api, sender):
    text = {"FromUserName": "o-user", "CreateTime": 1714037061, "MsgType": "text"}
    for msg_id in (101, 102, 101):
        await sender.send(safe_api.http, PATH, {**text, "MsgId": msg_id, "Content": "hi"})

    keys = await WechatPushMessage.all().order_by("id").values_list("dedup_key", flat=True)
    assert keys == ["msg:101", "msg:102"]


@pytest.mark.parametrize("forgery", ["msg_signature", "encrypt", "other_app", "plain"])
async def test_a_forged_push_is_refused_and_nothing_recorded(safe_api, sender, forgery):
    params, body = sender.request(
        event(1714037062), app_id="wx-other" if forgery == "other_app" else None
    )
    if forgery == "msg_signature":
        params["msg_signature"] = "0" * 40
    if forgery == "encrypt":
        body = body.replace(b'"Encrypt": "', b'"Encrypt": "AAAA')
    if forgery == "plain":
        params, body = sender.request(event(1714037062), safe=False)

    response = await safe_api.http.post(PATH, params=params, content=body)

    assert response.status_code == 403
    assert handled == {}
    assert await WechatPushMessage.all().count() == 0


async def test_plain_mode_checks_the_signature(db, sender):
    api = ApiFactory(wechat_push_token=TOKEN)
    params, body = sender.request(event(1714037063), safe=False)
    forged = dict(params, signature="f" * 40)

    refused = await api.http.post(PATH, params=forged, content=body)
    accepted = await api.http.post(PATH, params=params, content=body)

    assert refused.status_code == 403
    assert (accepted.status_code, accepted.text) == (200, "success")
    assert handled == {"1714037063": 1}


async def test_a_push_without_a_key_to_tell_it_apart_is_refused(safe_api, sender):
    response = await sender.send(safe_api.http, PATH, {"MsgType": "event", "Event": TEST_EVENT})

    assert response.status_code == 400
    assert await WechatPushMessage.all().count() == 0


async def test_a_media_check_result_is_recorded(safe_api, sender):
    message = event(1714037064, Event="wxa_media_check", trace_id="trace-1")
    message["result"] = {"suggest": "pass", "label": 100}

    response = await sender.send(safe_api.http, PATH, message)

    assert response.text == "success"
    assert (await WechatPushMessage.get()).event == "wxa_media_check"


async def test_without_a_push_token_the_endpoint_is_not_there(db, sender):
    api = ApiFactory()

    response = await api.http.get(PATH, params=sender.handshake_params("echo"))

    assert response.status_code == 404


def test_decryption_checks_padding_and_appid(sender):
    crypto = MessageCrypto(AES_KEY, APP_ID)

    assert crypto.decrypt(sender.encrypt(b'{"a": 1}')) == b'{"a": 1}'
    with pytest.raises(PushRefused):
        crypto.decrypt(sender.encrypt(b'{"a": 1}', app_id="wx-other"))
    with pytest.raises(PushRefused):
        crypto.decrypt(base64.b64encode(os.urandom(48)).decode())
