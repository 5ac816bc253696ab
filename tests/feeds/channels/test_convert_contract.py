"""Contract over every channel pair, and conversions of the real feeds in ../shared/feeds."""

from __future__ import annotations

import functools
import io
from collections import Counter
from datetime import timedelta
from itertools import product as cartesian
from pathlib import Path

import pytest

from feeds.channels import CHANNEL_TARGETS, CHANNELS, ConvertOptions, get_channel
from feeds.channels.convert import make_converter
from feeds.channels.envelope import target_info
from feeds.channels.validate import make_validator
from feeds.exports import writer_for
from feeds.model import Element, FeedInfo, Product
from feeds.parsers import open_feed
from tests.feeds.channels.test_convert import OPTIONS, TODAY, item

SHARED_FEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "feeds"
REAL = SHARED_FEEDS.is_dir()

COMPLETE_HEUREKA = item(
    "SHOPITEM",
    ("ITEM_ID", "K-1"),
    ("PRODUCTNAME", "Konvice Rapid 1,7 l"),
    ("DESCRIPTION", "Rychlovarná konvice."),
    ("URL", "https://shop.cz/k-1"),
    ("IMGURL", "https://shop.cz/k-1.jpg"),
    ("PRICE_VAT", "899"),
    ("MANUFACTURER", "Rapid"),
    ("CATEGORYTEXT", "Heureka.cz | Domácnost | Konvice"),
    ("EAN", "5902687180165"),
    ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "bílá")]),
    ("DELIVERY_DATE", "0"),
    ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "99")]),
)


def _samples() -> dict[str, Product]:
    """One complete product per channel format, each made from the Heureka one."""
    samples = {"heureka": COMPLETE_HEUREKA}
    for key in CHANNEL_TARGETS:
        if key != "heureka":
            converted = make_converter("heureka", key, OPTIONS).convert(COMPLETE_HEUREKA)
            assert converted is not None
            samples[key] = converted
    return samples


SAMPLES = _samples()


def test_channel_formats_are_registered() -> None:
    assert set(CHANNEL_TARGETS) <= set(CHANNELS)
    assert set(CHANNELS) - set(CHANNEL_TARGETS) == {"csv", "tsv", "xml"}


FULL_PAIRS = [(source, target) for source, target in cartesian(CHANNEL_TARGETS, CHANNEL_TARGETS)
              if not CHANNELS[source].offers_only or CHANNELS[target].offers_only]  # offers carry no product data


@pytest.mark.parametrize(("source", "target"), FULL_PAIRS)
def test_every_pair_converts_a_complete_product_to_a_valid_one(source: str, target: str) -> None:
    converter = make_converter(source, target, OPTIONS)
    out = converter.convert(SAMPLES[source])
    assert out is not None
    assert make_validator(target)(out) == []
    assert converter.dropped == Counter()


@pytest.mark.parametrize(("source", "target"), list(cartesian(CHANNEL_TARGETS, CHANNEL_TARGETS)))
def test_every_pair_reports_a_bare_product_clearly(source: str, target: str) -> None:
    bare = Product(SAMPLES[source].name, children=[c for c in SAMPLES[source].children[:1]])  # the id only
    out = make_converter(source, target, OPTIONS).convert(bare)
    assert out is not None  # unknown availability is the validator's business; only out_of_stock drops
    problems = make_validator(target)(out)
    assert problems and all(p.startswith("missing ") for p in problems), problems


@pytest.mark.parametrize("key", sorted(CHANNELS))
def test_generic_targets_validate_nothing(key: str) -> None:
    validate = make_validator(key)
    assert (validate(Product("x")) == []) is (key in ("csv", "tsv", "xml"))


@functools.cache
def _parsed(name: str, source: str) -> tuple[list[Product], FeedInfo]:
    """A real feed's products, parsed once per test session (the 1.9 MB one is used by many tests)."""
    parser = open_feed(SHARED_FEEDS / name, source)
    products = [product for chunk in parser.chunks() for product in chunk]
    return products, parser.info


def _convert_file(
    name: str, source: str, target: str, options: ConvertOptions = OPTIONS
) -> tuple[list[Product], Counter[str], str]:
    """Convert a real feed and write it; products are copied so no test sees another's changes."""
    products, info = _parsed(name, source)
    converter = make_converter(source, target, options)
    out = [p for p in (converter.convert(product.copy()) for product in products) if p is not None]
    buffer = io.StringIO()
    writer = writer_for(get_channel(target).kind, buffer, target_info(target, info, options))
    writer.begin()
    writer.write(out)  # type: ignore[arg-type]
    writer.end()
    return out, converter.dropped, buffer.getvalue()


REAL_FEEDS = {
    "heureka_shopify_arche.xml": "heureka",
    "heureka_shopify_orris.xml": "heureka",
    "heureka_woo_menabo_es.xml": "heureka",
    "heureka_sk_caremobility.xml": "heureka",
    "heureka_shopify_puffmi.xml": "heureka",
    "zbozi_ns_podrazdenacica.xml": "zbozi",
    "google_rss_importpc_oneline.xml": "google",
    "google_rss_dai_tiny.xml": "google",
    "facebook_rss_dularmart.xml": "meta",
    "facebook_catalog_santopadre.csv": "meta-csv",
}


@pytest.mark.shared
@pytest.mark.skipif(not REAL, reason="../shared/feeds is not beside the project")
class TestRealFeeds:
    def test_arche_to_google_every_product_has_id_price_availability(self) -> None:
        out, dropped, _ = _convert_file("heureka_shopify_arche.xml", "heureka", "google")
        assert len(out) == 77 and dropped == Counter()
        for product in out:
            assert product.get("g:id") and product.get("g:price").endswith(" CZK")
            assert product.get("g:availability") in ("in_stock", "backorder", "out_of_stock")
            assert not product.get("g:product_type")  # "Heureka.cz | " names no category

    def test_importpc_to_heureka_drops_out_of_stock(self) -> None:
        out, dropped, text = _convert_file("google_rss_importpc_oneline.xml", "google", "heureka")
        assert dropped == Counter({"out_of_stock": 9})
        assert len(out) == 1255 - 9
        assert all(p.get("DELIVERY_DATE") == "0" for p in out)
        assert text.count("<SHOPITEM>") == 1246

    def test_caremobility_sk_to_google_in_euro(self) -> None:
        options = ConvertOptions(today=TODAY, country="SK")
        out, _, _ = _convert_file("heureka_sk_caremobility.xml", "heureka", "google", options)
        first = out[0]
        assert (first.get("g:price"), first.get("g:color")) == ("85.00 EUR", "Black")  # PARAM Farba -> color
        assert first.find("g:shipping") == Element(
            "g:shipping", children=[Element("g:country", "SK"), Element("g:service", "PPL"),
                                    Element("g:price", "4.90 EUR")]
        )  # fmt: skip

    @pytest.mark.parametrize(("name", "target"), list(cartesian(REAL_FEEDS, CHANNEL_TARGETS)))
    def test_every_real_feed_converts_writes_and_reparses(self, name: str, target: str, tmp_path: Path) -> None:
        source = REAL_FEEDS[name]
        out, _, text = _convert_file(name, source, target)
        validate = make_validator(target)
        problems = [problem for product in out for problem in validate(product)]
        assert all(isinstance(p, str) and p for p in problems)
        path = tmp_path / "out"
        path.write_text(text, encoding="utf-8")
        assert sum(len(chunk) for chunk in open_feed(path, target).chunks()) == len(out)

    def test_heureka_google_heureka_keeps_core_values(self) -> None:
        original, _, _ = _convert_file("heureka_shopify_arche.xml", "heureka", "heureka")
        there = make_converter("heureka", "google", OPTIONS)
        back = make_converter("google", "heureka", OPTIONS)
        for product in original:
            returned = back.convert(there.convert(product))  # type: ignore[arg-type]
            assert returned is not None
            for name in ("ITEM_ID", "URL", "IMGURL", "ITEMGROUP_ID"):
                assert returned.get(name) == product.get(name).strip(), name
            days = int(product.get("DELIVERY_DATE"))  # 0 or 7: past the in-stock threshold it becomes a date
            expected = str(days) if days <= OPTIONS.in_stock_days else (TODAY + timedelta(days=days)).isoformat()
            assert returned.get("DELIVERY_DATE") == expected
            assert returned.get("PRODUCTNAME") == product.get("PRODUCTNAME").strip()
            assert returned.get_all("IMGURL_ALTERNATIVE") == product.get_all("IMGURL_ALTERNATIVE")
