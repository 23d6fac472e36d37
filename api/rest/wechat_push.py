"""`/wechat/push`: the mini-program's message push (消息推送) endpoint, data format JSON.

- GET (the handshake when the URL is configured): `signature` checked, `echostr` answered.
- POST: in plain mode `signature` is checked; with `WECHAT_PUSH_AES_KEY` set only safe mode is
  accepted: `encrypt_type=aes`, `msg_signature` checked over the body's `Encrypt`, which is
  decrypted and must name our appid (api/wechat/crypto.py). Then the message is handled once
  (api/wechat/push.py) and answered `success`.
- A forged or undecryptable push: 403, nothing recorded. Not configured (no
  `WECHAT_PUSH_TOKEN`): 404. XML is not read (configure JSON in the mini-program's settings):
  parsing untrusted XML is a risk the JSON format avoids.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from api.wechat import push
from api.wechat.crypto import MessageCrypto, PushRefused, signed

log = logging.getLogger("siyu.wechat.push")

PUSH_PATH = "/wechat/push"
MAX_BODY_BYTES = 64 * 1024


def _refused(reason: str) -> Response:
    log.warning("push refused: %s", reason)
    return PlainTextResponse("Forbidden.", status_code=403)


class PushEndpoint:
    """The endpoint of one app's message push (token, EncodingAESKey, appid)."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str):
        self.token = token
        self.crypto = MessageCrypto(encoding_aes_key, app_id) if encoding_aes_key else None

    async def __call__(self, scope, receive, send) -> None:
        request = Request(scope, receive)
        response = await self.answer(request)
        await response(scope, receive, send)

    async def answer(self, request: Request) -> Response:
        if not self.token:
            return PlainTextResponse("Not found.", status_code=404)
        query = request.query_params
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if request.method == "GET":
            if not signed(query.get("signature", ""), self.token, timestamp, nonce):
                return _refused("bad handshake signature")
            return PlainTextResponse(query.get("echostr", ""))
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return PlainTextResponse("Too large.", status_code=413)
        try:
            message = self._message(query, timestamp, nonce, body)
        except PushRefused as refusal:
            return _refused(str(refusal))
        except ValueError:
            return PlainTextResponse("Not a JSON push.", status_code=400)
        try:
            handled = await push.handle(message)
        except ValueError:
            return PlainTextResponse("Not a WeChat push.", status_code=400)
        if not handled:
            log.info("push replayed: %s answered again", push.type_of(message)[:64])
        return PlainTextResponse("success")

    def _message(self, query, timestamp: str, nonce: str, body: bytes) -> push.PushMessage:
        if self.crypto is None:
            if not signed(query.get("signature", ""), self.token, timestamp, nonce):
                raise PushRefused("bad signature")
            return _json_object(body)
        if query.get("encrypt_type") != "aes":
            raise PushRefused("plain push while safe mode is configured")
        envelope = _json_object(body)
        encrypted = envelope.get("Encrypt")
        if not isinstance(encrypted, str) or not signed(
            query.get("msg_signature", ""), self.token, timestamp, nonce, encrypted
        ):
            raise PushRefused("bad msg_signature")
        return _json_object(self.crypto.decrypt(encrypted))


def _json_object(raw: bytes) -> push.PushMessage:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data
