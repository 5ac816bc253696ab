"""Offer -> Heureka or Zboží SHOPITEM. The two differ in a handful of elements, so one writer with a flag."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal

from feeds.channels.offer import Offer, Param, Shipping, current_price, original_price
from feeds.channels.options import ConvertOptions
from feeds.channels.params import gender_to_local, local_param_name
from feeds.channels.writing import (
    OfferWriter,
    add,
    check_currency,
    delivery_date,
    ean_for_shopitem,
    heureka_id,
    unique_images,
)
from feeds.exports.values import (
    HEUREKA_DELIVERY_IDS,
    format_decimal,
    html_to_text,
    isbn10_to_13,
    truncate_words,
)
from feeds.model import Element, Product

MAX_IMAGES = 10
ITEM_TYPES = {"new": "new", "used": "bazar", "refurbished": "bazar"}
_COMMON_FIELDS = frozenset(
    {
        "id",
        "group_id",
        "name",
        "name_commercial",
        "description",
        "url",
        "image",
        "images",
        "price",
        "vat_rate",
        "currency",
        "brand",
        "categories",
        "google_category",  # CATEGORYTEXT when the source has no category of its own
        "gtin",
        "isbn",
        "mpn",
        "params",
        "availability",
        "shipping",
        "condition",
    }
)
HEUREKA_FIELDS = _COMMON_FIELDS | {"video", "heureka_cpc", "accessories", "gift"}
ZBOZI_FIELDS = _COMMON_FIELDS | {
    "list_price",
    "zbozi_cpc",
    "zbozi_cpc_search",
    "extra_messages",
    "gift",
    "custom_labels",
    "release_date",
}


class ShopitemWriter(OfferWriter):
    """Writes Heureka SHOPITEMs (`zbozi=False`) or Zboží SHOPITEMs (`zbozi=True`)."""

    ITEM = "SHOPITEM"

    def __init__(
        self, options: ConvertOptions, *, warnings: Counter[str], dropped: Counter[str], zbozi: bool = False
    ) -> None:
        super().__init__(options, warnings=warnings, dropped=dropped)
        self.zbozi = zbozi
        self.FIELDS = ZBOZI_FIELDS if zbozi else HEUREKA_FIELDS
        self._name_max = 255 if zbozi else 200

    def write(self, offer: Offer) -> Product | None:
        """The SHOPITEM, or None (counted) when the offer is out of stock."""
        when = delivery_date(offer, self.options, self.warnings)
        if when is None:
            self.dropped["out_of_stock"] += 1
            return None
        check_currency(offer, self.options, self.warnings)
        out: list[Element] = []
        self._texts(offer, out)
        self._prices(offer, out)
        self._identifiers(offer, out)
        out.extend(self._param(param) for param in offer.params)
        add(out, "DELIVERY_DATE", when)
        out.extend(self._deliveries(offer.shipping) or self._default_deliveries())
        self._extras(offer, out)
        return Product(self.ITEM, children=out)

    def _texts(self, offer: Offer, out: list[Element]) -> None:
        add(out, "ITEM_ID", heureka_id(offer.id))
        add(out, "PRODUCTNAME", truncate_words(offer.name or offer.name_commercial, self._name_max))
        add(out, "PRODUCT", offer.name_commercial)
        add(out, "DESCRIPTION", html_to_text(offer.description) if self.zbozi else offer.description)
        add(out, "URL", offer.url)
        add(out, "IMGURL", offer.image)
        for url in unique_images(offer, MAX_IMAGES, self.warnings):
            add(out, "IMGURL_ALTERNATIVE", url)
        if not self.zbozi:
            add(out, "VIDEO_URL", offer.video)

    def _prices(self, offer: Offer, out: list[Element]) -> None:
        price = current_price(offer, self.options.today)
        add(out, "PRICE_VAT", format_decimal(price) if price is not None else "")
        add(
            out,
            "VAT",
            format_decimal(offer.vat_rate).removesuffix(".00") if offer.vat_rate is not None else "",
        )
        if self.zbozi:
            was = original_price(offer, self.options.today)
            add(out, "LIST_PRICE", format_decimal(was) if was is not None else "")
            add(out, "MAX_CPC", format_decimal(offer.zbozi_cpc) if offer.zbozi_cpc is not None else "")
            add(
                out,
                "MAX_CPC_SEARCH",
                format_decimal(offer.zbozi_cpc_search) if offer.zbozi_cpc_search else "",
            )
        elif offer.heureka_cpc is not None:
            add(out, "HEUREKA_CPC", format_decimal(offer.heureka_cpc))

    def _identifiers(self, offer: Offer, out: list[Element]) -> None:
        add(out, "MANUFACTURER", offer.brand)
        add(out, "CATEGORYTEXT", " | ".join(offer.categories)
            or _google_category_path(offer.google_category, self.options.google_taxonomy)
            or self.options.default_category)
        add(out, "EAN", ean_for_shopitem(offer, self.warnings))
        add(out, "ISBN", (isbn10_to_13(offer.isbn) or offer.isbn) if offer.isbn else "")
        add(out, "PRODUCTNO", offer.mpn)

    def _param(self, param: Param) -> Element:
        country = self.options.country
        name = param.name or local_param_name(param.attr, country)
        value = (
            gender_to_local(param.value, country)
            if param.attr == "gender" and not param.name
            else param.value
        )
        return Element("PARAM", children=[Element("PARAM_NAME", name), Element("VAL", value)])

    def _deliveries(self, shipping: list[Shipping]) -> list[Element]:
        out, seen = [], set()
        for option in shipping:
            if option.country and option.country.upper() != self.options.country.upper():
                continue
            code = self._delivery_id(option.service)
            if option.price is None or code in seen:
                continue
            seen.add(code)
            out.append(_delivery(code, option.price, option.price_cod))
        return out

    def _default_deliveries(self) -> list[Element]:
        """The export's delivery table, for an offer whose source names no delivery for this country."""
        return [_delivery(code, price, price_cod) for code, price, price_cod in self.options.default_delivery]

    def _delivery_id(self, service: str) -> str:
        mapped = self.options.delivery_ids.get(service)
        if mapped:
            return mapped
        plain = unicodedata.normalize("NFKD", service).encode("ascii", "ignore").decode()  # Zásilkovna -> Zasilkovna
        code = plain.strip().upper().replace(" ", "_")
        if code in HEUREKA_DELIVERY_IDS:
            return code
        fallback = self.options.default_delivery_id
        self.warnings[f"shipping service {service or '(none)'!r} has no DELIVERY_ID; {fallback} used"] += 1
        return fallback

    def _extras(self, offer: Offer, out: list[Element]) -> None:
        add(out, "ITEMGROUP_ID", heureka_id(offer.group_id))
        if self.zbozi:
            for message in offer.extra_messages:
                add(out, "EXTRA_MESSAGE", message)
            for index, label in sorted(offer.custom_labels.items()):
                add(out, f"CUSTOM_LABEL_{index}", label)
            add(out, "RELEASE_DATE", offer.release_date.isoformat() if offer.release_date else "")
        else:
            for accessory in offer.accessories:
                add(out, "ACCESSORY", heureka_id(accessory))
            add(out, "GIFT", offer.gift)
        add(out, "ITEM_TYPE", ITEM_TYPES.get(offer.condition, ""))


def _google_category_path(category: str, taxonomy: Mapping[str, str]) -> str:
    """A Google product category ("Apparel & Accessories > Clothing", or its taxonomy id) as a CATEGORYTEXT
    path; an id the taxonomy does not name (or with no taxonomy given) gives "": the export's default category."""
    if category.strip().isdigit():
        category = taxonomy.get(category.strip(), "")
    return " | ".join(part.strip() for part in category.split(">") if part.strip())


def _delivery(code: str, price: Decimal, price_cod: Decimal | None) -> Element:
    """One DELIVERY element: its id, prepaid price and cash-on-delivery price."""
    children = [Element("DELIVERY_ID", code), Element("DELIVERY_PRICE", format_decimal(price))]
    if price_cod is not None:
        children.append(Element("DELIVERY_PRICE_COD", format_decimal(price_cod)))
    return Element("DELIVERY", children=children)
