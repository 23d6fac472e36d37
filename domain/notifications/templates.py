"""HQ's mapping of a subscription event onto a WeChat template, and WeChat's limits on values.

A mapping is JSON: `{"id": "<template id>", "page": "pages/order/detail?no={order_no}",
"data": {"thing1": "product", "amount2": "amount"}}` — each template key (WeChat's type and
number, as the template's content lists them) shows one of the event's values
(catalogue.py), and the page may carry values. It is validated when HQ saves it: every key of
a known WeChat type, every value one the event offers, at most five keys (WeChat's templates
have no more). Values are fitted to each key type's limits before sending (`fit`), so a long
product title never makes WeChat refuse the message (47003).
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import clock
from domain.money import format_fen

KEY = re.compile(
    r"(thing|number|letter|symbol|character_string|time|date|amount|phone_number|car_number"
    r"|name|phrase)([0-9]{1,2})"
)
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_PAGE = re.compile(r"[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+){0,7}(\?[A-Za-z0-9_\-=&{}]{1,120})?")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
MAX_KEYS = 5
# WeChat's limits per key type (subscribeMessage.send, 参数值内容限制).
LIMITS = {
    "thing": 20,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "character_string": 32,
    "phrase": 5,
    "phone_number": 17,
    "car_number": 8,
}
_ELLIPSIS = "…"
_PRINTABLE = set(string.ascii_letters + string.digits + string.punctuation)


@dataclass(frozen=True)
class TemplateMapping:
    template_id: str
    page: str
    data: dict[str, str]  # template key → event value name

    def as_json(self) -> str:
        return json.dumps(
            {"id": self.template_id, "page": self.page, "data": self.data}, ensure_ascii=False
        )

    def render(self, values: dict[str, str]) -> tuple[str, dict[str, dict[str, str]]]:
        """The page and the `data` WeChat wants, each value fitted to its key's limits."""
        page = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), self.page)
        data = {key: {"value": fit(key, values.get(name, ""))} for key, name in self.data.items()}
        return page, data


def parse_mapping(raw: str, offered: tuple[str, ...]) -> TemplateMapping | None:
    """HQ's text → a mapping (None for an empty text: no template, nothing is sent).
    ValueError says what is wrong, in words HQ can act on."""
    text = raw.strip()
    if not text:
        return None
    try:
        spec: Any = json.loads(text)
    except ValueError:
        raise ValueError('JSON like {"id": "...", "page": "...", "data": {...}}') from None
    if not isinstance(spec, dict) or set(spec) - {"id", "page", "data"}:
        raise ValueError("an object with id, page and data only")
    template_id, page, data = spec.get("id"), spec.get("page", ""), spec.get("data")
    if not isinstance(template_id, str) or not _TEMPLATE_ID.fullmatch(template_id):
        raise ValueError("id: the template id WeChat gave (letters, digits, - and _)")
    if not isinstance(page, str) or (page and not _PAGE.fullmatch(page)):
        raise ValueError("page: a page path like pages/order/detail?no={order_no}")
    for name in _PLACEHOLDER.findall(page):
        if name not in offered:
            raise ValueError(f"page: {{{name}}} is not a value of this event")
    if not isinstance(data, dict) or not 1 <= len(data) <= MAX_KEYS:
        raise ValueError(f"data: 1 to {MAX_KEYS} template keys")
    for key, name in data.items():
        if not KEY.fullmatch(key):
            raise ValueError(f"data: {key} is not a WeChat template key (thing1, amount2, ...)")
        if name not in offered:
            raise ValueError(f"data.{key}: one of {', '.join(offered)}")
    return TemplateMapping(template_id, page, dict(data))


def fit(key: str, value: str) -> str:
    """`value` within the limits of `key`'s type: cut (a thing gets an ellipsis), characters
    the type does not take dropped. Dates, times and amounts are formatted to fit already."""
    match = KEY.fullmatch(key)
    kind = match.group(1) if match else "thing"
    text = " ".join(value.split())
    if kind == "character_string":
        text = "".join(c for c in text if c in _PRINTABLE)
    elif kind == "number":
        text = "".join(c for c in text if c.isdigit() or c == ".")
    elif kind == "letter":
        text = "".join(c for c in text if c.isascii() and c.isalpha())
    elif kind == "phrase":
        text = "".join(c for c in text if "\u4e00" <= c <= "\u9fff")
    elif kind == "name":
        return text[: 10 if any(not c.isascii() for c in text) else 20]
    most = LIMITS.get(kind)
    if most is None or len(text) <= most:
        return text
    if kind == "thing":
        return text[: most - 1] + _ELLIPSIS
    return text[:most]


def amount_text(amount_fen: int) -> str:
    """An amount as WeChat's amount key takes it: '¥12.34'."""
    return format_fen(amount_fen)


def moment_text(moment: datetime | None) -> str:
    """A time as WeChat's date and time keys take it, in Asia/Shanghai: '2026年12月5日 10:00'."""
    if moment is None:
        return ""
    local = clock.to_shanghai(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}"


def masked_name(nickname: str) -> str:
    """A buyer or customer as a distributor may see them: first character, then '**'."""
    name = nickname.strip()
    return f"{name[0]}**" if name else "微信用户"
