"""Conversion Heureka/Zboží <-> Google through the hub: whole products compared, one behaviour per test.

The small builders at the top are shared by the other test_convert* modules.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from feeds.channels import ConvertOptions
from feeds.channels.convert import make_converter
from feeds.channels.google_taxonomy import read_taxonomy
from feeds.channels.writing import heureka_id
from feeds.errors import ConfigError
from feeds.model import Element, Product

TODAY = date(2026, 1, 10)
OPTIONS = ConvertOptions(today=TODAY)

Spec = tuple  # (name, text) | (name, [child specs]) | (name, text, attrs)


def element(spec: Spec) -> Element:
    """An element from `(name, text)`, `(name, [child specs])` or `(name, text, attrs)`."""
    name, body = spec[0], spec[1]
    attrs = dict(spec[2]) if len(spec) > 2 else {}
    if isinstance(body, list):
        return Element(name, "", attrs, [element(child) for child in body])
    return Element(name, body, attrs)


def item(name: str, *children: Spec) -> Product:
    """A product called `name` with the given children."""
    return Product(name, children=[element(child) for child in children], line=7)


def pairs(product: Product | None) -> list[object]:
    """A product as nested (name, text-or-children) tuples, so whole results compare readably."""
    assert product is not None

    def one(e: Element) -> tuple[object, ...]:
        body: object = [one(c) for c in e.children] if e.children else e.text
        return (e.name, body, e.attrs) if e.attrs else (e.name, body)

    return [one(child) for child in product.children]


def convert(source: str, target: str, product: Product, options: ConvertOptions = OPTIONS) -> Product | None:
    """Convert one product with a fresh converter."""
    return make_converter(source, target, options).convert(product)


def shopitem(*children: Spec) -> Product:
    return item("SHOPITEM", *children)


def google_item(*children: Spec) -> Product:
    return item("item", *children)


BASE_HEUREKA = (
    ("ITEM_ID", "A-1"),
    ("PRODUCTNAME", " Tričko Basic Default Title "),
    ("DESCRIPTION", "<p>Měkké <b>bavlněné</b> tričko.</p>"),
    ("URL", "https://shop.cz/a-1"),
    ("IMGURL", "https://shop.cz/a-1.jpg"),
    ("PRICE_VAT", "1 299,90"),
    ("DELIVERY_DATE", "0"),
)


class TestHeurekaToGoogle:
    def test_full_item(self) -> None:
        product = shopitem(
            *BASE_HEUREKA,
            ("IMGURL_ALTERNATIVE", "https://shop.cz/a-1.jpg"),  # the main image again: deduplicated
            ("IMGURL_ALTERNATIVE", "https://shop.cz/a-1b.jpg"),
            ("MANUFACTURER", "Basic"),
            ("CATEGORYTEXT", "Heureka.cz | Oblečení | Trička"),
            ("EAN", "5902687180165"),
            ("PRODUCTNO", "TB-1"),
            ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "červená")]),
            ("PARAM", [("PARAM_NAME", "Velikost"), ("VAL", "M")]),
            ("PARAM", [("PARAM_NAME", "Velikost"), ("VAL", "L")]),  # repeated name: joined with "/"
            ("PARAM", [("PARAM_NAME", "Pohlaví"), ("VAL", "Muž")]),
            ("PARAM", [("PARAM_NAME", "Střih"), ("VAL", "rovný")]),
            ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "99"), ("DELIVERY_PRICE_COD", "129")]),
            ("ITEMGROUP_ID", "TB"),
            ("ITEM_TYPE", "bazar"),
        )
        assert pairs(convert("heureka", "google", product)) == [
            ("g:id", "A-1"),
            ("g:title", "Tričko Basic"),
            ("g:description", "Měkké bavlněné tričko."),
            ("g:link", "https://shop.cz/a-1"),
            ("g:image_link", "https://shop.cz/a-1.jpg"),
            ("g:additional_image_link", "https://shop.cz/a-1b.jpg"),
            ("g:availability", "in_stock"),
            ("g:price", "1299.90 CZK"),
            ("g:condition", "used"),
            ("g:brand", "Basic"),
            ("g:gtin", "5902687180165"),
            ("g:mpn", "TB-1"),
            ("g:product_type", "Oblečení > Trička"),
            ("g:item_group_id", "TB"),
            ("g:color", "červená"),
            ("g:size", "M/L"),
            ("g:gender", "male"),
            ("g:product_detail", [("g:attribute_name", "Střih"), ("g:attribute_value", "rovný")]),
            ("g:shipping", [("g:country", "CZ"), ("g:service", "PPL"), ("g:price", "99.00 CZK")]),
        ]

    @pytest.mark.parametrize(
        ("delivery_date", "expected"),
        [
            ("0", [("g:availability", "in_stock")]),
            ("3", [("g:availability", "in_stock"), ("g:max_handling_time", "3")]),  # within the threshold
            ("10", [("g:availability", "backorder"), ("g:availability_date", "2026-01-20T00:00+0000")]),
            ("2026-02-01", [("g:availability", "backorder"), ("g:availability_date", "2026-02-01T00:00+0000")]),
            ("2025-12-01", [("g:availability", "in_stock")]),  # a date already past: available now
            (None, []),  # missing DELIVERY_DATE: nothing said of stock, so nothing claimed (and a warning)
            ("5902687180166", [("g:availability", "out_of_stock")]),  # an EAN in the wrong element: no date
            ("²", []),  # a digit to str.isdigit(), not a number of days: unreadable, so nothing claimed
        ],
    )
    def test_availability_from_delivery_date(self, delivery_date: str | None, expected: list[object]) -> None:
        children = [c for c in BASE_HEUREKA if c[0] != "DELIVERY_DATE"]
        if delivery_date is not None:
            children.append(("DELIVERY_DATE", delivery_date))
        out = pairs(convert("heureka", "google", shopitem(*children)))
        assert [p for p in out if p[0] in ("g:availability", "g:availability_date", "g:max_handling_time")] == expected

    @pytest.mark.parametrize(
        ("country", "currency", "expected"),
        [("CZ", None, "1299.90 CZK"), ("SK", None, "1299.90 EUR"), ("CZ", "EUR", "1299.90 EUR")],
    )
    def test_price_currency_from_options(self, country: str, currency: str | None, expected: str) -> None:
        options = ConvertOptions(today=TODAY, country=country, currency=currency)
        out = pairs(convert("heureka", "google", shopitem(*BASE_HEUREKA), options))
        assert ("g:price", expected) in out

    def test_legacy_price_without_vat(self) -> None:
        children = [c for c in BASE_HEUREKA if c[0] != "PRICE_VAT"] + [("PRICE", "100"), ("VAT", "0,21")]
        out = pairs(convert("heureka", "google", shopitem(*children)))
        assert ("g:price", "121.00 CZK") in out

    def test_long_title_cut_at_word_boundary(self) -> None:
        name = "Slovo " * 40  # 240 characters
        children = [c for c in BASE_HEUREKA if c[0] != "PRODUCTNAME"] + [("PRODUCTNAME", name)]
        title = dict(pairs(convert("heureka", "google", shopitem(*children))))["g:title"]
        assert isinstance(title, str) and len(title) <= 150 and title.endswith("Slovo")

    def test_isbn10_becomes_gtin13(self) -> None:
        out = pairs(convert("heureka", "google", shopitem(*BASE_HEUREKA, ("ISBN", "0-306-40615-2"))))
        assert ("g:gtin", "9780306406157") in out and ("g:identifier_exists", "no") not in out

    def test_bad_ean_dropped_and_identifier_exists_no(self) -> None:
        converter = make_converter("heureka", "google", OPTIONS)
        out = pairs(converter.convert(shopitem(*BASE_HEUREKA, ("EAN", "123"))))
        assert not [p for p in out if p[0] == "g:gtin"]
        assert ("g:identifier_exists", "no") in out
        assert converter.warnings["gtin with a bad check digit dropped"] == 1

    def test_unmapped_elements_counted_per_name(self) -> None:
        converter = make_converter("heureka", "google", OPTIONS)
        for _ in range(2):
            converter.convert(shopitem(*BASE_HEUREKA, ("VAT", "21%"), ("SKU", "x"), ("HEUREKA_CPC", "1,5")))
        assert converter.warnings == Counter({
            "VAT dropped: no google equivalent": 2,
            "SKU dropped: no google equivalent": 2,
            "HEUREKA_CPC dropped: no google equivalent": 2,
        })  # fmt: skip

    def test_cod_price_dropped_with_warning(self) -> None:
        converter = make_converter("heureka", "google", OPTIONS)
        delivery = ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "0"), ("DELIVERY_PRICE_COD", "30")])
        converter.convert(shopitem(*BASE_HEUREKA, delivery))
        assert converter.warnings["DELIVERY_PRICE_COD dropped: no Google/Meta equivalent"] == 1

    def test_source_line_kept(self) -> None:
        out = convert("heureka", "google", shopitem(*BASE_HEUREKA))
        assert out is not None and out.line == 7


BASE_GOOGLE = (
    ("g:id", "G-1"),
    ("title", "Lampa"),  # plain RSS title: real feeds mix it with g: attributes
    ("g:link", "https://shop.cz/g-1"),
    ("g:image_link", "https://shop.cz/g-1.jpg"),
    ("g:price", "499.00 CZK"),
)


class TestGoogleToHeureka:
    @pytest.mark.parametrize(
        ("availability", "expected"),
        [
            ([("g:availability", "in_stock")], "0"),
            ([("g:availability", "in stock")], "0"),  # the old spaced form
            ([("g:availability", "in_stock"), ("g:max_handling_time", "2")], "2"),
            ([("g:availability", "preorder"), ("g:availability_date", "2026-03-01T00:00+0100")], "2026-03-01"),
            ([("g:availability", "backorder")], "14"),  # no date: the configured backorder days
        ],
    )
    def test_delivery_date_from_availability(self, availability: list[Spec], expected: str) -> None:
        out = pairs(convert("google", "heureka", google_item(*BASE_GOOGLE, *availability)))
        assert ("DELIVERY_DATE", expected) in out

    def test_out_of_stock_dropped_and_counted(self) -> None:
        converter = make_converter("google", "heureka", OPTIONS)
        assert converter.convert(google_item(*BASE_GOOGLE, ("g:availability", "out_of_stock"))) is None
        assert converter.convert(google_item(*BASE_GOOGLE, ("g:availability", "out of stock"))) is None
        assert converter.dropped == Counter({"out_of_stock": 2})

    def test_full_item(self) -> None:
        product = google_item(
            *BASE_GOOGLE,
            ("g:description", "Stolní lampa"),
            ("g:availability", "in_stock"),
            ("g:brand", "Lumo"),
            ("g:gtin", "036000291452"),  # UPC-12 becomes a 13-digit EAN
            ("g:mpn", "L-1"),
            ("g:product_type", "Dům > Osvětlení"),
            ("g:google_product_category", "594"),
            ("g:color", "bílá"),
            ("g:gender", "female"),
            ("g:product_detail", [("g:attribute_name", "Příkon"), ("g:attribute_value", "40 W")]),
            ("g:shipping", [("g:country", "CZ"), ("g:service", "Zásilkovna"), ("g:price", "79 CZK")]),
            ("g:shipping", [("g:country", "SK"), ("g:price", "5 EUR")]),  # another country: not for Heureka.cz
            ("g:condition", "refurbished"),
            ("g:item_group_id", "LAMPA/2024"),
        )
        options = ConvertOptions(today=TODAY, delivery_ids={"Zásilkovna": "ZASILKOVNA"})
        converter = make_converter("google", "heureka", options)
        assert pairs(converter.convert(product)) == [
            ("ITEM_ID", "G-1"),
            ("PRODUCTNAME", "Lampa"),
            ("DESCRIPTION", "Stolní lampa"),
            ("URL", "https://shop.cz/g-1"),
            ("IMGURL", "https://shop.cz/g-1.jpg"),
            ("PRICE_VAT", "499.00"),
            ("MANUFACTURER", "Lumo"),
            ("CATEGORYTEXT", "Dům | Osvětlení"),
            ("EAN", "0036000291452"),
            ("PRODUCTNO", "L-1"),
            ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "bílá")]),
            ("PARAM", [("PARAM_NAME", "Pohlaví"), ("VAL", "žena")]),
            ("PARAM", [("PARAM_NAME", "Příkon"), ("VAL", "40 W")]),
            ("DELIVERY_DATE", "0"),
            ("DELIVERY", [("DELIVERY_ID", "ZASILKOVNA"), ("DELIVERY_PRICE", "79.00")]),
            ("ITEMGROUP_ID", "LAMPA_2024"),
            ("ITEM_TYPE", "bazar"),
        ]
        assert not converter.warnings  # google_product_category is the CATEGORYTEXT of items without product_type

    @pytest.mark.parametrize(("category", "expected"), [
        ("Home & Garden > Lighting > Lamps", "Home & Garden | Lighting | Lamps"),
        ("594", "Osvětlení"),  # a bare taxonomy id has no words: the export's default category
    ])
    def test_channel_defaults_fill_what_heureka_requires_and_the_source_lacks(
        self, category: str, expected: str
    ) -> None:
        options = ConvertOptions(today=TODAY, default_category="Osvětlení",
                                 default_delivery=(("CESKA_POSTA", Decimal("99"), Decimal("129")),
                                                   ("ZASILKOVNA", Decimal("69"), None)))
        product = google_item(*BASE_GOOGLE, ("g:availability", "in_stock"), ("g:google_product_category", category))
        out = pairs(make_converter("google", "heureka", options).convert(product))
        assert ("CATEGORYTEXT", expected) in out
        assert [p for p in out if p[0] == "DELIVERY"] == [
            ("DELIVERY", [("DELIVERY_ID", "CESKA_POSTA"), ("DELIVERY_PRICE", "99.00"),
                          ("DELIVERY_PRICE_COD", "129.00")]),
            ("DELIVERY", [("DELIVERY_ID", "ZASILKOVNA"), ("DELIVERY_PRICE", "69.00")]),
        ]
        own = google_item(*BASE_GOOGLE, ("g:availability", "in_stock"),
                          ("g:shipping", [("g:country", "CZ"), ("g:service", "PPL"), ("g:price", "89 CZK")]))
        delivered = pairs(make_converter("google", "heureka", options).convert(own))
        assert [p for p in delivered if p[0] == "DELIVERY"] == [  # the source's own delivery wins
            ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "89.00")])]

    @pytest.mark.parametrize(("category", "expected"), [
        ("594", "Elektronika | Osvětlení"),  # the id, named by the operator's taxonomy file
        ("595", "Osvětlení"),  # an id the file does not name: the default category
    ])
    def test_a_taxonomy_file_names_a_bare_google_category_id(
        self, tmp_path: Path, category: str, expected: str
    ) -> None:
        taxonomy = tmp_path / "taxonomy-with-ids.cs-CZ.txt"
        taxonomy.write_text("# Google_Product_Taxonomy_Version: 2021-09-21\n222 - Elektronika\n"
                            "594 - Elektronika > Osvětlení\n", encoding="utf-8")
        options = ConvertOptions(today=TODAY, default_category="Osvětlení", google_taxonomy=read_taxonomy(taxonomy))
        product = google_item(*BASE_GOOGLE, ("g:availability", "in_stock"), ("g:google_product_category", category))
        assert ("CATEGORYTEXT", expected) in pairs(make_converter("google", "heureka", options).convert(product))

    @pytest.mark.parametrize(("text", "problem"), [
        ("594 Elektronika\n", "line 1: expected 'ID - Category > Subcategory', found '594 Elektronika'"),
        ("# only a comment\n", "no categories in it"),
    ])
    def test_a_taxonomy_file_that_is_not_one_is_refused_naming_the_line(
        self, tmp_path: Path, text: str, problem: str
    ) -> None:
        taxonomy = tmp_path / "taxonomy.txt"
        taxonomy.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(problem)):
            read_taxonomy(taxonomy)

    def test_gtin14_has_no_heureka_form(self) -> None:
        converter = make_converter("google", "heureka", OPTIONS)
        out = pairs(converter.convert(google_item(*BASE_GOOGLE, ("g:gtin", "10036000291459"))))
        assert not [p for p in out if p[0] == "EAN"]
        assert converter.warnings["GTIN-14 has no Heureka form; dropped"] == 1

    def test_slovak_parameter_names(self) -> None:
        options = ConvertOptions(today=TODAY, country="SK")
        out = pairs(convert("google", "heureka", google_item(*BASE_GOOGLE, ("g:size", "XL")), options))
        assert ("PARAM", [("PARAM_NAME", "Veľkosť"), ("VAL", "XL")]) in out

    def test_unknown_shipping_service_falls_back(self) -> None:
        converter = make_converter("google", "heureka", OPTIONS)
        shipping = ("g:shipping", [("g:country", "CZ"), ("g:price", "0 CZK")])
        out = pairs(converter.convert(google_item(*BASE_GOOGLE, shipping)))
        assert ("DELIVERY", [("DELIVERY_ID", "VLASTNI_PREPRAVA"), ("DELIVERY_PRICE", "0.00")]) in out
        assert converter.warnings["shipping service '(none)' has no DELIVERY_ID; VLASTNI_PREPRAVA used"] == 1

    def test_foreign_currency_warned_not_converted(self) -> None:
        converter = make_converter("google", "heureka", OPTIONS)
        product = google_item(*BASE_GOOGLE[:-1], ("g:price", "14.99 USD"), ("g:availability", "in_stock"))
        assert ("PRICE_VAT", "14.99") in pairs(converter.convert(product))
        assert converter.warnings["prices in USD written unconverted for a CZK channel"] == 1


class TestSalePrices:
    @pytest.mark.parametrize(
        ("window", "price_vat", "list_price"),
        [
            (None, "399.00", "499.00"),  # no window: the sale runs
            ("2026-01-01T00:00+0100/2026-01-31T23:59+0100", "399.00", "499.00"),
            ("2026-02-01T00:00+0100/2026-02-28T23:59+0100", "499.00", None),  # not started yet
        ],
    )
    def test_google_sale_to_zbozi(self, window: str | None, price_vat: str, list_price: str | None) -> None:
        extra: list[Spec] = [("g:sale_price", "399 CZK"), ("g:availability", "in_stock")]
        if window:
            extra.append(("g:sale_price_effective_date", window))
        out = dict(pairs(convert("google", "zbozi", google_item(*BASE_GOOGLE, *extra))))
        assert (out["PRICE_VAT"], out.get("LIST_PRICE")) == (price_vat, list_price)

    def test_zbozi_list_price_to_google_sale(self) -> None:
        product = shopitem(*BASE_HEUREKA, ("LIST_PRICE", "1500"))
        out = dict(pairs(convert("zbozi", "google", product)))
        assert (out["g:price"], out["g:sale_price"]) == ("1500.00 CZK", "1299.90 CZK")

    def test_list_price_not_above_price_ignored(self) -> None:
        product = shopitem(*BASE_HEUREKA, ("LIST_PRICE", "1000"))
        out = dict(pairs(convert("zbozi", "google", product)))
        assert (out["g:price"], out.get("g:sale_price")) == ("1299.90 CZK", None)


class TestIds:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("ABC_12-x", "ABC_12-x"),
            ("shopify/US 1", "shopify_US_1"),  # disallowed characters replaced
            ("Žluť", "_lu_"),
            ("", ""),
        ],
    )
    def test_charset(self, value: str, expected: str) -> None:
        assert heureka_id(value) == expected

    def test_long_ids_hashed_stable_and_distinct(self) -> None:
        first = heureka_id("shopify_US_8936631631951_46113449508943")
        second = heureka_id("shopify_US_8936631631951_46113449508944")
        assert len(first) == 36 and first.startswith("shopify_US_8936631631951_46")
        assert first == heureka_id("shopify_US_8936631631951_46113449508943")
        assert first != second


class TestZbozi:
    def test_heureka_to_zbozi_plain_description_and_extras(self) -> None:
        product = shopitem(*BASE_HEUREKA, ("GIFT", "Pouzdro"), ("HEUREKA_CPC", "2"), ("VIDEO_URL", "https://y.tb/v"))
        converter = make_converter("heureka", "zbozi", OPTIONS)
        assert pairs(converter.convert(product)) == [
            ("ITEM_ID", "A-1"),
            ("PRODUCTNAME", "Tričko Basic"),
            ("DESCRIPTION", "Měkké bavlněné tričko."),
            ("URL", "https://shop.cz/a-1"),
            ("IMGURL", "https://shop.cz/a-1.jpg"),
            ("PRICE_VAT", "1299.90"),
            ("DELIVERY_DATE", "0"),
            ("EXTRA_MESSAGE", "free_gift"),
        ]
        assert converter.warnings == Counter({
            "HEUREKA_CPC dropped: no zbozi equivalent": 1,
            "VIDEO_URL dropped: no zbozi equivalent": 1,
        })  # fmt: skip

    def test_heureka_keeps_html_description(self) -> None:
        out = dict(pairs(convert("zbozi", "heureka", shopitem(*BASE_HEUREKA))))
        assert out["DESCRIPTION"] == "<p>Měkké <b>bavlněné</b> tričko.</p>"

    def test_missing_availability_kept_for_the_validator(self) -> None:
        children = [c for c in BASE_HEUREKA if c[0] != "DELIVERY_DATE"]
        out = convert("heureka", "zbozi", shopitem(*children))
        assert out is not None and out.find("DELIVERY_DATE") is None


def test_decimal_money_never_float() -> None:
    converter = make_converter("heureka", "google", OPTIONS)
    offer = converter.offer(shopitem(*BASE_HEUREKA))  # type: ignore[union-attr]
    assert offer.price == Decimal("1299.90") and isinstance(offer.price, Decimal)


class TestStockCounts:
    """A source's stock count reaches the hub's count, so Mergado's STOCK_QUANTITY carries it (and Mirakl's
    quantity: test_mirakl.py); availability from the count is unchanged."""

    @pytest.mark.parametrize(("source", "product", "count"), [
        ("google", google_item(("g:id", "1"), ("g:stock_quantity", "4")), "4"),
        ("csv", item("item", ("id", "1"), ("qty", "9")), "9"),
        ("csv", item("item", ("id", "1"), ("Lagerbestand", "12.0")), "12"),  # a German column, a spreadsheet's float
        ("heureka", shopitem(("ITEM_ID", "1"), ("STOCK", [("AMOUNT", "5"), ("MINIMAL_AMOUNT", "1")])), "5"),  # Shoptet
        ("heureka", shopitem(("ITEM_ID", "1"), ("STOCK", "3")), "3"),  # flat, as before
    ])  # fmt: skip
    def test_mergado_writes_the_count(self, source: str, product: Product, count: str) -> None:
        out = pairs(convert(source, "mergado", product))
        assert ("STOCK_QUANTITY", count) in out

    def test_a_stock_text_that_is_no_number_gives_no_count_and_no_availability(self) -> None:
        out = pairs(convert("csv", "mergado", item("item", ("id", "1"), ("stock", "skladem"))))
        assert not any(name in ("STOCK_QUANTITY", "AVAILABILITY") for name, *_ in out)  # type: ignore[misc]

    @pytest.mark.parametrize(("count", "availability"), [("0", "out of stock"), ("2", "in stock")])
    def test_availability_still_follows_the_count(self, count: str, availability: str) -> None:
        out = pairs(convert("csv", "mergado", item("item", ("id", "1"), ("qty", count))))
        assert ("AVAILABILITY", availability) in out
