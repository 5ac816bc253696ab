"""Prices as data: billing periods with their discounts, price tiers by exported products, VAT. The price
lists and rates themselves are rows of `billing_settings` (accounts.billing_settings), not code.

Pure arithmetic on Decimal with ROUND_HALF_UP to the cent; no float and no database here, so the
numbers can be tested and changed in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from accounts.errors import UnknownBillingPeriod
from accounts.types import CENT


@dataclass(frozen=True)
class BillingPeriod:
    """How many months one invoice covers, and the discount for paying that far ahead."""

    months: int
    discount: Decimal  # 0.10 = 10 %


BILLING_PERIODS: dict[str, BillingPeriod] = {
    "monthly": BillingPeriod(months=1, discount=Decimal("0")),
    "half-yearly": BillingPeriod(months=6, discount=Decimal("0.10")),
    "yearly": BillingPeriod(months=12, discount=Decimal("0.20")),
}
DEFAULT_BILLING_PERIOD = "monthly"


def billing_period(name: str) -> BillingPeriod:
    """The period called `name`, or an error listing the known ones."""
    try:
        return BILLING_PERIODS[name]
    except KeyError:
        raise UnknownBillingPeriod(name, list(BILLING_PERIODS)) from None


@dataclass(frozen=True)
class PriceTier:
    """A plan: shops exporting up to `max_products` pay `monthly_price`; None means no upper bound."""

    name: str
    max_products: int | None
    monthly_price: Decimal


@dataclass(frozen=True)
class PriceList:
    """Tiers in ascending order of `max_products`, the last one unbounded."""

    tiers: tuple[PriceTier, ...]
    currency: str = "CZK"

    def __post_init__(self) -> None:
        bounds = [tier.max_products for tier in self.tiers]
        if not bounds or bounds[-1] is not None or None in bounds[:-1]:
            raise ValueError("a price list needs tiers ending with exactly one unbounded tier")
        finite = [bound for bound in bounds[:-1] if bound is not None]
        if finite != sorted(set(finite)):
            raise ValueError("price tiers must be in strictly ascending order of max_products")

    @classmethod
    def from_spec(cls, tiers: Iterable[Mapping[str, Any]], currency: str = "CZK") -> PriceList:
        """Build from plain data, e.g. JSON: [{"name", "max_products", "monthly_price": "290"}]."""
        return cls(
            tuple(
                PriceTier(str(t["name"]), t.get("max_products"), Decimal(str(t["monthly_price"])))
                for t in tiers
            ),
            currency,
        )

    def tier_for(self, products: int) -> PriceTier:
        """The cheapest tier that covers `products` exported products."""
        return next(t for t in self.tiers if t.max_products is None or products <= t.max_products)


@dataclass(frozen=True)
class Quote:
    """The amounts of one invoice."""

    tier: PriceTier
    period: BillingPeriod
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    total: Decimal


def money(amount: Decimal) -> Decimal:
    """Round to the cent, halves up (the commercial rule, not banker's rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def quote(price_list: PriceList, period_name: str, products: int, vat_rate: Decimal) -> Quote:
    """tier price x months x (1 - discount), then VAT on the rounded net."""
    period = billing_period(period_name)
    tier = price_list.tier_for(products)
    net = money(tier.monthly_price * period.months * (1 - period.discount))
    vat = money(net * vat_rate)
    return Quote(tier, period, net, vat_rate, vat, net + vat)
