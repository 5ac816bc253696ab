"""GTIN (EAN-8, UPC-12, EAN-13, GTIN-14) check digits."""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_valid(text: str) -> bool:
    """True for 8, 12, 13 or 14 digits whose last digit is the GS1 check digit of the others."""
    code = text.strip()
    if len(code) not in GTIN_LENGTHS or not code.isascii() or not code.isdigit():
        return False
    body = [int(d) for d in reversed(code[:-1])]
    total = sum(d * (3 if index % 2 == 0 else 1) for index, d in enumerate(body))
    return (10 - total % 10) % 10 == int(code[-1])
