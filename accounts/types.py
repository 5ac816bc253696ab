"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no time zones and no decimals: datetimes are stored as naive UTC and come back aware;
money is stored as integer cents and comes back as Decimal, so no float ever touches an amount.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Enum, String, TypeDecorator

CENT = Decimal("0.01")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC; naive input is refused rather than guessed."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Money(TypeDecorator[Decimal]):
    """A Decimal amount with two places, stored as integer cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value != value.quantize(CENT):
            raise ValueError(f"amount {value} has more than two decimal places; round it first")
        return int(value * 100)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(value) / 100).quantize(CENT)


class DecimalText(TypeDecorator[Decimal]):
    """An exact Decimal (a rate such as 0.21) stored as text."""

    impl = String(24)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def enum_column(cls: type[enum.Enum]) -> Enum:
    """A portable enum column: lowercase member names as VARCHAR, no native PostgreSQL type."""

    def names(members: Any) -> list[str]:
        return [member.name.lower() for member in members]

    return Enum(cls, native_enum=False, length=16, values_callable=names, validate_strings=True)
