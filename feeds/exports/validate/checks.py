"""Value checks: each takes an element's label and text and returns a problem, or None if the value is fine.

Messages quote the value so a user can find it: `EAN '123' has a bad check digit`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from feeds.exports.values import (
    is_http_url,
    isbn10_to_13,
    normalize_availability,
    parse_iso_date,
)
from feeds.gtin import GTIN_LENGTHS, is_ascii_digits, is_valid_gtin

Check = Callable[[str, str], str | None]
MAX_LISTED = 10  # longer lists of allowed values (DELIVERY_ID codes) are not spelled out in every message


def _plain_decimal(text: str, separators: str) -> bool:
    """Digits with at most one separator from `separators` and at most 2 decimals; no sign, no spaces."""
    for sep in separators:
        if sep in text:
            whole, _, frac = text.partition(sep)
            return whole.isdigit() and frac.isdigit() and len(frac) <= 2
    return text.isdigit()


def heureka_number(label: str, value: str) -> str | None:
    """Heureka/Zboží price: `1234`, `1234.5` or `1234,50`, no currency, no thousands separator."""
    return None if _plain_decimal(value, ".,") else f"{label} '{value}' is not a number"


def dot_number(label: str, value: str) -> str | None:
    """Mergado number: decimal point, no spaces."""
    return None if _plain_decimal(value, ".") else f"{label} '{value}' is not a number with a decimal point"


def google_price(label: str, value: str) -> str | None:
    """Google/Meta price: `<number> <ISO 4217>` with a dot decimal, e.g. `1234.00 CZK`."""
    number, _, currency = value.partition(" ")
    if not _plain_decimal(number, "."):
        return f"{label} '{value}' is not a number"
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        return f"{label} '{value}' has no ISO currency"
    return None


def whole_number(label: str, value: str) -> str | None:
    """A non-negative integer."""
    return None if value.isdigit() else f"{label} '{value}' is not a whole number"


def http_url(label: str, value: str) -> str | None:
    """An absolute http(s) URL."""
    return None if is_http_url(value) else f"{label} '{value}' is not an http(s) URL"


def gtin(label: str, value: str) -> str | None:
    """EAN-8/UPC-12/EAN-13/GTIN-14 with a correct check digit."""
    if not is_ascii_digits(value) or len(value) not in GTIN_LENGTHS:
        return f"{label} '{value}' is not 8, 12, 13 or 14 digits"
    return None if is_valid_gtin(value) else f"{label} '{value}' has a bad check digit"


def isbn(label: str, value: str) -> str | None:
    """A valid ISBN-10 or ISBN-13."""
    return None if isbn10_to_13(value) else f"{label} '{value}' is not a valid ISBN"


def delivery_date(label: str, value: str) -> str | None:
    """Heureka DELIVERY_DATE: days or `YYYY-MM-DD`."""
    if value.isdigit() or (len(value) == 10 and value[4] == "-" and parse_iso_date(value)):
        return None
    return f"{label} '{value}' is neither a number of days nor a YYYY-MM-DD date"


def iso_date(label: str, value: str) -> str | None:
    """An ISO 8601 date or date-time (Google availability_date)."""
    return (
        None
        if len(value) >= 10 and value[4] == "-" and parse_iso_date(value)
        else f"{label} '{value}' is not an ISO 8601 date"
    )


def mergado_date(label: str, value: str) -> str | None:
    """Mergado date: `dd-mm-yyyy`."""
    return (
        None
        if len(value) == 10 and value[2] == "-" and parse_iso_date(value)
        else f"{label} '{value}' is not dd-mm-yyyy"
    )


def google_availability(label: str, value: str) -> str | None:
    """in_stock / out_of_stock / preorder / backorder, spaced forms accepted."""
    return None if normalize_availability(value) else f"{label} '{value}' is not a known availability"


def heureka_id(label: str, value: str) -> str | None:
    """Heureka/Mergado id characters: A-Z a-z 0-9 _ -."""
    if value.isascii() and value.replace("-", "").replace("_", "").isalnum():
        return None
    return f"{label} '{value}' has characters outside A-Z a-z 0-9 _ -"


def one_of(allowed: Collection[str], *, fold: bool = False) -> Check:
    """A check that the value is one of `allowed` (case-insensitively with `fold`); short lists are quoted."""
    wanted = frozenset(a.lower() for a in allowed) if fold else frozenset(allowed)
    shown = f"one of: {', '.join(sorted(allowed))}" if len(allowed) <= MAX_LISTED else "in the accepted list"

    def check(label: str, value: str) -> str | None:
        if (value.lower() if fold else value) in wanted:
            return None
        return f"{label} '{value}' is not {shown}"

    if not fold:
        _PREDICATES[check] = wanted.__contains__
    return check


_PREDICATES: dict[Check, Callable[[str], bool]] = {
    heureka_number: lambda value: _plain_decimal(value, ".,"),
    dot_number: lambda value: _plain_decimal(value, "."),
    whole_number: str.isdigit,
    http_url: is_http_url,
    gtin: is_valid_gtin,
}
"""Checks with a predicate that answers the same without building a message (the quick pass's tests)."""


def predicate(check: Check, label: str) -> Callable[[str], bool]:
    """Whether a value passes `check`: its registered predicate, else the check itself asked for no problem."""
    fast = _PREDICATES.get(check)
    if fast is not None:
        return fast
    return lambda value: check(label, value) is None
