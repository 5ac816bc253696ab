"""Numbers as shops write them, read one way everywhere: rules, queries and conversions agree on a value.

Accepted: `1299`, `1299.90`, `1 299,90` (also with no-break or thin spaces, or `'`), `21%`, `-5`,
`−5`, `.5`, `1,234.56`, `1.234,56`, `1.234.567`. The last `.` or `,` is the decimal point, so
`1.240` is one point two four (FORMATS.md 1.7: a dot-decimal value in a real cp1250 feed), unless it
occurs more than once (`1.234.567`): then it groups thousands, like every other separator.
Exponent notation, as spreadsheets and scripts write floats (`1.5e3`, `1,5E+03`, `2e-05`), is read
whole: `1.5e3` is 1500, never 1.5. `NaN`, `inf` and `Infinity` are no numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# group 1: the exponent, right after the digits (`1.5e3`, `5.e3`; `12 eur` and `5e` have none)
_NUMBER = re.compile(r"[-+\u2212]?(?:\d|[.,]\d)[\d\s\u00a0\u202f\u2009.,']*(?:(?<=[\d.])[eE]([-+\u2212]?\d+))?")
_GROUPING = re.compile(r"[\s\u00a0\u202f\u2009']")
_PLAIN = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")
_DECIMAL_COMMA = re.compile(r"\s*-?\d+,\d+\s*")  # `12424,50`: what the separator analysis makes of it


MAX_MAGNITUDE = 18
"""Numbers of 10**18 or more are refused (None): no price or count is that big, and rounding one to
cents would overflow Decimal's 28 digits (a 30-digit PRICE_VAT used to crash a conversion)."""
MAX_EXPONENT_DIGITS = 2
"""`1e-99` at most: a longer exponent makes the value no number, as `1e-999999999` would print a billion zeros."""


def parse_decimal(text: str) -> Decimal | None:
    """`text` as one number (`1 299,90`, `21%`), or None when it holds anything else (`433 CZK`, `abc`)."""
    value = _quick(text)
    if value is None:
        match = _NUMBER.fullmatch(text.strip().removesuffix("%").rstrip())
        value = _read(match) if match else None
    return value if value is None or value.adjusted() < MAX_MAGNITUDE else None


def parse_number(text: str) -> Decimal | None:
    """The first number in `text` (`433.00 CZK`, `cca 12 ks`), or None when there is none."""
    value = _quick(text)
    if value is None:
        match = _NUMBER.search(text)
        value = _read(match) if match else None
    return value if value is None or value.adjusted() < MAX_MAGNITUDE else None


def number_span(text: str) -> tuple[int, int, Decimal] | None:
    """Where the first number sits in `text` (start, end) and its value, to rewrite it in place."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    value = _read(match)
    if value is None or value.adjusted() >= MAX_MAGNITUDE:
        return None
    raw = match.group()
    end = len(raw)
    while raw[end - 1].isspace() or raw[end - 1] in "'.,":  # back to the last digit (every match has one)
        end -= 1
    return match.start(), match.start() + end, value


def _quick(text: str) -> Decimal | None:
    """The common spellings (`129`, `1299.90`, `12,50`) without the separator analysis; None for the rest."""
    if text.isascii() and text.isdigit():
        return Decimal(text)
    if _PLAIN.fullmatch(text):
        return Decimal(text)
    if _DECIMAL_COMMA.fullmatch(text):
        return Decimal(text.replace(",", "."))
    return None


def _read(match: re.Match[str]) -> Decimal | None:
    raw, exponent = match.group(), None
    if match.lastindex:  # an exponent: rare, so the common case pays one attribute read
        exponent = match.group(1).replace("\u2212", "-")
        if len(exponent.lstrip("+-")) > MAX_EXPONENT_DIGITS:
            return None
        raw = raw[: match.start(1) - match.start() - 1]  # the digits before the `e`
    raw = _GROUPING.sub("", raw).rstrip(".,").replace("\u2212", "-")
    last = max(raw.rfind("."), raw.rfind(","))
    if last >= 0:
        decimals = raw[last + 1 :] if raw.count(raw[last]) == 1 else None
        whole = raw[:last] if decimals is not None else raw
        raw = whole.replace(".", "").replace(",", "") + ("." + decimals if decimals is not None else "")
    try:
        return Decimal(raw if exponent is None else f"{raw}e{exponent}")
    except InvalidOperation:
        return None
