"""The templates shipped as presets: each validates, and the marketplace product file, run over real feeds from
../shared/feeds, has every column the source says, read here from the XML with lxml."""

from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from feeds.pipeline import ExportTarget, process
from feeds.project import TEMPLATE_FORMAT
from feeds.templates import PRESETS, UnknownPreset, load_preset, preset_text, template_problems

SHARED_FEEDS = Path(__file__).resolve().parents[4] / "shared" / "feeds"
G = "http://base.google.com/ns/1.0"
COLUMNS = ["shop-sku", "ean", "title", "description", "brand", "category", "price", "quantity", "main-image",
           "additional-images", "color", "size", "material", "product-url"]


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_validates(name: str) -> None:
    assert template_problems(preset_text(name)) == []


def test_an_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(UnknownPreset, match="known presets: marketplace-products") as caught:
        load_preset("mirakl")
    assert (caught.value.name, caught.value.known) == ("mirakl", sorted(PRESETS))


def _written(source: Path, tmp_path: Path) -> list[dict[str, str]]:
    template = load_preset("marketplace-products")
    out = tmp_path / f"products{template.extension}"
    report = process(source, [ExportTarget("mp", TEMPLATE_FORMAT, out, template=template)])
    assert report.exports[0].invalid == 0
    with open(out, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _text(item: etree._Element, path: str) -> str:
    return (item.findtext(path) or "").strip()


def _param(item: etree._Element, *names: str) -> str:
    return next((_text(p, "VAL") for p in item.iter("PARAM") if _text(p, "PARAM_NAME") in names), "")


def _plain(html: str) -> str:
    """The words of an HTML description; a literal `\\n` (WooCommerce exports write them) is a line break."""
    return " ".join(lxml.html.fromstring(html).text_content().replace("\\n", "\n").split()) if html.strip() else ""


def _money(text: str) -> str:
    number = text.split()[0].replace(",", ".") if text else ""
    return str(Decimal(number).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) if number else ""


def _category(text: str) -> str:
    parts = [part.strip() for part in text.split("|") if part.strip()]
    return " > ".join(parts[1:] if parts and parts[0].lower().startswith("heureka.") else parts)


def _shopitem(item: etree._Element) -> dict[str, str]:
    return {
        "shop-sku": _text(item, "ITEM_ID"), "ean": _text(item, "EAN"), "title": _text(item, "PRODUCTNAME"),
        "description": _plain(item.findtext("DESCRIPTION") or ""), "brand": _text(item, "MANUFACTURER"),
        "category": _category(_text(item, "CATEGORYTEXT")), "price": _money(_text(item, "PRICE_VAT")),
        "quantity": _text(item, "STOCK"), "main-image": _text(item, "IMGURL"),
        "additional-images": "|".join(_text(e, ".") for e in item.findall("IMGURL_ALTERNATIVE")),
        "color": _param(item, "Barva", "Farba"), "size": _param(item, "Velikost", "Veľkosť"),
        "material": _param(item, "Materiál"), "product-url": _text(item, "URL"),
    }


def _google(item: etree._Element) -> dict[str, str]:
    def g(name: str) -> str:
        return _text(item, f"{{{G}}}{name}")

    return {
        "shop-sku": g("id"), "ean": g("gtin"), "title": g("title"), "description": _plain(g("description")),
        "brand": g("brand"), "category": _category(g("product_type").replace(">", "|")), "price": _money(g("price")),
        "quantity": g("quantity"), "main-image": g("image_link"),
        "additional-images": "|".join(_text(e, ".") for e in item.findall(f"{{{G}}}additional_image_link")),
        "color": g("color"), "size": g("size"), "material": g("material"), "product-url": g("link"),
    }


@pytest.mark.skipif(not SHARED_FEEDS.is_dir(), reason="../shared/feeds is not beside the project")
@pytest.mark.parametrize("name", ["heureka_sk_caremobility.xml", "heureka_shopify_arche.xml",
                                  "heureka_woo_menabo_es.xml", "google_rss_dai_tiny.xml"])
def test_the_marketplace_product_file_has_the_sources_values(name: str, tmp_path: Path) -> None:
    source = SHARED_FEEDS / name
    root = etree.parse(str(source), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    expected = [_shopitem(item) for item in root.iter("SHOPITEM")] or [_google(item) for item in root.iter("item")]

    written = _written(source, tmp_path)

    assert len(written) == len(expected) > 0
    for got, want in zip(written, expected, strict=True):
        description = want.pop("description")
        assert {column: got[column] for column in want} == want
        # the same characters without markup; spacing is strip_html's (paragraph breaks, a space after a link)
        letters, source_letters = "".join(got["description"].split()), "".join(description.split())
        assert "<" not in got["description"] and len(got["description"]) <= 5000
        truncated = len(got["description"]) > 4900  # the preset cuts at 5,000 characters, between words
        assert source_letters.startswith(letters) if truncated else letters == source_letters
    assert any(row["color"] for row in written) or name.startswith(("google", "heureka_woo"))
