"""Google-vocabulary items -> Offer: Google RSS and Atom, Meta RSS and CSV, and generic XML/CSV by alias.

Google RSS items carry `g:` attributes but real feeds also use plain RSS `title`/`link`/
`description`; Atom entries use Atom `title`, `link` (text or `href`) and `summary`; Meta CSV
has the bare names with `shipping` in colon syntax. All of them meet in one table keyed by the
bare Google name. A generic feed's element names are first mapped case-insensitively through
`GENERIC_ALIASES` (`PRODUCTNAME`, `url`, `imgurl`, ...); everything else is dropped and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping

from feeds.channels.offer import Offer, Param, Shipping
from feeds.channels.params import VARIANT_ATTRS
from feeds.channels.reading import (
    Handler,
    TableReader,
    add_images,
    custom_label_entries,
    set_date,
    set_gtin,
    set_images,
    set_text,
    stock_count,
    text_of,
)
from feeds.exports.values import (
    normalize_availability,
    parse_int,
    parse_price,
    split_category,
    strip_default_title,
)
from feeds.model import Element

GOOGLE_EXTRA_NAMES = frozenset(
    {
        "mobile_link",
        "shipping_weight",
        "shipping_length",
        "shipping_width",
        "shipping_height",
        "shipping_label",
        "product_highlight",
        "unit_pricing_measure",
        "unit_pricing_base_measure",
        "energy_efficiency_class",
        "min_energy_efficiency_class",
        "max_energy_efficiency_class",
        "adult",
        "multipack",
        "is_bundle",
        "excluded_destination",
        "included_destination",
        "pause",
        "tax",
        "expiration_date",
        "min_handling_time",
        "lifestyle_image_link",
        "ads_redirect",
        "fb_product_category",
        "quantity_to_sell_on_facebook",
        "rich_text_description",
        "product_length",
        "product_width",
        "product_height",
        "product_weight",
    }
)
"""Google attributes with no hub field of their own: carried verbatim between Google-vocabulary formats."""

CZECH_ALIASES: dict[str, str] = {
    name: target
    for names, target in (
        (("kód", "kod", "kód produktu", "katalogové číslo"), "id"),
        (("název", "nazev", "název produktu", "jméno"), "title"),
        (("popis", "dlouhý popis"), "description"),
        (("cena", "cena s dph", "cena s daní", "prodejní cena"), "price"),
        (("akční cena", "cena po slevě"), "sale_price"),
        (("výrobce", "vyrobce", "značka", "znacka"), "brand"),
        (("kategorie", "kategorie produktu"), "product_type"),
        (("obrázek", "obrazek", "hlavní obrázek", "url obrázku"), "image_link"),
        (("odkaz", "url produktu"), "link"),
        (("kód skupiny", "skupina"), "item_group_id"),
        (("skladem ks", "skladem", "sklad", "množství", "počet kusů"), "stock_quantity"),
    )
    for name in names
}
"""Column names of Czech and Slovak e-shop exports (case-folded); quantities and VAT rates have no alias."""

GERMAN_ALIASES: dict[str, str] = {
    name: target
    for names, target in (
        (("artikelnummer", "artikelnummer im shop", "artikel-nr.", "artikelnr"), "id"),
        (("produktname", "artikelname", "bezeichnung"), "title"),
        (("beschreibung", "produktbeschreibung"), "description"),
        (("preis", "preis (brutto)", "bruttopreis", "verkaufspreis"), "price"),
        (("hersteller", "marke"), "brand"),
        (("produkt url", "produkt-url", "produktlink"), "link"),
        (("bild", "bild url", "bild-url", "image url", "bildlink"), "image_link"),
        (("ean/gtin",), "gtin"),
    )
    for name in names
}
"""Column names of German shop exports (Shopify, Shopware, WooCommerce in German), case-folded."""

STOCK_COLUMNS = frozenset({
    "stock", "quantity", "qty", "inventory", "inventory_quantity", "inventory quantity", "variant inventory qty",
    "stock_quantity", "stock quantity", "stock_level", "stock level", "available quantity", "quantity_available",
    "bestand", "lagerbestand", "lagermenge", "menge", "verfügbare menge",  # German
    "stan", "stan magazynowy", "ilość", "ilosc", "ilość w magazynie",  # Polish
    "készlet", "keszlet", "raktárkészlet", "mennyiség",  # Hungarian
    "na sklade", "množstvo", "počet kusov",  # Slovak
    "quantité", "quantite", "existencias", "cantidad", "quantità", "giacenza",  # French, Spanish, Italian
})
"""Case-folded column names that hold a stock count, in the languages our users' shops export in: a count
sets availability, so a stock column we cannot read must not leave products without one."""

GENERIC_ALIASES: dict[str, str] = {
    "id": "id",
    "item_id": "id",
    "product_id": "id",
    "code": "id",
    "title": "title",
    "name": "title",
    "productname": "title",
    "product_name": "title",
    "name_exact": "title",
    "description": "description",
    "summary": "description",
    "link": "link",
    "url": "link",
    "product_url": "link",
    "image_link": "image_link",
    "image": "image_link",
    "image_url": "image_link",
    "imgurl": "image_link",
    "img": "image_link",
    "additional_image_link": "additional_image_link",
    "imgurl_alternative": "additional_image_link",
    "price": "price",
    "price_vat": "price",
    "sale_price": "sale_price",
    "availability": "availability",
    "condition": "condition",
    "currency": "currency",
    "brand": "brand",
    "manufacturer": "brand",
    "vendor": "brand",
    "gtin": "gtin",
    "ean": "gtin",
    "barcode": "gtin",
    "mpn": "mpn",
    "productno": "mpn",
    "product_type": "product_type",
    "category": "product_type",
    "categorytext": "product_type",
    "item_group_id": "item_group_id",
    "itemgroup_id": "item_group_id",
    "google_product_category": "google_product_category",
    "group_id": "item_group_id",
    **dict.fromkeys(STOCK_COLUMNS, "stock_quantity"),
    **{attr: attr for attr in VARIANT_ATTRS},
    **CZECH_ALIASES,
    **GERMAN_ALIASES,
}
"""Case-folded element names of generic XML/CSV feeds -> the Google name they obviously mean."""


def _title(offer: Offer, element: Element) -> None:
    if not offer.name:
        offer.name = strip_default_title(text_of(element))


def _link(offer: Offer, element: Element) -> None:
    if element.attrs.get("rel", "alternate") != "alternate" or offer.url:
        return
    offer.url = text_of(element) or element.attrs.get("href", "").strip()


def _price(offer: Offer, element: Element) -> None:
    offer.price, currency = parse_price(element.text)
    offer.currency = currency or offer.currency


def _sale_price(offer: Offer, element: Element) -> None:
    offer.sale_price, currency = parse_price(element.text)
    offer.currency = offer.currency or currency


def _availability(offer: Offer, element: Element) -> None:
    offer.availability = normalize_availability(element.text)


def _stock_quantity(offer: Offer, element: Element) -> None:
    """A generic feed's stock count, kept as the hub's count (Mirakl's quantity, Mergado's STOCK_QUANTITY); and
    availability from it: in stock when positive, unless an availability column said otherwise."""
    if not offer.stock_qty:
        offer.stock_qty = stock_count(element.text)
    quantity = parse_int(element.text)
    if quantity is not None and not offer.availability:
        offer.availability = "in_stock" if quantity > 0 else "out_of_stock"


def _handling_time(offer: Offer, element: Element) -> None:
    offer.delivery_days = parse_int(element.text)


def _condition(offer: Offer, element: Element) -> None:
    offer.condition = text_of(element).lower()


def _identifier_exists(offer: Offer, element: Element) -> None:
    value = text_of(element).lower()
    offer.identifier_exists = "no" if value in ("no", "false", "0") else "yes" if value else ""


def _product_type(offer: Offer, element: Element) -> None:
    if not offer.categories:
        offer.categories = split_category(element.text)


def _variant_attr(offer: Offer, element: Element) -> None:
    value = text_of(element)
    if value:
        offer.params.append(Param("", value, element.name.removeprefix("g:").lower()))


def _product_detail(offer: Offer, element: Element) -> None:
    parts = {child.name.removeprefix("g:"): child.text.strip() for child in element.children}
    name, value = parts.get("attribute_name", ""), parts.get("attribute_value", "")
    if name and value:
        offer.params.append(Param(name, value))


def _shipping(offer: Offer, element: Element) -> None:
    if element.children:
        parts = {child.name.removeprefix("g:"): child.text.strip() for child in element.children}
    else:  # colon syntax of text feeds: COUNTRY:REGION:SERVICE:PRICE
        fields = (element.text.strip().split(":") + ["", "", "", ""])[:4]
        parts = dict(zip(("country", "region", "service", "price"), fields, strict=True))
    price, currency = parse_price(parts.get("price", ""))
    offer.currency = offer.currency or currency
    offer.shipping.append(
        Shipping(service=parts.get("service", ""), country=parts.get("country", ""), price=price)
    )


def _extra(offer: Offer, element: Element) -> None:
    name = element.name.removeprefix("g:")
    offer.google_extra.append(
        Element(name, element.text, dict(element.attrs), [c.copy() for c in element.children])
    )


GOOGLE_TABLE: dict[str, tuple[str, Handler]] = {
    "id": ("id", set_text("id")),
    "item_group_id": ("group_id", set_text("group_id")),
    "title": ("name", _title),
    "description": ("description", set_text("description")),
    "summary": ("description", set_text("description")),
    "link": ("url", _link),
    "image_link": ("image", set_images),
    "additional_image_link": ("images", add_images),
    "price": ("price", _price),
    "sale_price": ("price", _sale_price),
    "sale_price_effective_date": ("price", set_text("sale_dates")),
    "currency": ("currency", set_text("currency")),
    "availability": ("availability", _availability),
    "availability_date": ("availability", set_date("available_date")),
    "stock_quantity": ("availability", _stock_quantity),
    "max_handling_time": ("availability", _handling_time),
    "condition": ("condition", _condition),
    "brand": ("brand", set_text("brand")),
    "gtin": ("gtin", set_gtin),
    "mpn": ("mpn", set_text("mpn")),
    "identifier_exists": ("identifier_exists", _identifier_exists),
    "google_product_category": ("google_category", set_text("google_category")),
    "product_type": ("categories", _product_type),
    "product_detail": ("params", _product_detail),
    "shipping": ("shipping", _shipping),
    **{attr: ("params", _variant_attr) for attr in VARIANT_ATTRS},
    **{name: ("google_extra", _extra) for name in GOOGLE_EXTRA_NAMES},
    **custom_label_entries("custom_label_"),
}


class GoogleReader(TableReader):
    """Reads Google/Meta items (RSS, Atom, CSV) and, through `aliases`, generic XML/CSV products."""

    def __init__(
        self,
        *,
        target: str,
        target_fields: Collection[str],
        warnings: Counter[str],
        atom: bool = False,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(GOOGLE_TABLE, target=target, target_fields=target_fields, warnings=warnings)
        self._aliases = aliases
        self._atom = atom

    def key_of(self, name: str) -> str:
        """The bare Google name of an element (`g:price` -> `price`, aliases for generic feeds)."""
        if self._aliases is not None:
            folded = name.casefold()
            return self._aliases.get(folded) or (folded if folded in GOOGLE_TABLE else name)
        if name.startswith("g:"):
            return name[2:]
        if self._atom and name == "id":
            return "atom:id"  # the Atom entry's own id is not the product id (that is g:id)
        return name
