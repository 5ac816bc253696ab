"""Offer -> Mergado Product XML 1.10 ITEM: dot decimals, `dd-mm-yyyy` dates, 0/1 booleans (FORMATS.md 1.6)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from feeds.channels.offer import Offer, current_price, original_price
from feeds.channels.options import ConvertOptions
from feeds.channels.writing import (
    NO_STOCK_SIGNAL,
    OfferWriter,
    add,
    google_availability,
    heureka_id,
    unique_images,
)
from feeds.exports.values import format_decimal
from feeds.model import Element, Product

MAX_IMAGES = 20
_ATTR_ELEMENTS = {"color": "COLOR", "size": "SIZE", "gender": "GENDER", "material": "MATERIAL"}
_AVAILABILITY = {
    "in_stock": "in stock",
    "out_of_stock": "out of stock",
    "preorder": "preorder",
    "backorder": "preorder",
}  # Mergado has no backorder; orderable-later is its preorder
MERGADO_FIELDS = frozenset(
    {
        "id",
        "group_id",
        "name",
        "name_commercial",
        "description",
        "url",
        "image",
        "images",
        "video",
        "price",
        "list_price",
        "vat_rate",
        "currency",
        "brand",
        "gtin",
        "isbn",
        "mpn",
        "identifier_exists",
        "params",
        "availability",
        "stock_qty",
        "shipping",
        "accessories",
        "gift",
        "extra_messages",
        "zbozi_cpc",
        "zbozi_cpc_search",
        "condition",
        "categories",
        "custom_labels",
        "release_date",
    }
)


def _number(value: Decimal | None) -> str:
    return format_decimal(value) if value is not None else ""


class MergadoWriter(OfferWriter):
    """Writes Mergado ITEMs; every offer is kept (Mergado itself decides per channel)."""

    ITEM = "ITEM"
    FIELDS = MERGADO_FIELDS

    def __init__(self, options: ConvertOptions, *, warnings: Counter[str], dropped: Counter[str]) -> None:
        super().__init__(options, warnings=warnings, dropped=dropped)

    def write(self, offer: Offer) -> Product | None:
        """The ITEM for this offer."""
        out: list[Element] = []
        self._texts(offer, out)
        self._prices(offer, out)
        self._identifiers(offer, out)
        self._availability(offer, out)
        self._relations(offer, out)
        return Product(self.ITEM, children=out)

    def _texts(self, offer: Offer, out: list[Element]) -> None:
        add(out, "ITEM_ID", heureka_id(offer.id, None))
        add(out, "ITEMGROUP_ID", heureka_id(offer.group_id, None))
        add(out, "NAME_EXACT", offer.name)
        add(out, "NAME_COMMERCIAL", offer.name_commercial)
        add(out, "DESCRIPTION", offer.description)
        add(out, "URL", offer.url)
        add(out, "IMAGE", offer.image)
        for url in unique_images(offer, MAX_IMAGES, self.warnings):
            add(out, "IMAGE_ALTERNATIVE", url)
        add(out, "VIDEO", offer.video)
        add(out, "CATEGORY", " | ".join(offer.categories))

    def _prices(self, offer: Offer, out: list[Element]) -> None:
        today = self.options.today
        add(out, "PRICE", _number(offer.price_net))
        add(out, "PRICE_VAT", _number(current_price(offer, today)))
        add(out, "PRICE_RETAIL_VAT", _number(original_price(offer, today)))
        add(out, "VAT", _number(offer.vat_rate).removesuffix(".00"))
        add(out, "CURRENCY", offer.currency or self.options.target_currency)
        add(out, "CPC", _number(offer.zbozi_cpc))
        add(out, "CPC_FULLTEXT", _number(offer.zbozi_cpc_search))

    def _identifiers(self, offer: Offer, out: list[Element]) -> None:
        add(out, "BRAND", offer.brand)
        add(out, "EAN", offer.gtin)
        add(out, "ISBN", offer.isbn)
        add(out, "PRODUCTNO", offer.mpn)
        add(out, "IDENTIFIER_EXISTS", {"no": "0", "yes": "1"}.get(offer.identifier_exists, ""))
        add(out, "CONDITION", offer.condition)
        for param in offer.params:
            if not param.name and param.attr in _ATTR_ELEMENTS:
                add(out, _ATTR_ELEMENTS[param.attr], param.value)
            else:
                name = param.name or param.attr
                out.append(Element("PARAM", children=[Element("NAME", name), Element("VALUE", param.value)]))

    def _availability(self, offer: Offer, out: list[Element]) -> None:
        availability, when = google_availability(offer, self.options)
        if not availability:
            self.warnings[NO_STOCK_SIGNAL] += 1
        add(out, "AVAILABILITY", _AVAILABILITY.get(availability, ""))
        days = offer.delivery_days
        if days is None and when is not None:
            days = max((when - self.options.today).days, 0)
        add(out, "DELIVERY_DAYS", str(days) if days is not None else "")
        add(out, "STOCK_QUANTITY", offer.stock_qty)
        for option in offer.shipping:
            children = [Element("ID", option.service)]
            add(children, "PRICE", _number(option.price))
            add(children, "PRICE_COD", _number(option.price_cod))
            out.append(Element("DELIVERY", children=children))

    def _relations(self, offer: Offer, out: list[Element]) -> None:
        for accessory in offer.accessories:
            add(out, "ACCESSORY", heureka_id(accessory, None))
        add(out, "BENEFIT", offer.gift)
        for message in offer.extra_messages:
            add(out, "EXTRA_MESSAGE", message)
        for index, label in sorted(offer.custom_labels.items()):
            add(out, f"CUSTOM_LABEL_{index}", label)
        add(out, "RELEASE_DATE", offer.release_date.strftime("%d-%m-%Y") if offer.release_date else "")
