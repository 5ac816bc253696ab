"""Billing's data, read from the `billing_settings` table: the supplier, VAT rates by country and a price
list per currency. They change without a release (an administrator edits the table); the code holds
only the rules that apply them: which rate a customer pays, and when the reverse charge applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.errors import AccountsError
from accounts.models import BillingSetting
from accounts.pricing import PriceList

# Member states of the EU (ISO 3166 codes; Greece's VAT ids start with EL, its country code is GR).
EU_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the customer (Article 196, Council Directive 2006/112/EC)."
)


class BillingSettingsMissing(AccountsError):
    """The table lacks what billing needs (a currency's price list, the supplier's rate)."""


@dataclass(frozen=True)
class VatTreatment:
    """The VAT rate of one customer, and the note the invoice carries for it."""

    rate: Decimal
    note: str = ""


@dataclass(frozen=True)
class BillingSettings:
    """The supplier, VAT rates by customer country, price lists by currency."""

    supplier: dict[str, str]
    vat_rates: dict[str, Decimal]
    price_lists: dict[str, PriceList]

    @property
    def supplier_rate(self) -> Decimal:
        """VAT of the supplier's own country: the rate wherever no other rule applies."""
        country = self.supplier.get("country", "")
        if country not in self.vat_rates:
            raise BillingSettingsMissing(f"billing settings: no VAT rate for the supplier's country {country!r}")
        return self.vat_rates[country]

    def price_list(self, currency: str) -> PriceList:
        """The price list in `currency`."""
        if currency not in self.price_lists:
            known = ", ".join(sorted(self.price_lists))
            raise BillingSettingsMissing(f"billing settings: no price list in {currency!r} (there are: {known})")
        return self.price_lists[currency]

    def vat_for(self, country: str, vat_id: str) -> VatTreatment:
        """The supplier's country pays its rate. A business elsewhere in the EU with a VAT id: reverse charge.
        A consumer in an EU country with a rate of its own in the table: that rate. Otherwise the supplier's."""
        country = country.strip().upper()
        if country == self.supplier.get("country"):
            return VatTreatment(self.supplier_rate)
        if country in EU_COUNTRIES and vat_id.strip():
            return VatTreatment(Decimal("0"), REVERSE_CHARGE_NOTE)
        if country in self.vat_rates:
            return VatTreatment(self.vat_rates[country])
        return VatTreatment(self.supplier_rate)

    @property
    def currencies(self) -> list[str]:
        """The currencies a billing profile may choose."""
        return sorted(self.price_lists)


def load_billing_settings(session: Session) -> BillingSettings:
    """The settings as stored now."""
    stored: dict[str, Any] = dict(session.execute(select(BillingSetting.key, BillingSetting.value)).tuples().all())
    return BillingSettings(
        supplier={str(k): str(v) for k, v in stored.get("supplier", {}).items()},
        vat_rates={str(k).upper(): Decimal(str(v)) for k, v in stored.get("vat_rates", {}).items()},
        price_lists={str(currency): PriceList.from_spec(tiers, str(currency))
                     for currency, tiers in stored.get("price_lists", {}).items()},
    )


KEYS = ("supplier", "vat_rates", "price_lists")


def store_billing_setting(session: Session, key: str, value: Any) -> None:
    """Replace one setting; the caller checks the whole with `load_billing_settings` before committing."""
    if key not in KEYS:
        raise KeyError(f"unknown billing setting {key!r}; known: {', '.join(KEYS)}")
    session.merge(BillingSetting(key=key, value=value))
    session.flush()
