"""The hub model every conversion passes through: one `Offer` per product, in channel-neutral terms.

It follows FORMATS.md's suggested canonical model (a Mergado-like superset): values are parsed
once on the way in (Decimal prices, int days, dates, category segments) and formatted once on the
way out, so each reader and writer deals with one format only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from feeds.exports.values import parse_iso_date
from feeds.model import Element


@dataclass(slots=True)
class Param:
    """One product parameter; `attr` is the Google attribute it stands for (`color`...) or "" if free.

    `name` is the source's own wording (`Barva`, `Farba`); a Google-born variant attribute has
    no wording, and the Heureka-family writers pick a localised name for it.
    """

    name: str
    value: str
    attr: str = ""


@dataclass(slots=True)
class Shipping:
    """One delivery option: carrier/service, country and prices in the offer's currency."""

    service: str = ""
    country: str = ""
    price: Decimal | None = None
    price_cod: Decimal | None = None


@dataclass(slots=True)
class Offer:
    """One offer (variant) in channel-neutral form."""

    id: str = ""
    group_id: str = ""
    name: str = ""
    name_commercial: str = ""
    description: str = ""  # as the source has it: may be HTML
    url: str = ""
    image: str = ""
    images: list[str] = field(default_factory=list)
    video: str = ""
    price: Decimal | None = None  # the regular price, VAT included (Google price, Heureka PRICE_VAT)
    sale_price: Decimal | None = None  # Google sale_price, active within sale_dates
    sale_dates: str = ""  # Google sale_price_effective_date, kept as written (`start/end`)
    list_price: Decimal | None = (
        None  # an original price above `price` (Zboží LIST_PRICE, Mergado PRICE_RETAIL_VAT)
    )
    price_net: Decimal | None = None  # legacy price without VAT (Heureka 2011 PRICE, Mergado PRICE)
    currency: str = ""  # "" when the source format carries none (Heureka)
    vat_rate: Decimal | None = None  # percent
    availability: str = ""  # Google's underscore form, or "" when the source says it in days
    available_date: date | None = None
    delivery_days: int | None = None
    stock_qty: str = ""
    brand: str = ""
    gtin: str = ""
    isbn: str = ""
    mpn: str = ""
    identifier_exists: str = ""  # "yes" / "no" / "" unknown
    condition: str = ""  # new / used / refurbished, "" unknown
    categories: list[str] = field(default_factory=list)
    google_category: str = ""
    params: list[Param] = field(default_factory=list)
    shipping: list[Shipping] = field(default_factory=list)
    heureka_cpc: Decimal | None = None
    zbozi_cpc: Decimal | None = None
    zbozi_cpc_search: Decimal | None = None
    custom_labels: dict[int, str] = field(default_factory=dict)
    accessories: list[str] = field(default_factory=list)
    gift: str = ""
    extra_messages: list[str] = field(default_factory=list)
    release_date: date | None = None
    google_extra: list[Element] = field(
        default_factory=list
    )  # other Google-vocabulary attributes, unprefixed


def sale_active(offer: Offer, today: date) -> bool:
    """Whether the offer's sale_price applies today (no window means always)."""
    if offer.sale_price is None:
        return False
    if "/" not in offer.sale_dates:
        return True
    start_text, end_text = offer.sale_dates.split("/", 1)
    start, end = parse_iso_date(start_text), parse_iso_date(end_text)
    return (start is None or start <= today) and (end is None or today <= end)


def current_price(offer: Offer, today: date) -> Decimal | None:
    """What the buyer pays today: the sale price while a sale runs, else the regular price."""
    return offer.sale_price if sale_active(offer, today) else offer.price


def original_price(offer: Offer, today: date) -> Decimal | None:
    """The higher "was" price to show beside the current one, or None when there is no discount."""
    if sale_active(offer, today):
        return offer.price
    if offer.list_price is not None and offer.price is not None and offer.list_price > offer.price:
        return offer.list_price
    return None
