"""bench/lower_bound.py is evidence only if its passes do (at least part of) Feedhub's own work.

Checked on the benchmark's feed shape: the same-format pass finds the invalid products Feedhub's
validator finds and writes the same products; the Google pass writes, for every element it writes
at all, the values Feedhub's conversion writes.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from feeds.model import Product
from feeds.parsers import open_feed
from feeds.pipeline import ExportTarget, process

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import lower_bound  # noqa: E402
from make_feed import write_feed  # noqa: E402

GOOGLE_RSS = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
BOUND_DOES_LESS = {"g:availability", "g:product_detail"}  # Feedhub also reads dates and maps PARAMs to g:color...


def _products(path: Path, fmt: str) -> list[Product]:
    return [product for chunk in open_feed(path, fmt).chunks() for product in chunk]


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 benchmark products."""
    path = tmp_path_factory.mktemp("bound") / "heureka.xml"
    with path.open("wb") as out:
        write_feed(300, out)
    return path


@pytest.fixture(scope="module")
def broken_feed(feed: Path) -> Path:
    """The same, three products broken in ways Heureka's rules catch."""
    items = feed.read_text(encoding="utf-8").split("<SHOPITEM>")
    items[1] = re.sub(r"<EAN>(\d{12})(\d)</EAN>", lambda m: f"<EAN>{m[1]}{(int(m[2]) + 1) % 10}</EAN>", items[1])
    items[2] = items[2].replace("<URL>https://", "<URL>ftp://")
    items[3] = items[3].replace("<PRICE_VAT>", "<PRICE_VAT>cca ")
    path = feed.with_name("broken.xml")
    path.write_text("<SHOPITEM>".join(items), encoding="utf-8")
    return path


def test_the_same_format_pass_finds_feedhubs_invalid_products_and_writes_the_same_products(broken_feed, tmp_path):
    feed = broken_feed
    reference = process(feed, [ExportTarget("same", "heureka", tmp_path / "feedhub.xml")]).exports[0]
    out = io.BytesIO()
    invalid = lower_bound.same_format(feed, out)
    assert reference.invalid == 3
    assert invalid == reference.invalid
    written = tmp_path / "bound.xml"
    written.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>' + out.getvalue() + b"</SHOP>")
    assert _products(written, "heureka") == _products(feed, "heureka")


def test_the_google_pass_writes_feedhubs_values_for_what_it_writes(feed, tmp_path):
    process(feed, [ExportTarget("google", "google", tmp_path / "feedhub.xml")])
    out = io.BytesIO()
    assert lower_bound.google(feed, out) == 300
    written = tmp_path / "bound.xml"
    written.write_bytes(GOOGLE_RSS + out.getvalue() + b"</channel></rss>")
    bound, reference = _products(written, "google"), _products(tmp_path / "feedhub.xml", "google")
    assert len(bound) == len(reference) == 300
    compared = 0
    for ours, theirs in zip(bound, reference, strict=True):
        for name in {child.name for child in ours.children} - BOUND_DOES_LESS:
            if theirs.find(name) is None:
                assert ours.get(name) == "", f"{ours.get('g:id')}: {name}"  # written empty where Feedhub omits it
                continue
            assert [e.text for e in ours.find_all(name)] == [e.text for e in theirs.find_all(name)], name
            assert [[(c.name, c.text) for c in e.children] for e in ours.find_all(name)] == [
                [(c.name, c.text) for c in e.children] for e in theirs.find_all(name)
            ], name
            compared += 1
    assert compared > 300 * 8  # id, title, description, link, image, price, brand, product_type, shipping...
