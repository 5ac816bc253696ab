"""Conversion to and from Meta, Google Atom, Mergado and generic feeds; identity; output envelopes."""

from __future__ import annotations

from collections import Counter

import pytest

from feeds.channels.convert import HubConverter, IdentityConverter, make_converter
from feeds.channels.envelope import target_info
from feeds.channels.google import ATOM_NS, GOOGLE_NS
from feeds.channels.mergado import MERGADO_NS
from feeds.channels.writing import NO_STOCK_SIGNAL
from feeds.model import Element, FeedInfo
from tests.feeds.channels.test_convert import BASE_GOOGLE, BASE_HEUREKA, OPTIONS, google_item, item, pairs, shopitem

DELIVERY = ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "99"), ("DELIVERY_PRICE_COD", "129")])


class TestMeta:
    def test_meta_rss_uses_spaced_availability(self) -> None:
        out = dict(pairs(make_converter("heureka", "meta", OPTIONS).convert(shopitem(*BASE_HEUREKA))))
        assert out["g:availability"] == "in stock"

    def test_meta_csv_is_flat(self) -> None:
        product = shopitem(
            *BASE_HEUREKA,
            ("IMGURL_ALTERNATIVE", "https://shop.cz/2.jpg"),
            ("IMGURL_ALTERNATIVE", "https://shop.cz/3.jpg"),
            ("MANUFACTURER", "Basic"),
            DELIVERY,
            ("PARAM", [("PARAM_NAME", "Střih"), ("VAL", "rovný")]),
        )
        converter = make_converter("heureka", "meta-csv", OPTIONS)
        assert pairs(converter.convert(product)) == [
            ("id", "A-1"),
            ("title", "Tričko Basic"),
            ("description", "Měkké bavlněné tričko."),
            ("link", "https://shop.cz/a-1"),
            ("image_link", "https://shop.cz/a-1.jpg"),
            ("additional_image_link", "https://shop.cz/2.jpg,https://shop.cz/3.jpg"),
            ("availability", "in stock"),
            ("price", "1299.90 CZK"),
            ("condition", "new"),
            ("brand", "Basic"),
            ("identifier_exists", "no"),
            ("shipping", "CZ::PPL:99.00 CZK"),
        ]
        assert converter.warnings["PARAM 'Střih' dropped: no Meta CSV column"] == 1

    def test_meta_csv_to_heureka(self) -> None:
        product = item(
            "item",
            ("id", "m1"),
            ("title", "Flauta"),
            ("availability", "in stock"),
            ("price", "12.00 USD"),
            ("link", "https://santopadre.store/#menu"),
            ("image_link", "https://i.ibb.co/a.jpg"),
            ("additional_image_link", "https://i.ibb.co/b.jpg, https://i.ibb.co/c.jpg"),
            ("shipping", "CZ::PPL:49 CZK"),
        )
        out = pairs(make_converter("meta-csv", "heureka", OPTIONS).convert(product))
        assert out == [
            ("ITEM_ID", "m1"),
            ("PRODUCTNAME", "Flauta"),
            ("URL", "https://santopadre.store/#menu"),
            ("IMGURL", "https://i.ibb.co/a.jpg"),
            ("IMGURL_ALTERNATIVE", "https://i.ibb.co/b.jpg"),
            ("IMGURL_ALTERNATIVE", "https://i.ibb.co/c.jpg"),
            ("PRICE_VAT", "12.00"),
            ("DELIVERY_DATE", "0"),
            ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "49.00")]),
        ]

    def test_google_to_meta_keeps_google_only_attributes(self) -> None:
        product = item("item", *BASE_GOOGLE, ("g:availability", "in_stock"), ("g:shipping_weight", "1.5 kg"))
        out = pairs(make_converter("google", "meta", OPTIONS).convert(product))
        assert ("g:shipping_weight", "1.5 kg") in out and ("g:availability", "in stock") in out


class TestAtom:
    def test_heureka_to_atom_uses_atom_elements(self) -> None:
        out = pairs(make_converter("heureka", "google-atom", OPTIONS).convert(shopitem(*BASE_HEUREKA)))
        assert out[:4] == [
            ("g:id", "A-1"),
            ("title", "Tričko Basic"),
            ("summary", "Měkké bavlněné tričko."),
            ("link", "", {"rel": "alternate", "href": "https://shop.cz/a-1"}),
        ]

    def test_atom_reads_text_link_and_ignores_atom_id(self) -> None:
        entry = item(
            "entry",
            ("id", "tag:shop.cz,2026:1"),  # the Atom entry id is not the product id
            ("g:id", "E-1"),
            ("title", "Stan"),
            ("link", "https://shop.cz/stan"),  # Shoptet writes the URL as text
            ("summary", "Lehký stan"),
            ("g:price", "2 999 CZK"),
            ("g:availability", "in stock"),
        )
        converter = make_converter("google-atom", "heureka", OPTIONS)
        out = dict(pairs(converter.convert(entry)))
        assert (out["ITEM_ID"], out["URL"], out["DESCRIPTION"], out["PRICE_VAT"]) == (
            "E-1", "https://shop.cz/stan", "Lehký stan", "2999.00",
        )  # fmt: skip
        assert converter.warnings == Counter({"id dropped: no heureka equivalent": 1})


class TestMergado:
    def test_heureka_to_mergado(self) -> None:
        product = shopitem(
            *BASE_HEUREKA,
            ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "modrá")]),
            DELIVERY,
            ("EAN", "5902687180165"),
        )
        assert pairs(make_converter("heureka", "mergado", OPTIONS).convert(product)) == [
            ("ITEM_ID", "A-1"),
            ("NAME_EXACT", "Tričko Basic"),
            ("DESCRIPTION", "<p>Měkké <b>bavlněné</b> tričko.</p>"),
            ("URL", "https://shop.cz/a-1"),
            ("IMAGE", "https://shop.cz/a-1.jpg"),
            ("PRICE_VAT", "1299.90"),
            ("CURRENCY", "CZK"),
            ("EAN", "5902687180165"),
            ("PARAM", [("NAME", "Barva"), ("VALUE", "modrá")]),
            ("AVAILABILITY", "in stock"),
            ("DELIVERY_DAYS", "0"),
            ("DELIVERY", [("ID", "PPL"), ("PRICE", "99.00"), ("PRICE_COD", "129.00")]),
        ]

    def test_mergado_to_heureka(self) -> None:
        product = item(
            "ITEM",
            ("ITEM_ID", "M-1"),
            ("NAME_EXACT", "Hrnek"),
            ("URL", "https://shop.cz/m-1"),
            ("IMAGE", "https://shop.cz/m-1.jpg"),
            ("PRICE_VAT", "150.5"),
            ("BRAND", "Keramika"),
            ("COLOR", "zelená"),
            ("PARAM", [("NAME", "Objem"), ("VALUE", "300 ml")]),
            ("AVAILABILITY", "preorder"),
            ("DELIVERY_DAYS", "5"),
            ("DELIVERY", [("ID", "ZASILKOVNA"), ("PRICE", "79"), ("PRICE_COD", "99")]),
            ("RELEASE_DATE", "01-03-2026"),
        )
        assert pairs(make_converter("mergado", "heureka", OPTIONS).convert(product)) == [
            ("ITEM_ID", "M-1"),
            ("PRODUCTNAME", "Hrnek"),
            ("URL", "https://shop.cz/m-1"),
            ("IMGURL", "https://shop.cz/m-1.jpg"),
            ("PRICE_VAT", "150.50"),
            ("MANUFACTURER", "Keramika"),
            ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "zelená")]),
            ("PARAM", [("PARAM_NAME", "Objem"), ("VAL", "300 ml")]),
            ("DELIVERY_DATE", "5"),
            ("DELIVERY", [("DELIVERY_ID", "ZASILKOVNA"), ("DELIVERY_PRICE", "79.00"), ("DELIVERY_PRICE_COD", "99.00")]),
        ]

    def test_google_out_of_stock_kept_for_mergado(self) -> None:
        product = item("item", *BASE_GOOGLE, ("g:availability", "out_of_stock"))
        out = dict(pairs(make_converter("google", "mergado", OPTIONS).convert(product)))
        assert out["AVAILABILITY"] == "out of stock"


class TestGenericSources:
    def test_csv_columns_mapped_by_alias(self) -> None:
        row = item(
            "item",
            ("ID", "c1"),
            ("Name", "Tasche"),
            ("URL", "https://x.de/c1"),
            ("Image", "https://x.de/c1.jpg"),
            ("Price", "19,90"),
            ("EAN", ""),
            ("Versandkosten", "4,00"),  # no equivalent (shipping is a structure of its own): dropped and counted
        )
        converter = make_converter("csv", "google", OPTIONS)
        out = pairs(converter.convert(row))
        assert out[:5] == [
            ("g:id", "c1"),
            ("g:title", "Tasche"),
            ("g:link", "https://x.de/c1"),
            ("g:image_link", "https://x.de/c1.jpg"),
            ("g:price", "19.90 CZK"),
        ]  # no stock column: no availability claimed, a warning says why (validation reports the product)
        assert converter.warnings == Counter({"Versandkosten dropped: no google equivalent": 1, NO_STOCK_SIGNAL: 1})


    @pytest.mark.parametrize(("column", "count", "availability"), [
        ("Inventory", "3", "in_stock"),  # Shopify
        ("Bestand", "0", "out_of_stock"),
        ("Stan magazynowy", "12", "in_stock"),
        ("Készlet", "1", "in_stock"),
        ("Variant Inventory Qty", "0", "out_of_stock"),
    ])
    def test_stock_columns_in_other_languages_set_availability(
        self, column: str, count: str, availability: str
    ) -> None:
        row = item("item", ("Artikelnummer", "7"), ("Produktname", "Kleid"), ("Preis (Brutto)", "105,24"),
                   (column, count))
        converter = make_converter("csv", "google", OPTIONS)
        out = dict(pairs(converter.convert(row)))
        assert (out["g:id"], out["g:title"], out["g:price"], out["g:availability"]) == (
            "7", "Kleid", "105.24 CZK", availability)
        assert NO_STOCK_SIGNAL not in converter.warnings

    def test_czech_shop_export_columns_are_understood(self) -> None:
        row = item(
            "item",
            ("kód", "00002"),
            ("Název", "Aviváž Levandule 2 l"),
            ("popis", "Aviváž s vůní levandule"),
            ("cena s DPH", "119,00"),
            ("DPH", "21"),  # a VAT rate: no Google equivalent
            ("výrobce", "Kapka"),
            ("kategorie", "Drogerie > Prací prostředky"),
            ("skladem ks", "7"),
            ("obrázek", "https://x.cz/img/00002.jpg"),
            ("URL", "https://x.cz/zbozi/00002"),
        )
        converter = make_converter("csv", "google", OPTIONS)
        out = dict(pairs(converter.convert(row)))
        assert {k: out[k] for k in ("g:id", "g:title", "g:price", "g:brand", "g:availability", "g:image_link")} == {
            "g:id": "00002",
            "g:title": "Aviváž Levandule 2 l",
            "g:price": "119.00 CZK",
            "g:brand": "Kapka",
            "g:availability": "in_stock",
            "g:image_link": "https://x.cz/img/00002.jpg",
        }
        assert out["g:product_type"] == "Drogerie > Prací prostředky"
        assert converter.warnings == Counter({"DPH dropped: no google equivalent": 1})

    def test_a_stock_count_gives_availability_unless_a_column_states_it(self) -> None:
        def availability(*cells: tuple[str, str]) -> str:
            out = dict(pairs(make_converter("csv", "google", OPTIONS).convert(item("item", ("id", "1"), *cells))))
            return out["g:availability"]

        assert availability(("stock", "0")) == "out_of_stock"
        assert availability(("qty", "12")) == "in_stock"
        assert availability(("availability", "preorder"), ("stock", "0")) == "preorder"


class TestIdentity:
    def test_same_format_returns_the_product_itself(self) -> None:
        product = shopitem(*BASE_HEUREKA)
        converter = make_converter("heureka", "heureka", OPTIONS)
        assert isinstance(converter, IdentityConverter) and converter.convert(product) is product

    def test_a_currency_asked_for_that_the_prices_do_not_have_is_said_not_silently_ignored(self) -> None:
        import dataclasses

        usd = google_item(*[c for c in BASE_GOOGLE if c[0] != "g:price"], ("g:price", "32.0 USD"))
        converter = make_converter("google", "google", dataclasses.replace(OPTIONS, currency="CZK"))
        assert converter.convert(usd) is usd  # nothing is converted: no exchange rates
        assert converter.warnings == Counter(
            {"prices in USD kept unconverted (options ask for CZK; Feedhub has no exchange rates)": 1})
        czk = make_converter("google", "google", dataclasses.replace(OPTIONS, currency="USD"))
        czk.convert(usd)
        assert not czk.warnings

    def test_generic_target_keeps_source_elements(self) -> None:
        product = shopitem(*BASE_HEUREKA)
        assert make_converter("heureka", "csv", OPTIONS).convert(product) is product
        assert make_converter("google", "xml", OPTIONS).convert(product) is product

    def test_channel_pair_is_a_hub_converter(self) -> None:
        assert isinstance(make_converter("zbozi", "heureka"), HubConverter)


class TestEnvelope:
    def test_same_format_keeps_source_envelope(self) -> None:
        source = FeedInfo(format="google", root="rss", header=[Element("title", "Shop")])
        assert target_info("google", source, OPTIONS) is source

    def test_google_rss_header_from_source_channel(self) -> None:
        source = FeedInfo(
            format="google-atom", header=[Element("title", "Shop"), Element("link", "", {"href": "https://s.cz"})]
        )
        info = target_info("google", source, OPTIONS)
        assert (info.root, info.root_attrs, info.nsmap, info.container, info.item) == (
            "rss", {"version": "2.0"}, {"g": GOOGLE_NS}, ["channel"], "item",
        )  # fmt: skip
        assert [(e.name, e.text) for e in info.header] == [
            ("title", "Shop"), ("link", "https://s.cz"), ("description", "Shop"),
        ]  # fmt: skip

    def test_atom_header(self) -> None:
        info = target_info("google-atom", FeedInfo(format="heureka", root="SHOP"), OPTIONS)
        assert info.nsmap == {None: ATOM_NS, "g": GOOGLE_NS}
        assert [(e.name, e.text) for e in info.header] == [
            ("title", "Product feed"), ("updated", "2026-01-10T00:00:00Z"), ("id", "urn:feedhub:feed"),
        ]  # fmt: skip

    def test_mergado_link_from_options(self) -> None:
        from feeds.channels import ConvertOptions

        info = target_info("mergado", FeedInfo(format="heureka"), ConvertOptions(feed_link="https://s.cz"))
        assert (info.root, info.nsmap, [(e.name, e.text) for e in info.header]) == (
            "CHANNEL", {None: MERGADO_NS}, [("LINK", "https://s.cz")],
        )  # fmt: skip

    def test_meta_csv_columns_and_heureka_bare(self) -> None:
        source = FeedInfo(format="google", header=[Element("title", "x")])
        assert target_info("meta-csv", source, OPTIONS).columns[:3] == ["id", "title", "description"]
        heureka = target_info("heureka", source, OPTIONS)
        assert (heureka.root, heureka.item, heureka.header, heureka.nsmap) == ("SHOP", "SHOPITEM", [], {})

    def test_generic_target_keeps_source_shape(self) -> None:
        source = FeedInfo(format="heureka", root="SHOP", item="SHOPITEM")
        info = target_info("tsv", source, OPTIONS)
        assert (info.format, info.root, info.item, info.delimiter) == ("tsv", "SHOP", "SHOPITEM", "\t")
