"""Mirakl offers CSV (`mirakl-offers`): the offer file Mirakl-run marketplaces import (API OF01), one row per offer.

An offer is what a seller sells of a product the marketplace already knows: its own sku, the product it
sells (`product-id` of type `product-id-type`), price, quantity, state, availability and discount dates.
It carries no product data (name, URL, images): those go to the marketplace's product import.

The column list is OF01's CSV format (developer.mirakl.com, "OF01 - Import a file to create, update or
delete offers"), which quotes its header as `"sku";"product-id";...`: the file is semicolon-delimited. Only the
offer columns the hub model can fill are written (plus the availability window, always empty from other
formats), so an import leaves the offer's other attributes (description, lead time, ...) as they were.
State `11` (new) is confirmed by operators' seller guides; other state codes are configured per
marketplace (OF61 lists them), so used/refurbished products get a state only when told which code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from feeds.channels.base import Channel, Sniffed
from feeds.channels.mirakl_rules import EAN_TYPE, mirakl_offer_rules, parse_mirakl_date
from feeds.channels.offer import Offer
from feeds.channels.options import ConvertOptions
from feeds.channels.reading import Handler, TableReader, set_decimal, set_text
from feeds.channels.writing import OfferWriter, check_currency
from feeds.decimal_text import parse_decimal
from feeds.exports.values import clean_gtin, format_decimal, gtin_to_ean13, parse_int
from feeds.gtin import is_valid_gtin
from feeds.model import Element, Product

MIRAKL_COLUMNS = (
    "sku", "product-id", "product-id-type", "price", "quantity", "state",
    "available-start-date", "available-end-date", "discount-price", "discount-start-date", "discount-end-date",
)  # fmt: skip
"""The OF01 columns Feedhub writes, in OF01's order apart from `state` beside `quantity` (order is free)."""

SHOP_SKU_TYPE = "SHOP_SKU"
AUTO_TYPE = "auto"
PRODUCT_ID_TYPES = (AUTO_TYPE, EAN_TYPE, SHOP_SKU_TYPE)
"""auto: EAN when the product has a valid one, else SHOP_SKU with the sku; EAN or SHOP_SKU: always that."""

NEW_STATE = "11"
DEFAULT_STATE_CODES: Mapping[str, str] = MappingProxyType({"new": NEW_STATE})
"""Hub condition -> Mirakl offer state code; only `new` is the same on every marketplace."""

NO_STOCK_COUNT = "no stock count in the source: quantity left empty"
BAD_EAN = "EAN with a bad check digit: product-id-type SHOP_SKU"
GTIN14 = "GTIN-14 has no EAN-13 form: product-id-type SHOP_SKU"
FORCED_EAN_MISSING = "product-id-type EAN forced but the product has no valid EAN: product-id left empty"


class MiraklOffersWriter(OfferWriter):
    """Offer -> one row of a Mirakl offers file.

    `product_id_type` decides how the offer names its product (PRODUCT_ID_TYPES); `state_codes` maps
    conditions to the marketplace's state codes (used/refurbished differ between marketplaces).
    """

    FIELDS = frozenset({"id", "gtin", "price", "list_price", "currency", "availability", "stock_qty", "condition"})
    ITEM = "offer"

    def __init__(
        self,
        options: ConvertOptions,
        *,
        warnings: Counter[str],
        dropped: Counter[str],
        product_id_type: str = AUTO_TYPE,
        state_codes: Mapping[str, str] = DEFAULT_STATE_CODES,
    ) -> None:
        if product_id_type not in PRODUCT_ID_TYPES:
            raise ValueError(f"product_id_type {product_id_type!r} is not one of {', '.join(PRODUCT_ID_TYPES)}")
        super().__init__(options, warnings=warnings, dropped=dropped)
        self.product_id_type = product_id_type
        self.state_codes = state_codes

    def write(self, offer: Offer) -> Product:
        """The offer as a row; a value the offer lacks stays empty and the validator says so."""
        check_currency(offer, self.options, self.warnings)
        product_id, id_type = self._product_id(offer)
        price, discount, start, end = self._prices(offer)
        cells = {
            "sku": offer.id,
            "product-id": product_id,
            "product-id-type": id_type,
            "price": price,
            "quantity": self._quantity(offer),
            "state": self._state(offer),
            "discount-price": discount,
            "discount-start-date": start,
            "discount-end-date": end,
        }
        return Product(self.ITEM, children=[Element(name, cells.get(name, "")) for name in MIRAKL_COLUMNS])

    def _product_id(self, offer: Offer) -> tuple[str, str]:
        if self.product_id_type == SHOP_SKU_TYPE:
            return offer.id, SHOP_SKU_TYPE
        ean = self._ean(offer)
        if ean:
            return ean, EAN_TYPE
        if self.product_id_type == EAN_TYPE:
            self.warnings[FORCED_EAN_MISSING] += 1
            return "", EAN_TYPE
        return offer.id, SHOP_SKU_TYPE

    def _ean(self, offer: Offer) -> str:
        """A valid EAN-8/13 (UPC-12 as 0 + UPC), or "" with a warning for a code that is not one."""
        if not offer.gtin:
            return ""
        if not is_valid_gtin(offer.gtin):
            self.warnings[BAD_EAN] += 1
            return ""
        ean = gtin_to_ean13(offer.gtin)
        if ean is None:
            self.warnings[GTIN14] += 1
        return ean or ""

    def _prices(self, offer: Offer) -> tuple[str, str, str, str]:
        """(price, discount-price, its start and end): a sale keeps its window; a list price is the price struck
        through, the current price the discount (Mirakl shows a discount as price + discount-price)."""
        if offer.sale_price is not None:
            start, _, end = offer.sale_dates.partition("/") if "/" in offer.sale_dates else ("", "", "")
            return _money(offer.price), _money(offer.sale_price), _date_text(start), _date_text(end)
        if offer.list_price is not None and offer.price is not None and offer.list_price > offer.price:
            return _money(offer.list_price), _money(offer.price), "", ""
        return _money(offer.price), "", "", ""

    def _quantity(self, offer: Offer) -> str:
        """The stock count as a whole number; 0 when the source says out of stock without a count; else ""."""
        text = offer.stock_qty.strip()
        if text:
            number = parse_decimal(text)
            if number is not None and number.is_finite() and number == number.to_integral_value():
                return str(int(number))
            return text  # not a count: written as it is, the validator reports it
        if offer.availability == "out_of_stock":
            return "0"
        self.warnings[NO_STOCK_COUNT] += 1
        return ""

    def _state(self, offer: Offer) -> str:
        """The state code of the offer's condition; a source that says none sells new goods (FORMATS.md 3)."""
        condition = offer.condition or "new"
        code = self.state_codes.get(condition, "")
        if not code:
            self.warnings[f"condition {condition} has no Mirakl state code configured: state left empty"] += 1
        return code


def _money(value: Decimal | None) -> str:
    """Two decimals, ROUND_HALF_UP, no currency (an offer's prices are in the marketplace's currency)."""
    return format_decimal(value) if value is not None else ""


def _date_text(text: str) -> str:
    """A date of Google's sale window as Mirakl takes it: `2026-03-01` or `2026-03-01T00:00:00+01:00`."""
    text = text.strip()
    parsed = parse_mirakl_date(text)
    if parsed is None:
        return text  # written as the source has it: the validator names it
    return parsed.isoformat(timespec="seconds") if isinstance(parsed, datetime) else parsed.isoformat()


def _quantity(offer: Offer, element: Element) -> None:
    """The count, and availability from it as a generic feed's stock column gives it."""
    offer.stock_qty = element.text.strip()
    count = parse_int(offer.stock_qty)
    if count is not None and not offer.availability:
        offer.availability = "in_stock" if count > 0 else "out_of_stock"


def _state(offer: Offer, element: Element) -> None:
    code = element.text.strip()
    offer.condition = next((c for c, s in DEFAULT_STATE_CODES.items() if s == code), offer.condition)


def _paired(offer: Offer, element: Element) -> None:
    """product-id with its type, and discount dates: read together in MiraklOffersReader.read."""


MIRAKL_TABLE: dict[str, tuple[str, Handler]] = {
    "sku": ("id", set_text("id")),
    "product-id": ("gtin", _paired),
    "product-id-type": ("gtin", _paired),
    "price": ("price", set_decimal("price")),
    "discount-price": ("price", set_decimal("sale_price")),
    "discount-start-date": ("price", _paired),
    "discount-end-date": ("price", _paired),
    "quantity": ("stock_qty", _quantity),
    "state": ("condition", _state),
}
"""Column -> (hub field, handler); the availability window, which has no hub field, is MiraklOffersReader's."""

AVAILABLE_DATES = ("available-start-date", "available-end-date")


class MiraklOffersReader(TableReader):
    """Reads a Mirakl offers file back into Offers: for round trips, and to convert offers to other channels."""

    def __init__(self, *, target: str, target_fields: Collection[str], warnings: Counter[str]) -> None:
        table = {**MIRAKL_TABLE, **{name: ("id", self._available_date) for name in AVAILABLE_DATES}}
        super().__init__(table, target=target, target_fields=target_fields, warnings=warnings)

    def _available_date(self, offer: Offer, element: Element) -> None:
        """No hub field holds an offer's availability window: a date is dropped and counted, an empty cell is not.

        Filed under `id`, which every target carries, so the table's own per-element count stays out of it.
        """
        if element.text.strip():
            self.warnings[self.drop_message(element.name)] += 1

    def read(self, product: Product) -> Offer:
        """The row as an Offer: an EAN product-id becomes the GTIN, discount dates the sale window."""
        offer = super().read(product)
        cells = {child.name: child.text.strip() for child in product.children if child.name in _PAIRED}
        if cells.get("product-id-type", "").upper() == EAN_TYPE and cells.get("product-id"):
            offer.gtin = clean_gtin(cells["product-id"])
        start, end = cells.get("discount-start-date", ""), cells.get("discount-end-date", "")
        if start or end:
            offer.sale_dates = f"{start}/{end}"
        return offer


_PAIRED = frozenset({"product-id", "product-id-type", "discount-start-date", "discount-end-date"})


def _is_mirakl_offers(seen: Sniffed) -> bool:
    """A delimited header naming Mirakl's offer key columns (OF01: sku, product-id, product-id-type)."""
    columns = {name.strip().strip('"').casefold() for name in seen.columns}
    return bool(seen.delimiter) and {"sku", "product-id", "product-id-type"} <= columns


MIRAKL_OFFERS = Channel(
    key="mirakl-offers",
    title="Mirakl offers CSV",
    extension=".csv",
    media_type="text/csv",
    kind="csv",
    detect=_is_mirakl_offers,
    reader=lambda target, fields, warnings: MiraklOffersReader(target=target, target_fields=fields,
                                                               warnings=warnings),
    writer=lambda options, warnings, dropped: MiraklOffersWriter(options, warnings=warnings, dropped=dropped),
    rules=lambda delivery_ids: mirakl_offer_rules(),
    delimiter=";",
    columns=MIRAKL_COLUMNS,
    invalid_policy="drop",
    offers_only=True,
)
