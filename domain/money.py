"""All money arithmetic: integer fen, rates in basis points. Nothing else multiplies money."""

from __future__ import annotations

from collections.abc import Sequence

BP_SCALE = 10_000
CURRENCY = "CNY"


def share(amount_fen: int, rate_bp: int) -> int:
    """floor(amount * bp / 10000): a share never rounds up."""
    if rate_bp < 0:
        raise ValueError("rate must not be negative")
    return amount_fen * rate_bp // BP_SCALE


def discount(amount_fen: int, keep_bp: int) -> int:
    """What a rate that keeps `keep_bp` of the amount takes off (tier discounts)."""
    return amount_fen - share(amount_fen, keep_bp)


def proportional(amount_fen: int, part: int, whole: int) -> int:
    """floor(amount * part / whole), e.g. the commission given back for a partial refund."""
    if whole <= 0:
        raise ValueError("whole must be positive")
    return amount_fen * part // whole


def allocate(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Spread `total_fen` over `weights` proportionally so the parts add up exactly.

    Largest-remainder method: each part gets its floor, the leftover fen go one by one to the
    largest remainders, ties to the earlier line. Zero weights get nothing.
    """
    if total_fen < 0:
        raise ValueError("total must not be negative")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total_fen:
            raise ValueError("cannot allocate a positive total over zero weights")
        return [0] * len(weights)
    parts = [total_fen * w // weight_sum for w in weights]
    remainders = [total_fen * w % weight_sum for w in weights]
    leftover = total_fen - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        parts[i] += 1
    return parts


def format_fen(amount_fen: int) -> str:
    """'¥12.34' (negative amounts as '-¥12.34')."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}¥{yuan}.{fen:02d}"
