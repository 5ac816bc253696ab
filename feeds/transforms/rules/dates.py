"""Add days to a date, in whichever of the shapes feeds use, written back in the same shape."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from feeds.model import Product
from feeds.paths import ElementPath
from feeds.transforms.failure import ProductFailure
from feeds.transforms.rules.base import PerProductRule, SpecReader, rewrite_each

_ISO = re.compile(r"^(\s*)(\d{4})-(\d{2})-(\d{2})(.*)$", re.DOTALL)  # 2025-03-01, 2025-03-01T10:00+0100
_DMY = re.compile(r"^(\s*)(\d{1,2})([-.]) ?(\d{1,2})[-.] ?(\d{4})(\s*)$")  # 01-03-2025, 1. 3. 2025
_DAYS = re.compile(r"^\s*-?\d+\s*$")  # Heureka DELIVERY_DATE in days


def add_days(value: str, days: int) -> str:
    """The value moved by `days`; integers (days until delivery) are added to, dates are shifted."""
    if not value.strip():
        return value
    if _DAYS.match(value):
        return str(max(0, int(value) + days))
    try:
        if match := _ISO.match(value):
            lead, y, m, d, rest = match.groups()
            moved = date(int(y), int(m), int(d)) + timedelta(days=days)
            return f"{lead}{moved.isoformat()}{rest}"
        if match := _DMY.match(value):
            lead, d, sep, m, y, tail = match.groups()
            moved = date(int(y), int(m), int(d)) + timedelta(days=days)
            spaced = " " if f"{sep} " in value else ""
            day = f"{moved.day:02d}" if len(d) == 2 else str(moved.day)
            month = f"{moved.month:02d}" if len(m) == 2 else str(moved.month)
            return f"{lead}{day}{sep}{spaced}{month}{sep}{spaced}{moved.year}{tail}"
    except (ValueError, OverflowError) as exc:
        raise ProductFailure(f"{value.strip()!r} is not a valid date ({exc})") from exc
    raise ProductFailure(
        f"{value.strip()[:40]!r} is neither a date (YYYY-MM-DD, DD-MM-YYYY, D.M.YYYY) nor days"
    )


@dataclass(frozen=True)
class AddDaysRule(PerProductRule):
    """`batch_set_datetime`: add (or with a negative number, subtract) days."""

    element: ElementPath
    days: int

    @classmethod
    def from_spec(cls, r: SpecReader) -> AddDaysRule:
        return cls(r.path("element"), r.integer("days"))

    def apply_one(self, product: Product) -> bool:
        days = self.days
        return rewrite_each(self.element, product, lambda value: add_days(value, days))
