"""The third-party feeds in ../shared/feeds (read in place, never copied here; see SOURCES.md there).

Each one: detected format, product count from SOURCES.md, and a few values that prove the text came
through intact (diacritics, CDATA padding, leading zeros, `&` in URLs, literal backslash-n).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from feeds.errors import FeedSyntaxError
from feeds.fetch import FetchPolicy, fetch_source
from feeds.model import Product
from feeds.parsers import detect_format, open_feed
from tests.feeds.conftest import LocalServer

SHARED = Path(__file__).resolve().parents[4] / "shared" / "feeds"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/feeds is absent"),
]

EXPECTED = {  # file: (format, products), counts from SOURCES.md
    "heureka_shopify_orris.xml": ("heureka", 75),
    "heureka_woo_menabo_es.xml": ("heureka", 317),
    "heureka_sk_caremobility.xml": ("heureka", 20),
    "heureka_shopify_puffmi.xml": ("heureka", 30),
    "heureka_shopify_arche.xml": ("heureka", 77),
    "DERIVED_heureka_shopify_arche.xml.gz": ("heureka", 77),
    "zbozi_ns_podrazdenacica.xml": ("zbozi", 1),
    "google_rss_importpc_oneline.xml": ("google", 1255),
    "google_rss_dai_tiny.xml": ("google", 2),
    "facebook_catalog_santopadre.csv": ("csv", 25),
    "facebook_rss_dularmart.xml": ("google", 5),  # a Meta catalog in Google's RSS shape
    "csv_shopify_siebentaschen_de.csv": ("csv", 6987),
}
TRUNCATED = "custom_cp1250_hadex_truncated.xml"


def products_of(name: str, tmp_path: Path) -> list[Product]:
    """Fetch (gzip inflated by fetch), detect and parse one shared feed."""
    path = fetch_source(str(SHARED / name), tmp_path / "ws").path
    return [product for chunk in open_feed(path).chunks() for product in chunk]


def test_every_shared_feed_is_covered() -> None:
    present = {p.name for p in SHARED.iterdir() if p.name != "SOURCES.md"}
    assert present == set(EXPECTED) | {TRUNCATED}


@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()), ids=sorted(EXPECTED))
def test_format_and_product_count(name: str, expected: tuple[str, int], tmp_path: Path) -> None:
    path = fetch_source(str(SHARED / name), tmp_path / "ws").path
    parser = open_feed(path)
    count = sum(len(chunk) for chunk in parser.chunks())
    assert (detect_format(path), count) == expected
    assert parser.info.warnings == []


class TestSpotValues:
    def test_arche_cdata_padding_and_czech_text_kept(self, tmp_path: Path) -> None:
        first = products_of("heureka_shopify_arche.xml", tmp_path)[0]
        assert first.get("ITEM_ID") == "ARCHE-GIFT-KARTA-500"
        assert first.get("PRODUCTNAME") == " Arche dárková karta (500,00 Kč) "
        assert first.get("PRODUCT") == " Arche dárková karta "
        assert first.get("VAT") == "21%"

    def test_gzip_copy_equals_the_plain_file(self, tmp_path: Path) -> None:
        plain = products_of("heureka_shopify_arche.xml", tmp_path / "a")
        assert products_of("DERIVED_heureka_shopify_arche.xml.gz", tmp_path / "b") == plain

    def test_orris_bom_and_crlf(self, tmp_path: Path) -> None:
        products = products_of("heureka_shopify_orris.xml", tmp_path)
        assert products[0].get("ITEM_ID") == "49915334295890"
        assert products[0].get("PRODUCTNAME") == "Afnan 9 AM EDP Default Title"
        assert [d.get("DELIVERY_ID") for d in products[0].find_all("DELIVERY")] == ["CESKA_POSTA", "PPL"]
        assert not any("\r" in p.get("DESCRIPTION") for p in products)  # CRLF normalised by XML

    def test_caremobility_slovak_category(self, tmp_path: Path) -> None:
        products = products_of("heureka_sk_caremobility.xml", tmp_path)
        assert products[0].get("CATEGORYTEXT") == "Zdravie | Diagnostické pomôcky | Fonendoskopy"
        assert {p.get("ITEMGROUP_ID") for p in products} == {"CM-CLASSIC3-GROUP"}

    def test_menabo_empty_id_and_literal_backslash_n(self, tmp_path: Path) -> None:
        products = products_of("heureka_woo_menabo_es.xml", tmp_path)
        assert [p.get("ITEM_ID") for p in products].count("") == 1
        assert products[0].get("PRICE_VAT") == "69.0"
        assert "\\nDiseño aerodinámico" in products[0].get("DESCRIPTION")

    def test_zbozi_namespace_en_dash_and_ampersand(self, tmp_path: Path) -> None:
        [product] = products_of("zbozi_ns_podrazdenacica.xml", tmp_path)
        assert product.get("PRODUCTNAME").startswith("Onanovánky 2026 – ")
        assert product.get("URL") == (
            "https://www.podrazdenacica.cz/onanovanky?utm_source=zbozi&utm_medium=cpc&utm_campaign=onanovanky"
        )

    def test_importpc_one_line_feed(self, tmp_path: Path) -> None:
        products = products_of("google_rss_importpc_oneline.xml", tmp_path)
        ids = [p.get("g:id") for p in products]
        assert ids.count("BC-FU-LI3560") == 2  # the duplicate SOURCES.md mentions
        assert products[0].get("g:title").startswith("Nabíječka Movano 19.5V")
        assert "0882861067541" in [p.get("g:gtin") for p in products]  # leading zero kept

    def test_dai_nested_shipping(self, tmp_path: Path) -> None:
        first = products_of("google_rss_dai_tiny.xml", tmp_path)[0]
        shipping = first.find("g:shipping")
        assert shipping is not None
        assert [(c.name, c.text) for c in shipping.children] == [
            ("g:country", "US"),
            ("g:service", "Standard"),
            ("g:price", "0.00 USD"),
        ]

    def test_santopadre_meta_csv(self, tmp_path: Path) -> None:
        first = products_of("facebook_catalog_santopadre.csv", tmp_path)[0]
        assert [c.name for c in first.children] == [
            "id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand"
        ]  # fmt: skip
        assert (first.get("id"), first.get("price")) == ("flauta-cochinita-v1", "12.00 USD")
        assert first.get("title") == "Flauta de Cochinita (6U) - Ración 6 Unidades"

    def test_siebentaschen_leading_zero_ean_and_german_headers(self, tmp_path: Path) -> None:
        parser = open_feed(SHARED / "csv_shopify_siebentaschen_de.csv")
        wanted = None
        for chunk in parser.chunks(size=500):  # stop at the product, the file is 2.5 MB
            wanted = next((p for p in chunk if p.get("Artikelnummer im Shop") == "316903-LH"), None)
            if wanted:
                break
        assert wanted is not None and wanted.get("EAN/GTIN") == "0196176650139"
        assert parser.info.columns[:4] == ["Handle", "Artikelnummer im Shop", "EAN/GTIN", "Produktname"]
        assert "Preis (Brutto)" in parser.info.columns


def test_truncated_cp1250_feed_fails_clearly() -> None:
    path = SHARED / TRUNCATED
    assert detect_format(path) == "xml"
    with pytest.raises(FeedSyntaxError) as caught:
        [product for chunk in open_feed(path).chunks() for product in chunk]
    assert (caught.value.line, caught.value.item_id) == (58, "A004")
    assert "after product 'A004'" in str(caught.value)


def test_real_feed_over_http_with_content_encoding_gzip(http_server: LocalServer, tmp_path: Path) -> None:
    name = "heureka_shopify_arche.xml"
    body = gzip.compress((SHARED / name).read_bytes())
    url = http_server.serve(f"/{name}", body, headers={"Content-Encoding": "gzip", "Content-Type": "application/xml"})
    fetched = fetch_source(url, tmp_path / "http", policy=FetchPolicy(allow_private=True, timeout_s=5, deadline_s=10))
    assert fetched.path.read_bytes() == (SHARED / name).read_bytes()
    assert detect_format(fetched.path) == "heureka"
    over_http = [product for chunk in open_feed(fetched.path).chunks() for product in chunk]
    assert over_http == products_of(name, tmp_path / "local")
