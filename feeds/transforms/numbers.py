"""Numbers as shops write them: tolerant parsing into Decimal, rounding, and formatting back to text.

Parsing accepts `433.00 CZK`, `1 299,90` (also with no-break spaces), `21%`, `-5`, `1,234.56`:
the last `.` or `,` followed by 1-3 digits is the decimal point, so `1.240` is one point two four
(FORMATS.md: a dot-decimal value in a real cp1250 feed), unless that separator appears more than
once (`1.234.567`), which makes it a thousands separator.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

_NUMBER = re.compile(r"[-+\u2212]?\d[\d\s\u00a0\u202f.,']*")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
ROUNDING_MODES = {"half": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}


_PLAIN = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")
_DECIMAL_COMMA = re.compile(r"\s*-?\d+,\d{1,3}\s*")  # `12424,50`: what the separator analysis makes of it


def parse_number(text: str) -> Decimal | None:
    """The first number in `text`, or None when there is none."""
    if text.isascii() and text.isdigit():  # most prices and rates: 0-9 only
        return Decimal(text)
    if _PLAIN.fullmatch(text):  # most feed values: skip the separator analysis
        return Decimal(text)
    if _DECIMAL_COMMA.fullmatch(text):
        return Decimal(text.replace(",", "."))
    return separated_number(text)


def separated_number(text: str) -> Decimal | None:
    """parse_number without its shortcuts: find the number, then tell decimal from thousands separators."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    raw = _SPACES.sub("", match.group()).rstrip(".,").replace("\u2212", "-")
    last = max(raw.rfind("."), raw.rfind(","))
    if last >= 0:
        separator, tail = raw[last], raw[last + 1 :]
        if 1 <= len(tail) <= 3 and tail.isdigit() and raw.count(separator) == 1:
            raw = raw[:last].replace(".", "").replace(",", "") + "." + tail
        else:
            raw = raw.replace(".", "").replace(",", "")
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


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


def number_span(text: str) -> tuple[int, int, Decimal] | None:
    """Where the first number sits in `text` (start, end) and its value, to rewrite it in place."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    value = parse_number(match.group())
    if value is None:
        return None
    raw = match.group()
    end = match.start() + len(raw.rstrip(" \u00a0\u202f'.,"))
    return match.start(), end, value
