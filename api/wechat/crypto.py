"""Signatures and safe-mode encryption of WeChat's message push (消息推送), as documented in
消息加解密说明 / 技术方案:

- `signature` = sha1 of the token, `timestamp` and `nonce` sorted and joined (handshake and
  every push); in safe mode `msg_signature` = sha1 of the token, timestamp, nonce and the
  body's `Encrypt`, sorted and joined.
- `Encrypt` = base64 of AES-256-CBC with key = base64-decode(EncodingAESKey + "=") and IV = the
  key's first 16 bytes, over: 16 random bytes, the message length (4 bytes, network order), the
  message, the appid; PKCS#7-padded to a multiple of 32 bytes (not AES's 16).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 32


class PushRefused(Exception):
    """The push is not WeChat's (bad signature, not decryptable, another app's): refused with
    403 and nothing recorded. The reason is for logs only."""


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 (WeChat's)


def signed(expected: str, *parts: str) -> bool:
    return hmac.compare_digest(signature(*parts).encode(), expected.encode())


class MessageCrypto:
    """Safe-mode decryption for one app."""

    def __init__(self, encoding_aes_key: str, app_id: str):
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error:
            raise ValueError("EncodingAESKey is not base64") from None
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self._key = key
        self._app_id = app_id.encode()

    def decrypt(self, encrypted: str) -> bytes:
        """The message inside `Encrypt`, after checking its padding, length and appid."""
        try:
            cipher_text = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise PushRefused("Encrypt is not base64") from None
        if not cipher_text or len(cipher_text) % 16:
            raise PushRefused("Encrypt is not whole AES blocks")
        decryptor = Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16])).decryptor()
        plain = decryptor.update(cipher_text) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise PushRefused("bad padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise PushRefused("too short")
        (length,) = struct.unpack(">I", content[:4])
        message, app_id = content[4 : 4 + length], content[4 + length :]
        if len(message) != length:
            raise PushRefused("bad length")
        if not hmac.compare_digest(app_id, self._app_id):
            raise PushRefused("another app's message")
        return message
