"""Small input checks shared by services; each failure is a DomainError naming the field.

Every piece of free text a client sends (names, addresses, reasons, notes, titles, search terms)
goes through `clean_text`, so what is stored and shown later is plain text: no NUL (PostgreSQL
refuses it in text), no lone surrogate (it cannot be encoded as UTF-8, so no database stores
it), no other C0/C1 control character (terminal escapes in logs and exports) and no bidi
override or isolate (U+202A-U+202E, U+2066-U+2069: "invoice\u202efdp.exe" shows as
"invoiceexe.pdf"). Newline and tab are accepted only where a field allows lines; CRLF is stored
as LF. Such text is refused (INVALID_TEXT), not silently cleaned: the client sees what was wrong.
"""

from __future__ import annotations

import re

from domain.errors import DomainError, ErrorCode

_NOT_TEXT = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_REFUSED_IN_LINE = re.compile(f"[\t\n{_NOT_TEXT}]")
_REFUSED_IN_LINES = re.compile(f"[{_NOT_TEXT}]")


def clean_text(
    value: str, field: str, max_length: int, *, multiline: bool = False, required: bool = True
) -> str:
    """`value` stripped of surrounding white space, or a DomainError: REQUIRED when empty and
    required, TOO_LONG past `max_length` characters, INVALID_TEXT for a character above."""
    text = value.replace("\r\n", "\n") if multiline else value
    # Ordinary white space around the text is trimmed; a control character is refused even at
    # an edge (str.strip() alone would drop \x1c-\x1f and \x85 silently).
    core = text.strip(" \t\n\r")
    if (_REFUSED_IN_LINES if multiline else _REFUSED_IN_LINE).search(core):
        raise DomainError(ErrorCode.INVALID_TEXT, field)
    text = core.strip()
    if required and not text:
        raise DomainError(ErrorCode.REQUIRED, field)
    if len(text) > max_length:
        raise DomainError(ErrorCode.TOO_LONG, field, f"max {max_length}")
    return text


def search_text(value: str | None, field: str, max_length: int = 64) -> str | None:
    """A search term: cleaned like any free text, None when empty (no condition)."""
    if value is None:
        return None
    return clean_text(value, field, max_length, required=False) or None


def https_url(value: str, field: str, max_length: int = 512, *, required: bool = True) -> str:
    """An https URL (images, avatars): clean text without white space; "" when not required
    and empty."""
    url = clean_text(value, field, max_length, required=required)
    if url and (not url.startswith("https://") or any(c.isspace() for c in url)):
        raise DomainError(ErrorCode.INVALID, field, "https URL")
    return url


def in_range(value: int, field: str, minimum: int, maximum: int) -> int:
    if not minimum <= value <= maximum:
        raise DomainError(ErrorCode.OUT_OF_RANGE, field, f"{minimum}..{maximum}")
    return value
