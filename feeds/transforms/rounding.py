"""Rounding and formatting numbers for rules (`round`, `format number`); reading them is `feeds.decimal_text`."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

ROUNDING_MODES = {"half": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}


def round_to(value: Decimal, step: Decimal, mode: str) -> Decimal:
    """Round to a multiple of `step` (0.01, 0.5, 1, 10, ...): half = half up, up = ceiling, down = floor."""
    if mode == "none":
        return value
    steps = (value / step).to_integral_value(rounding=ROUNDING_MODES[mode])
    return steps * step


def format_number(
    value: Decimal, *, places: int, decimal_separator: str = ".", thousands_separator: str = ""
) -> str:
    """Fixed number of decimal places, chosen separators; `-0` prints as `0`."""
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    fixed = value.quantize(quantum, rounding=ROUND_HALF_UP) if places >= 0 else value
    if fixed == 0:
        fixed = abs(fixed)
    if not thousands_separator:  # the same digits as below, without splitting and joining them
        text = f"{fixed:f}"
        return text if decimal_separator == "." else text.replace(".", decimal_separator)
    sign, digits = ("-", f"{-fixed:f}") if fixed < 0 else ("", f"{fixed:f}")
    whole, _, fraction = digits.partition(".")
    if thousands_separator:
        groups: list[str] = []
        while len(whole) > 3:
            whole, groups = whole[:-3], [whole[-3:], *groups]
        whole = thousands_separator.join([whole, *groups])
    return sign + whole + (decimal_separator + fraction if fraction else "")


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(12)}


def places_of(step: Decimal) -> int:
    """Decimal places a rounding step implies: 0.01 -> 2, 0.5 -> 1, 1 or 10 -> 0."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
