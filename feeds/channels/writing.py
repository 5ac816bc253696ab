"""What every writer shares: the counters, and the decisions several targets make the same way.

Writers never invent values: a field the Offer lacks is left out and the validator reports it.
Value-level losses (a bad check digit, a GTIN-14 for Heureka) are counted in `warnings`;
products a target cannot list (out of stock for Heureka/Zboží) are counted in `dropped`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, timedelta

from feeds.channels.offer import Offer
from feeds.channels.options import ConvertOptions
from feeds.exports.values import gtin_to_ean13, isbn10_to_13
from feeds.gtin import is_valid_gtin
from feeds.model import Element, Product

HEUREKA_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
HASH_HEX_CHARS = 8


class OfferWriter:
    """Base of the writers: options, counters, and the hub fields the target can carry."""

    FIELDS: frozenset[str] = frozenset()
    ITEM = ""

    def __init__(self, options: ConvertOptions, *, warnings: Counter[str], dropped: Counter[str]) -> None:
        self.options = options
        self.warnings = warnings
        self.dropped = dropped

    def write(self, offer: Offer) -> Product | None:
        """The offer as a product of the target format, or None when the target cannot list it."""
        raise NotImplementedError


def add(children: list[Element], name: str, text: str | None) -> None:
    """Append `<name>text</name>` when there is a text to write."""
    if text:
        children.append(Element(name, text))


def shorten_id(value: str, limit: int) -> str:
    """An id cut to `limit` characters, ending in a short hash of the full id: unique and stable."""
    if len(value) <= limit:
        return value
    digest = hashlib.blake2b(value.encode("utf-8"), digest_size=HASH_HEX_CHARS // 2).hexdigest()
    return f"{value[: limit - HASH_HEX_CHARS - 1]}_{digest}"


def heureka_id(value: str, limit: int | None = 36) -> str:
    """An ITEM_ID in Heureka's `[A-Za-z0-9_-]`, at most `limit` long: other characters become `_`."""
    if not HEUREKA_ID_CHARS.issuperset(value):
        value = "".join(c if c in HEUREKA_ID_CHARS else "_" for c in value)
    return shorten_id(value, limit) if limit else value


def unique_images(offer: Offer, limit: int, warnings: Counter[str]) -> list[str]:
    """Additional images without repeats or the main image, at most `limit`."""
    seen = {offer.image}
    images = []
    for url in offer.images:
        if url not in seen:
            seen.add(url)
            images.append(url)
    if len(images) > limit:
        warnings[f"more than {limit} additional images; the rest dropped"] += 1
        del images[limit:]
    return images


def ean_for_shopitem(offer: Offer, warnings: Counter[str]) -> str:
    """The EAN Heureka/Zboží take: a valid EAN-8/13, UPC-12 as 0 + UPC; else "" with a warning."""
    code = offer.gtin
    if not code:
        return ""
    if not is_valid_gtin(code):
        warnings["EAN with a bad check digit dropped"] += 1
        return ""
    ean = gtin_to_ean13(code)
    if ean is None:
        warnings["GTIN-14 has no Heureka form; dropped"] += 1
        return ""
    return ean


def google_gtin(offer: Offer, warnings: Counter[str]) -> str:
    """A valid GTIN for Google: the EAN/gtin, else the ISBN as ISBN-13; invalid codes dropped, warned."""
    if offer.gtin:
        if is_valid_gtin(offer.gtin):
            return offer.gtin
        warnings["gtin with a bad check digit dropped"] += 1
    if offer.isbn:
        isbn13 = isbn10_to_13(offer.isbn)
        if isbn13 is None:
            warnings["invalid ISBN dropped"] += 1
        return isbn13 or ""
    return ""


MAX_DELIVERY_DAYS = 3650
"""More days than this is no delivery promise (and would overflow a date): read as not available."""


def google_availability(offer: Offer, options: ConvertOptions) -> tuple[str, date | None]:
    """Google availability and date from what the source said (FORMATS.md 3, Availability).

    Days up to `in_stock_days` are in stock; more days are a backorder from today + days; a date
    is a preorder when the release date is still ahead, else a backorder. A source that says nothing of
    stock gives "": publishing it as out of stock would hide every product of a feed whose stock column
    we did not read (writers leave availability out and warn; channel validation reports the product).
    """
    if offer.availability:
        return offer.availability, offer.available_date
    if offer.delivery_days is not None:
        days = offer.delivery_days
        if days <= options.in_stock_days:
            return "in_stock", None
        if days > MAX_DELIVERY_DAYS:  # an EAN typed into DELIVERY_DATE, say: no date to promise
            return "out_of_stock", None
        return "backorder", options.today + timedelta(days=days)
    if offer.available_date is not None:
        if offer.available_date <= options.today:
            return "in_stock", None
        ahead = offer.release_date is not None and offer.release_date > options.today
        return ("preorder" if ahead else "backorder"), offer.available_date
    return "", None


NO_STOCK_SIGNAL = ("the source says nothing of stock (no availability, stock count or delivery time): "
                   "availability left out")


def delivery_date(offer: Offer, options: ConvertOptions, warnings: Counter[str]) -> str | None:
    """DELIVERY_DATE: days or `YYYY-MM-DD`; "" if the source says nothing; None when out of stock."""
    if offer.availability == "out_of_stock":
        return None
    if offer.delivery_days is not None:
        return str(offer.delivery_days)
    if offer.available_date is not None and offer.availability != "in_stock":
        return offer.available_date.isoformat()
    if offer.availability == "in_stock":
        return "0"
    if offer.availability:  # preorder/backorder with no date
        warnings[f"{offer.availability} without a date; DELIVERY_DATE set to {options.backorder_days}"] += 1
        return str(options.backorder_days)
    return ""


def check_currency(offer: Offer, options: ConvertOptions, warnings: Counter[str]) -> None:
    """Heureka/Zboží/Mergado prices carry no currency: warn when the source's differs from the target's."""
    if offer.currency and offer.currency != options.target_currency:
        warnings[
            f"prices in {offer.currency} written unconverted for a {options.target_currency} channel"
        ] += 1
