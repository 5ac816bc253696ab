"""Mergado Product XML 1.10 ITEM -> Offer (FORMATS.md 1.6: PARAM NAME/VALUE, DELIVERY ID/PRICE/PRICE_COD)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from feeds.channels.offer import Offer, Param, Shipping
from feeds.channels.params import param_attr
from feeds.channels.reading import (
    Handler,
    TableReader,
    add_images,
    append_text,
    custom_label_entries,
    price_with_net,
    set_date,
    set_decimal,
    set_gtin,
    set_images,
    set_text,
    text_of,
)
from feeds.decimal_text import parse_decimal
from feeds.exports.values import (
    normalize_availability,
    parse_int,
    parse_vat_rate,
    split_category,
    strip_default_title,
)
from feeds.model import Element, Product

_ATTRS = {"COLOR": "color", "SIZE": "size", "GENDER": "gender", "MATERIAL": "material"}


def _name(offer: Offer, element: Element) -> None:
    offer.name = strip_default_title(text_of(element))


def _vat(offer: Offer, element: Element) -> None:
    offer.vat_rate = parse_vat_rate(element.text)


def _price_net(offer: Offer, element: Element) -> None:
    offer.price_net = parse_decimal(element.text)


def _categories(offer: Offer, element: Element) -> None:
    if not offer.categories:
        offer.categories = split_category(element.text)


def _param(offer: Offer, element: Element) -> None:
    name, value = element.get("NAME").strip(), element.get("VALUE").strip()
    if name and value:
        offer.params.append(Param(name, value, param_attr(name)))


def _variant_attr(offer: Offer, element: Element) -> None:
    if text_of(element):
        offer.params.append(Param("", text_of(element), _ATTRS[element.name]))


def _availability(offer: Offer, element: Element) -> None:
    offer.availability = normalize_availability(element.text)


def _delivery_days(offer: Offer, element: Element) -> None:
    offer.delivery_days = parse_int(element.text)


def _delivery(offer: Offer, element: Element) -> None:
    offer.shipping.append(
        Shipping(
            service=element.get("ID").strip(),
            price=parse_decimal(element.get("PRICE")),
            price_cod=parse_decimal(element.get("PRICE_COD")),
        )
    )


def _identifier_exists(offer: Offer, element: Element) -> None:
    offer.identifier_exists = {"0": "no", "1": "yes"}.get(text_of(element), "")


def _condition(offer: Offer, element: Element) -> None:
    offer.condition = text_of(element).lower()


def _extra_message(offer: Offer, element: Element) -> None:
    if text_of(element) and text_of(element) not in offer.extra_messages:
        offer.extra_messages.append(text_of(element))


MERGADO_TABLE: dict[str, tuple[str, Handler]] = {
    "ITEM_ID": ("id", set_text("id")),
    "ITEMGROUP_ID": ("group_id", set_text("group_id")),
    "NAME_EXACT": ("name", _name),
    "NAME_COMMERCIAL": ("name_commercial", set_text("name_commercial")),
    "DESCRIPTION": ("description", set_text("description")),
    "URL": ("url", set_text("url")),
    "IMAGE": ("image", set_images),
    "IMAGE_ALTERNATIVE": ("images", add_images),
    "VIDEO": ("video", set_text("video")),
    "PRICE": ("price", _price_net),
    "PRICE_VAT": ("price", set_decimal("price")),
    "PRICE_RETAIL_VAT": ("list_price", set_decimal("list_price")),
    "VAT": ("vat_rate", _vat),
    "CURRENCY": ("currency", set_text("currency")),
    "BRAND": ("brand", set_text("brand")),
    "PRODUCER": ("brand", set_text("brand")),
    "EAN": ("gtin", set_gtin),
    "ISBN": ("isbn", set_text("isbn")),
    "PRODUCTNO": ("mpn", set_text("mpn")),
    "IDENTIFIER_EXISTS": ("identifier_exists", _identifier_exists),
    "PARAM": ("params", _param),
    **{name: ("params", _variant_attr) for name in _ATTRS},
    "AVAILABILITY": ("availability", _availability),
    "DELIVERY_DAYS": ("availability", _delivery_days),
    "STOCK_QUANTITY": ("stock_qty", set_text("stock_qty")),
    "DELIVERY": ("shipping", _delivery),
    "ACCESSORY": ("accessories", append_text("accessories")),
    "BENEFIT": ("gift", set_text("gift")),
    "EXTRA_MESSAGE": ("extra_messages", _extra_message),
    "CPC": ("zbozi_cpc", set_decimal("zbozi_cpc")),
    "CPC_FULLTEXT": ("zbozi_cpc_search", set_decimal("zbozi_cpc_search")),
    "CONDITION": ("condition", _condition),
    "CATEGORY": ("categories", _categories),
    "PRODUCT_TYPE": ("categories", _categories),
    "RELEASE_DATE": ("release_date", set_date("release_date")),
    **custom_label_entries("CUSTOM_LABEL_"),
}


class MergadoReader(TableReader):
    """Reads Mergado ITEMs."""

    def __init__(self, *, target: str, target_fields: Collection[str], warnings: Counter[str]) -> None:
        super().__init__(MERGADO_TABLE, target=target, target_fields=target_fields, warnings=warnings)

    def read(self, product: Product) -> Offer:
        """The ITEM as an Offer; PRICE + VAT without PRICE_VAT gives the price with VAT."""
        offer = super().read(product)
        price_with_net(offer)
        return offer
