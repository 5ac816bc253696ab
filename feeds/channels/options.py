"""Per-export conversion settings: everything a mapping cannot learn from the feed itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

COUNTRY_CURRENCY = {"CZ": "CZK", "SK": "EUR", "PL": "PLN", "HU": "HUF", "DE": "EUR", "AT": "EUR", "US": "USD"}

IN_STOCK_DAYS = 3
"""Heureka DELIVERY_DATE up to this many days still counts as Google in_stock ("ships promptly")."""

BACKORDER_DAYS = 14
"""DELIVERY_DATE written for a Google backorder/preorder that names no availability_date."""


@dataclass(frozen=True)
class ConvertOptions:
    """Settings of one conversion; the defaults suit a Czech shop.

    currency None means: what the source says (Google prices carry it), else the country's
    currency (.cz -> CZK, .sk -> EUR). `delivery_ids` maps Google shipping services to
    Heureka/Zboží DELIVERY_ID codes; an unmapped service falls back to `default_delivery_id`.
    """

    currency: str | None = None
    country: str = "CZ"
    today: date = field(default_factory=date.today)
    in_stock_days: int = IN_STOCK_DAYS
    backorder_days: int = BACKORDER_DAYS
    delivery_ids: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    default_delivery_id: str = "VLASTNI_PREPRAVA"
    feed_title: str = ""
    feed_link: str = ""
    feed_description: str = ""
    escape_formulas: bool = True  # CSV/TSV: a leading ' on cells a spreadsheet would run as formulas
    # Channel defaults: what the channel requires and the source may lack (Heureka and Zboží)
    default_delivery: tuple[tuple[str, Decimal, Decimal | None], ...] = ()  # (DELIVERY_ID, price, COD price)
    default_category: str = ""  # CATEGORYTEXT when the source names no category
    google_taxonomy: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # id -> category path

    @property
    def target_currency(self) -> str:
        """The currency prices are written in when the source does not say one."""
        return self.currency or COUNTRY_CURRENCY.get(self.country.upper(), "EUR")
