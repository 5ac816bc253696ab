"""Conversion of products between channels, through one hub model (`Offer`).

Why a hub and not one mapping per pair: seven channel formats make 42 directed pairs, but only
three vocabularies (Heureka/Zboží SHOPITEM, Google/Meta, Mergado). A reader per vocabulary
(product -> Offer) and a writer per target (Offer -> product) cover every pair with 3 + 4
small modules, each knowing one format; values (prices, days, GTINs, categories) are parsed
once and formatted once. FORMATS.md suggests this canonical model. The cost is one small
slotted object per product, measured well inside the 3x-of-iterparse budget.

Identity: same source and target returns the product itself; any target `csv`/`tsv`/`xml`
keeps the source's own elements (the writer flattens them). A generic `csv`/`tsv`/`xml` source
reaches a channel format through a case-insensitive alias table; what has no alias is dropped.

Elements the target cannot carry are dropped and counted per element name in `warnings`;
products the target cannot list (out of stock for Heureka/Zboží) are counted in `dropped`.
"""

from __future__ import annotations

from collections import Counter

from feeds.channels import get_channel
from feeds.channels.offer import Offer
from feeds.channels.options import ConvertOptions
from feeds.exports.values import parse_price
from feeds.model import Product


class IdentityConverter:
    """Same format (or a generic target): the product goes through untouched, not even copied. Nothing is
    converted, so a currency the options ask for that differs from the prices' own is said, per product."""

    PRICE_ELEMENTS = ("g:price", "price", "g:sale_price", "sale_price")

    def __init__(self, currency: str | None = None) -> None:
        self.warnings: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self._currency = currency

    def convert(self, product: Product) -> Product | None:
        """The product itself."""
        if self._currency:
            self._check_currency(product)
        return product

    def _check_currency(self, product: Product) -> None:
        for child in product.children:
            if child.name in self.PRICE_ELEMENTS:
                _, currency = parse_price(child.text)
                if currency and currency != self._currency:
                    self.warnings[f"prices in {currency} kept unconverted (options ask for {self._currency}; "
                                  "Feedhub has no exchange rates)"] += 1
                return


class HubConverter:
    """Reads a product into an Offer with the source's reader, writes it with the target's writer."""

    def __init__(self, source_key: str, target_key: str, options: ConvertOptions) -> None:
        self.warnings: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        make_writer = get_channel(target_key).writer
        assert make_writer is not None, "make_converter sends generic targets to IdentityConverter"
        self._writer = make_writer(options, self.warnings, self.dropped)
        self._reader = get_channel(source_key).reader(target_key, self._writer.FIELDS, self.warnings)

    def convert(self, product: Product) -> Product | None:
        """The product in the target format, or None when the target cannot list it (see `dropped`)."""
        out = self._writer.write(self._reader.read(product))
        if out is not None:
            out.line = product.line
        return out

    def offer(self, product: Product) -> Offer:
        """The hub form of a product, for inspection and tests."""
        return self._reader.read(product)


Converter = IdentityConverter | HubConverter


def make_converter(source_key: str, target_key: str, options: ConvertOptions | None = None) -> Converter:
    """The converter from one channel to another (unknown keys raise UnknownFormat)."""
    get_channel(source_key)
    if source_key == target_key or get_channel(target_key).writer is None:
        return IdentityConverter((options or ConvertOptions()).currency)
    return HubConverter(source_key, target_key, options or ConvertOptions())


__all__ = ["ConvertOptions", "Converter", "HubConverter", "IdentityConverter", "make_converter"]
