"""Payees of withdrawals (SPEC 11): who receives the money, kept as personal data should be.

Account numbers (bank cards, Alipay accounts) and the WeChat openid a balance transfer goes to
are stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256): only the payout itself and an
HQ_ADMIN's view decrypt them. Everybody else, the distributor included, sees the masked form
stored beside them (`**** **** **** 1234`, `138****1234`, `a***@example.com`). Neither the
number nor anything derived from it beyond the mask goes into a log line or an error message:
validation errors name the field, never the value.

The key comes from the process configuration (api/config.py: PAYEE_ENCRYPTION_KEY); the
composition root hands the cipher over at start-up with `configure_cipher`. Several
comma-separated keys rotate: the first encrypts, every one decrypts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from domain.errors import DomainError, ErrorCode
from domain.validation import clean_text

NAME_MAX = 64
BANK_MAX = 64
_BANK_ACCOUNT = re.compile(r"\d{10,30}", re.ASCII)
_CN_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}")
_SEPARATORS = re.compile(r"[\s\-]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LONG_DIGITS = re.compile(r"\d{7,}")
_EMAILS = re.compile(r"[^\s@]+@[^\s@]+")


class PayeeUnreadable(Exception):
    """A stored payee cannot be decrypted (the key was changed without keeping the old one)."""


class PayeeCipher:
    def __init__(self, keys: Iterable[str | bytes]):
        fernets = [Fernet(key) for key in keys]
        if not fernets:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet(fernets)

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, UnicodeDecodeError):
            raise PayeeUnreadable() from None


def parse_keys(raw: str) -> list[bytes]:
    """PAYEE_ENCRYPTION_KEY: comma-separated Fernet keys (url-safe base64 of 32 bytes).
    Raises ValueError without repeating the value."""
    keys = [part.strip().encode() for part in raw.split(",") if part.strip()]
    if not keys:
        raise ValueError("no key")
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ValueError("not a Fernet key (url-safe base64 of 32 bytes)") from None
    return keys


_cipher: PayeeCipher | None = None


def configure_cipher(cipher: PayeeCipher) -> None:
    global _cipher
    _cipher = cipher


def cipher() -> PayeeCipher:
    if _cipher is None:
        raise RuntimeError("no payee cipher configured (api/app.py does it at start-up)")
    return _cipher


# Input: normalised and checked, errors name the field only.


def payee_name(raw: str | None) -> str:
    return clean_text(raw or "", "payeeName", NAME_MAX)


def real_name(raw: str | None) -> str:
    """A person's real name as WeChat checks it against the payee's verified identity: 2 to 64
    characters, no digits (a digit means a phone or an account was typed in the wrong box).
    Minority names keep their middle dot ('阿卜杜·热合曼')."""
    name = _CONTROL.sub("", raw or "").strip()
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "realName")
    if len(name) > NAME_MAX:
        raise DomainError(ErrorCode.TOO_LONG, "realName", f"max {NAME_MAX}")
    if len(name) < 2 or any(char.isdigit() for char in name):
        raise DomainError(ErrorCode.INVALID, "realName", "a person's name")
    return name


def bank_name(raw: str | None) -> str:
    return clean_text(raw or "", "bankName", BANK_MAX)


def bank_account(raw: str | None) -> str:
    """Digits only ('6222 0212 3456 7890 123' → '6222021234567890123'), 10 to 30 of them: card
    numbers (16-19) and personal account numbers. No Luhn check: not every Chinese card has one."""
    number = _SEPARATORS.sub("", raw or "")
    if not number:
        raise DomainError(ErrorCode.REQUIRED, "accountNumber")
    if not _BANK_ACCOUNT.fullmatch(number):
        raise DomainError(ErrorCode.INVALID, "accountNumber", "10 to 30 digits")
    return number


def alipay_account(raw: str | None) -> str:
    """An Alipay login: a mainland mobile number (+86 optional) or an e-mail address."""
    text = clean_text(raw or "", "accountNumber", NAME_MAX)
    digits = _SEPARATORS.sub("", text).removeprefix("+86")
    if _CN_MOBILE.fullmatch(digits):
        return digits
    if _EMAIL.fullmatch(text):
        return text.lower()
    raise DomainError(ErrorCode.INVALID, "accountNumber", "a mobile number or an e-mail address")


# Output: the masked forms.


def mask_bank_account(number: str) -> str:
    """'6222021234567890123' → '**** **** **** 0123'."""
    return "**** **** **** " + number[-4:]


def mask_alipay_account(account: str) -> str:
    """'13812341234' → '138****1234'; 'alice@example.com' → 'a***@example.com'."""
    if "@" in account:
        local, _, domain = account.partition("@")
        return f"{local[:1]}***@{domain}"
    return account[:3] + "****" + account[-4:]


def mask_name(name: str) -> str:
    """'张三' → '张*', '欧阳娜娜' → '欧***': the family name shows, the given name does not."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_real_name(name: str) -> str:
    """'张三' → '张*', '张小三' → '张*三', '欧阳娜娜' → '欧**娜': the first and the last character
    show (the last only from three characters on), the rest is starred."""
    if len(name) <= 2:
        return name[:1] + "*" if name else ""
    return name[0] + "*" * (len(name) - 2) + name[-1]


def scrub(text: str, secrets: Iterable[str | None], max_length: int = 200) -> str:
    """A provider's failure reason made safe to keep and show: the payee's own details, long
    digit runs (card, phone numbers) and e-mail addresses become '***'."""
    for secret in secrets:
        if secret and len(secret) >= 2:
            text = text.replace(secret, "***")
    text = _LONG_DIGITS.sub("***", text)
    text = _EMAILS.sub("***", text)
    text = _CONTROL.sub(" ", text).strip()
    return text[:max_length] or "payout refused"
