"""Offer -> Google-vocabulary item: Google RSS (`g:` attributes), Google Atom, Meta RSS and Meta CSV.

They share Google's attribute names and differ in a few places, described by a `GoogleStyle`:
Atom uses its own `title`/`link href`/`summary`; Meta writes spaced availability values and
allows longer ids and titles; Meta CSV is flat (shipping in colon syntax, extra images in one
comma-separated cell, no nested product_detail).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from feeds.channels.offer import Offer, Param, original_price
from feeds.channels.options import ConvertOptions
from feeds.channels.params import gender_to_google
from feeds.channels.writing import (
    NO_STOCK_SIGNAL,
    OfferWriter,
    add,
    google_availability,
    google_gtin,
    shorten_id,
    unique_images,
)
from feeds.exports.values import META_AVAILABILITY, format_price, html_to_text, truncate_words
from feeds.model import Element, Product


@dataclass(frozen=True)
class GoogleStyle:
    """How one Google-vocabulary target spells an item."""

    item: str = "item"
    prefix: str = "g:"
    atom: bool = False
    meta: bool = False
    flat: bool = False
    id_max: int = 50
    title_max: int = 150
    description_max: int = 5000
    images_max: int = 10


STYLES = {
    "google": GoogleStyle(),
    "google-atom": GoogleStyle(item="entry", atom=True),
    "meta": GoogleStyle(meta=True, id_max=100, title_max=200, description_max=9999, images_max=20),
    "meta-csv": GoogleStyle(
        prefix="", meta=True, flat=True, id_max=100, title_max=200, description_max=9999, images_max=20
    ),
}

GOOGLE_FIELDS = frozenset(
    {
        "id",
        "group_id",
        "name",
        "description",
        "url",
        "image",
        "images",
        "price",
        "list_price",
        "currency",
        "availability",
        "condition",
        "brand",
        "gtin",
        "isbn",
        "mpn",
        "identifier_exists",
        "categories",
        "google_category",
        "params",
        "shipping",
        "custom_labels",
        "google_extra",
    }
)


class GoogleWriter(OfferWriter):
    """Writes one Google-vocabulary item per offer; never drops an offer (out_of_stock is a valid value)."""

    def __init__(
        self, options: ConvertOptions, *, warnings: Counter[str], dropped: Counter[str], style: GoogleStyle
    ) -> None:
        super().__init__(options, warnings=warnings, dropped=dropped)
        self.style = style
        self.ITEM = style.item
        self.FIELDS = GOOGLE_FIELDS
        self._p = p = style.prefix
        self._detail_names = (p + "product_detail", p + "attribute_name", p + "attribute_value")

    def write(self, offer: Offer) -> Product | None:
        """The item for this offer."""
        out: list[Element] = []
        currency = self._currency(offer)
        self._texts(offer, out)
        self._offer_terms(offer, currency, out)
        self._identifiers(offer, out)
        self._params(offer.params, out)
        self._shipping(offer, currency, out)
        for index, label in sorted(offer.custom_labels.items()):
            add(out, f"{self._p}custom_label_{index}", label)
        for extra in offer.google_extra:
            out.append(Element(self._p + extra.name, extra.text, extra.attrs, extra.children))
        return Product(self.ITEM, children=out)

    def _texts(self, offer: Offer, out: list[Element]) -> None:
        style, p = self.style, self._p
        title = truncate_words(offer.name or offer.name_commercial, style.title_max)
        description = truncate_words(html_to_text(offer.description), style.description_max)
        add(out, p + "id", shorten_id(offer.id, style.id_max))
        if style.atom:
            add(out, "title", title)
            add(out, "summary", description)
            if offer.url:
                out.append(Element("link", attrs={"rel": "alternate", "href": offer.url}))
        else:
            add(out, p + "title", title)
            add(out, p + "description", description)
            add(out, p + "link", offer.url)
        add(out, p + "image_link", offer.image)
        images = unique_images(offer, style.images_max, self.warnings)
        if style.flat:
            add(out, "additional_image_link", ",".join(images))
        else:
            out.extend(Element(p + "additional_image_link", url) for url in images)

    def _offer_terms(self, offer: Offer, currency: str, out: list[Element]) -> None:
        p, today = self._p, self.options.today
        availability, when = google_availability(offer, self.options)
        if not availability:
            self.warnings[NO_STOCK_SIGNAL] += 1
        add(out, p + "availability", META_AVAILABILITY.get(availability, "") if self.style.meta else availability)
        if when is not None and availability in ("preorder", "backorder"):
            add(out, p + "availability_date", f"{when.isoformat()}T00:00+0000")
        elif availability == "in_stock" and offer.delivery_days:
            add(out, p + "max_handling_time", str(offer.delivery_days))
        if offer.sale_price is not None:  # a Google source: keep its price, sale price and window as they are
            add(out, p + "price", format_price(offer.price, currency) if offer.price is not None else "")
            add(out, p + "sale_price", format_price(offer.sale_price, currency))
            add(out, p + "sale_price_effective_date", offer.sale_dates)
            return
        was = original_price(offer, today)
        regular = was if was is not None else offer.price
        add(out, p + "price", format_price(regular, currency) if regular is not None else "")
        if was is not None and offer.price is not None:
            add(out, p + "sale_price", format_price(offer.price, currency))

    def _currency(self, offer: Offer) -> str:
        wanted = self.options.currency
        if wanted and offer.currency and offer.currency != wanted:
            self.warnings[f"prices in {offer.currency} kept unconverted (options ask for {wanted})"] += 1
        return offer.currency or self.options.target_currency

    def _identifiers(self, offer: Offer, out: list[Element]) -> None:
        p = self._p
        add(out, p + "condition", offer.condition or "new")
        add(out, p + "brand", offer.brand)
        gtin = google_gtin(offer, self.warnings)
        add(out, p + "gtin", gtin)
        add(out, p + "mpn", offer.mpn)
        exists = offer.identifier_exists or ("" if gtin or offer.mpn else "no")
        add(out, p + "identifier_exists", exists)
        add(out, p + "google_product_category", offer.google_category)
        add(out, p + "product_type", " > ".join(offer.categories))
        add(out, p + "item_group_id", shorten_id(offer.group_id, self.style.id_max))

    def _params(self, params: list[Param], out: list[Element]) -> None:
        named: dict[str, list[str]] = {}
        details: dict[str, list[str]] = {}
        for param in params:
            if param.attr:
                key, groups = param.attr, named
                value = gender_to_google(param.value) if param.attr == "gender" else param.value
            else:
                key, groups, value = param.name, details, param.value
            group = groups.get(key)
            if group is None:  # not setdefault(key, []): that builds a list per parameter
                groups[key] = [value]
            elif value not in group:
                group.append(value)
        for attr, values in named.items():
            add(out, self._p + attr, "/".join(values))
        if details and self.style.flat:
            for name in details:
                self.warnings[f"PARAM {name!r} dropped: no Meta CSV column"] += 1
            return
        detail, attr_name, attr_value = self._detail_names
        for name, values in details.items():
            out.append(
                Element(
                    detail,
                    children=[Element(attr_name, name), Element(attr_value, "/".join(values))],
                )
            )

    def _shipping(self, offer: Offer, currency: str, out: list[Element]) -> None:
        p, flat = self._p, []
        for option in offer.shipping:
            if option.price_cod is not None:
                self.warnings["DELIVERY_PRICE_COD dropped: no Google/Meta equivalent"] += 1
            price = format_price(option.price, currency) if option.price is not None else ""
            country = option.country or self.options.country
            if self.style.flat:
                flat.append(f"{country}::{option.service}:{price}")
                continue
            children = [Element(p + "country", country)]
            add(children, p + "service", option.service)
            add(children, p + "price", price)
            out.append(Element(p + "shipping", children=children))
        add(out, "shipping", ",".join(flat))
