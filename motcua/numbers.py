"""Percentages (pure): the one rounding every rate on screen and on paper goes through.

A rate is part / whole × 100, rounded half up to two decimals (1/8 → 12,50 %; 2/3 → 66,67 %; 1/32 →
3,13 %), as an exact Decimal; with nothing to divide (whole 0) there is no rate: None, shown "—",
never 0. The Vietnamese wording (decimal comma, "66,67 %") is reports.numbers.vn_percent on paper
and the ``vi`` locale (``floatformat:2``) on screen; neither rounds again.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["percent", "round_half_up"]


def round_half_up(value: Decimal | int | float | str, places: int = 2) -> Decimal:
    """``value`` rounded half up to ``places`` decimals (a float is read as it is written: 2.675 → 2.68)."""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part / whole as a percentage, half up to two decimals; None when ``whole`` is 0 (or None)."""
    if not whole:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole))
