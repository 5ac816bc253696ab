"""The team-written sample feeds: each is detected as its format, parses completely, keeps its values.

Why: `feedhub demo` converts every file in sample_feeds/, and the samples are the fixtures other
tests and the docs point to. A sample that stops parsing, or whose diacritics or leading zeros
get mangled, must fail here first, with the file's name in the test id.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from feeds.fetch import fetch_local
from feeds.model import Product
from feeds.parsers import detect_format, open_feed

SAMPLES = Path(__file__).resolve().parent.parent / "sample_feeds"

# file -> (format detect_format must return, products it holds)
EXPECTED: dict[str, tuple[str, int]] = {
    "heureka_cz_params_delivery.xml": ("heureka", 23),
    "heureka_cp1250.xml": ("heureka", 12),
    "heureka_sk_eur.xml": ("heureka", 15),
    "heureka_gzip.xml.gz": ("heureka", 15),
    "zbozi_namespaced.xml": ("zbozi", 15),
    "google_rss.xml": ("google", 18),
    "google_atom.xml": ("google-atom", 12),
    "meta_rss.xml": ("google", 12),  # Meta RSS is Google's vocabulary: indistinguishable by content
    "meta_catalog.csv": ("csv", 15),  # a Meta CSV is a CSV; users pick --from meta-csv
    "mergado.xml": ("mergado", 15),
    "products_generic.xml": ("xml", 12),
    "shop_export.csv": ("csv", 20),
    "google.tsv": ("tsv", 15),
}


def local_path(name: str, workspace: Path) -> Path:
    """The sample as the parsers see it: gzip inflated by fetch, like every real source."""
    return fetch_local(SAMPLES / name, workspace).path


def products(name: str, workspace: Path, format_key: str | None = None) -> list[Product]:
    parser = open_feed(local_path(name, workspace), format_key)
    return [product for chunk in parser.chunks() for product in chunk]


def by_id(items: list[Product], key: str = "ITEM_ID") -> dict[str, Product]:
    return {item.get(key): item for item in items}


def test_every_sample_is_listed() -> None:
    """A new sample needs an expected format and count here (and a line in the README)."""
    on_disk = {p.name for p in SAMPLES.iterdir() if p.is_file() and p.suffix != ".md"}
    assert on_disk == set(EXPECTED)
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detected_and_parsed(name: str, tmp_path: Path) -> None:
    fmt, count = EXPECTED[name]
    path = local_path(name, tmp_path)
    assert detect_format(path) == fmt
    items = products(name, tmp_path)
    assert len(items) == count
    id_fields = ("ITEM_ID", "g:id", "id", "kód")
    ids = [next((item.get(f) for f in id_fields if item.get(f)), item.attrs.get("id")) for item in items]
    assert all(ids) and len(set(ids)) == len(ids), "every product has a unique id"


def test_heureka_cz_values(tmp_path: Path) -> None:
    items = by_id(products("heureka_cz_params_delivery.xml", tmp_path))
    pot = items["HRN24-CER"]
    assert pot.get("PRODUCTNAME") == "Železná kuchyně Kastrol 24 cm červená"
    assert "<strong>Litinový hrnec</strong>" in pot.get("DESCRIPTION")  # HTML from CDATA kept verbatim
    assert "Vaření & pečení" in pot.get("DESCRIPTION")
    assert pot.get("CATEGORYTEXT") == "Heureka.cz | Dům a zahrada | Kuchyně | Nádobí | Hrnce"
    assert [p.get("PARAM_NAME") for p in pot.find_all("PARAM")][:2] == ["Materiál", "Objem"]
    assert pot.get("ITEMGROUP_ID") == "HRN24"
    assert items["PAN-SEF-24"].get("EAN") == "0012345624018"  # leading zeros kept
    assert items["PAN-SEF-24"].get("HEUREKA_CPC") == "0,45"  # decimal comma kept as text
    coffee = items["KAV-EK15"]
    assert coffee.get("DELIVERY_DATE") == "2026-03-02"
    gift = coffee.find("GIFT")
    assert gift is not None and gift.attrs == {"ID": "DAREK-MLYNEK"}
    assert gift.text == "Ruční mlýnek na kávu Zrnko"
    deliveries = {d.get("DELIVERY_ID"): d for d in items["NOZ-OSTRI-5"].find_all("DELIVERY")}
    assert deliveries and all(d.get("DELIVERY_PRICE") for d in deliveries.values())
    assert any(d.get("DELIVERY_PRICE_COD") for d in deliveries.values())
    assert len(items["KAV-EK15"].find_all("IMGURL_ALTERNATIVE")) == 3


def test_cp1250_decoded(tmp_path: Path) -> None:
    raw = (SAMPLES / "heureka_cp1250.xml").read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="windows-1250"?>')
    assert "Skříňka".encode("cp1250") in raw and "Skříňka".encode() not in raw  # really single-byte
    items = by_id(products("heureka_cp1250.xml", tmp_path))
    assert items["ZEL-003"].get("PRODUCTNAME") == "Skříňka na nářadí kovová"
    assert items["ZEL-003"].get("MANUFACTURER") == "Kovo Úštěk"
    assert "Žluťoučký kůň úpěl ďábelské ódy" in items["ZEL-002"].get("DESCRIPTION")
    assert items["ZEL-001"].get("DESCRIPTION").startswith("<p>Šroubovák křížový PH2 × 100 mm – „poctivé“")
    assert items["ZEL-001"].get("PRICE_VAT") == "89,90"


def test_sk_and_gzip_are_the_same_feed(tmp_path: Path) -> None:
    assert gzip.decompress((SAMPLES / "heureka_gzip.xml.gz").read_bytes()) == (
        SAMPLES / "heureka_sk_eur.xml").read_bytes()
    items = by_id(products("heureka_gzip.xml.gz", tmp_path))
    assert items["TERM-DUMB"].get("PRODUCTNAME") == "Termoska Ďumbier 0,75 l"
    assert items["PRIL-LAH"].get("PRICE_VAT") == "49.99"
    assert items["PRIL-LAH"].get("CATEGORYTEXT").startswith("Heureka.sk | Šport")
    assert items["PRIL-LAH"].find("DELIVERY").get("DELIVERY_ID") == "SLOVENSKA_POSTA"  # type: ignore[union-attr]


def test_zbozi_values(tmp_path: Path) -> None:
    parser = open_feed(local_path("zbozi_namespaced.xml", tmp_path))
    items = by_id([p for chunk in parser.chunks() for p in chunk])
    assert parser.info.nsmap == {None: "http://www.zbozi.cz/ns/offer/1.0"}
    castle = items["HR-1001"]
    assert castle.get("LIST_PRICE") == "1599" and castle.get("PRICE_VAT") == "1299"
    assert castle.get_all("EXTRA_MESSAGE") == ["free_delivery", "extended_warranty"]
    assert castle.get("MAX_CPC")
    assert castle.get("URL").endswith("?utm_source=zbozi&utm_medium=cpc")


def test_google_rss_values(tmp_path: Path) -> None:
    items = by_id(products("google_rss.xml", tmp_path), "g:id")
    shirt = items["TRI-LEN-BI-S"]
    assert shirt.get("title") == "Dámské lněné tričko Lenka bílá S"
    assert len(shirt.find_all("g:shipping")) == 3
    detail = shirt.find("g:product_detail")
    assert detail is not None and detail.get("g:attribute_name") == "Materiál"
    availability = {item.get("g:availability") for item in items.values()}
    assert availability == {"in_stock", "out_of_stock", "preorder"}
    preorders = [item for item in items.values() if item.get("g:availability") == "preorder"]
    assert all(item.get("g:availability_date") for item in preorders)
    assert any(item.get("g:sale_price") for item in items.values())
    assert items["TAS-KOZ"].get("g:identifier_exists") == "no" and not items["TAS-KOZ"].get("g:gtin")


def test_google_atom_values(tmp_path: Path) -> None:
    items = by_id(products("google_atom.xml", tmp_path), "g:id")
    cream = items["KOS-001"]
    assert cream.get("title") == "Měsíčkový krém na ruce 75 ml"
    link = cream.find("link")
    assert link is not None and link.attrs["href"] == "https://www.example-bylinky.cz/kos-001"
    assert cream.get("g:price") == "189.00 CZK"


def test_meta_values(tmp_path: Path) -> None:
    rss = by_id(products("meta_rss.xml", tmp_path, "meta"), "g:id")
    assert rss["NAB-003"].get("g:availability") == "out of stock"
    assert rss["NAB-001"].get("g:rich_text_description").startswith("<p><b>Dubový")
    rows = by_id(products("meta_catalog.csv", tmp_path, "meta-csv"), "id")
    assert rows["POL-SED-40"].get("title") == 'Polštář "Domov" šedá, 40 × 40 cm'  # doubled quotes and a comma
    assert rows["POL-SED-40"].get("additional_image_link").count(",") == 1
    assert rows["UBR-LEN"].get("sale_price") == ""


def test_mergado_values(tmp_path: Path) -> None:
    items = by_id(products("mergado.xml", tmp_path))
    food = items["GRAN-DOSP-7"]
    assert food.get("NAME_EXACT") == "Chlupáč Granule pro dospělé psy kuře a rýže 7 kg"
    assert [(p.get("NAME"), p.get("VALUE")) for p in food.find_all("PARAM")][0] == ("Hmotnost", "7 kg")
    delivery = food.find("DELIVERY")
    assert delivery is not None
    assert [delivery.get(f) for f in ("ID", "PRICE", "PRICE_COD")] == ["ZASILKOVNA", "69", "99"]
    assert any(item.get("RELEASE_DATE") == "15-03-2026" for item in items.values())


def test_generic_xml_attributes(tmp_path: Path) -> None:
    items = products("products_generic.xml", tmp_path)
    book = items[0]
    assert book.name == "PRODUCT" and book.attrs == {"id": "K-1001", "available": "false"}
    assert book.get("TITLE") == "Jaro na Vysočině"
    price = book.find("PRICE")
    assert price is not None and price.attrs == {"currency": "CZK", "vat": "0"}
    images = book.find("IMAGES")
    assert images is not None
    descriptions = [image.attrs["description"] for image in images.find_all("IMAGE")]
    assert descriptions == ["Přední strana obálky", "Zadní strana obálky"]


def test_shop_csv_values(tmp_path: Path) -> None:
    parser = open_feed(local_path("shop_export.csv", tmp_path))
    rows = [row for chunk in parser.chunks() for row in chunk]
    assert parser.info.delimiter == ";"
    assert parser.info.columns[:4] == ["kód", "název", "popis", "cena s DPH"]  # no BOM on the first header
    first = rows[0]
    assert first.get("kód") == "00001" and first.get("EAN") == "0000771234505"
    assert first.get("cena s DPH") == "249,90"
    assert rows[17].get("název") == "Houbičky na nádobí; 10 ks"  # quoted delimiter


def test_google_tsv_repeated_columns(tmp_path: Path) -> None:
    parser = open_feed(local_path("google.tsv", tmp_path))
    rows = [row for chunk in parser.chunks() for row in chunk]
    assert parser.info.columns.count("additional_image_link") == 2
    second = rows[1]
    assert len(second.get_all("additional_image_link")) == 2 and all(second.get_all("additional_image_link"))
    assert rows[0].get("shipping") == "CZ::Zásilkovna:69 CZK"


def test_gtins_have_valid_check_digits(tmp_path: Path) -> None:
    """Samples must pass a channel's GTIN validation, so exports of them are clean."""
    fields = {
        "heureka_cz_params_delivery.xml": "EAN", "zbozi_namespaced.xml": "EAN", "google_rss.xml": "g:gtin",
        "mergado.xml": "EAN", "shop_export.csv": "EAN", "google.tsv": "gtin", "products_generic.xml": "ISBN",
    }
    for name, field in fields.items():
        codes = [item.get(field) for item in products(name, tmp_path) if item.get(field)]
        assert codes, name
        for code in codes:
            body, check = code[:-1], int(code[-1])
            total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
            assert (10 - total % 10) % 10 == check, f"{name}: {code}"
