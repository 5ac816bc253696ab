"""bench/lower_bound.py is evidence only if its passes do Feedhub's work: checked here on the benchmark's feed shape.

The same-format pass must find exactly the products Feedhub's validator finds invalid, with one
product broken for each check the pass makes, and write the same products. The Google pass must
write every element Feedhub's conversion writes, with the same values, for every product.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from feeds.model import Product, product_id
from feeds.parsers import open_feed
from feeds.pipeline import ExportTarget, process

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import lower_bound  # noqa: E402
from make_feed import write_feed  # noqa: E402

GOOGLE_RSS = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
BREAKS = [  # (what Feedhub says, how the item is broken): one per check of the same-format pass
    ("has a bad check digit", lambda item: re.sub(r"<EAN>(\d{12})(\d)</EAN>", _next_digit, item)),
    ("is not an http(s) URL", lambda item: item.replace("<URL>https://", "<URL>ftp://")),
    ("PRICE_VAT 'cca", lambda item: item.replace("<PRICE_VAT>", "<PRICE_VAT>cca ")),
    ("DELIVERY_ID 'NOWHERE'", lambda item: re.sub(r"<DELIVERY_ID>[^<]*<", "<DELIVERY_ID>NOWHERE<", item, count=1)),
    ("missing VAL", lambda item: re.sub(r"<VAL>[^<]*</VAL>", "<VAL> </VAL>", item, count=1)),
    ("names no category", lambda item: re.sub(r"<CATEGORYTEXT>[^<]*<", "<CATEGORYTEXT> | <", item)),
    ("PRODUCTNAME longer than 200", lambda item: item.replace("<PRODUCTNAME>", "<PRODUCTNAME>" + "x" * 200)),
    ("neither a number of days", lambda item: re.sub(r"<DELIVERY_DATE>[^<]*<", "<DELIVERY_DATE>brzy<", item)),
    ("missing URL", lambda item: re.sub(r"<URL>[^<]*</URL>", "", item)),
    ("outside A-Z a-z 0-9", lambda item: item.replace("</ITEM_ID>", "+1</ITEM_ID>")),
]


def _next_digit(match: re.Match[str]) -> str:
    return f"<EAN>{match[1]}{(int(match[2]) + 1) % 10}</EAN>"


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
    """The same, with products 1, 3, 5... each broken by one of BREAKS."""
    items = feed.read_text(encoding="utf-8").split("<SHOPITEM>")
    for index, (_, break_item) in enumerate(BREAKS):
        items[1 + 2 * index] = break_item(items[1 + 2 * index])
    path = feed.with_name("broken.xml")
    path.write_text("<SHOPITEM>".join(items), encoding="utf-8")
    return path


def test_the_same_format_pass_finds_feedhubs_invalid_products_and_writes_the_same_products(broken_feed, tmp_path):
    reference = process(broken_feed, [ExportTarget("same", "heureka", tmp_path / "feedhub.xml")]).exports[0]
    assert len(reference.problems) == len(BREAKS)
    for problem, (reason, _) in zip(reference.problems, BREAKS, strict=True):
        assert reason in problem  # each break is caught by Feedhub for the reason it was made
    out = io.BytesIO()
    assert lower_bound.same_format(broken_feed, out) == [problem.split(": ")[0] for problem in reference.problems]
    written = tmp_path / "bound.xml"
    written.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>' + out.getvalue() + b"</SHOP>")
    assert _products(written, "heureka") == _products(broken_feed, "heureka")


def test_the_google_pass_writes_what_feedhub_writes(feed, tmp_path):
    report = process(feed, [ExportTarget("google", "google", tmp_path / "feedhub.xml")]).exports[0]
    assert report.invalid == 0
    out = io.BytesIO()
    assert lower_bound.google(feed, out) == 300
    written = tmp_path / "bound.xml"
    written.write_bytes(GOOGLE_RSS + out.getvalue() + b"</channel></rss>")
    bound, reference = _products(written, "google"), _products(tmp_path / "feedhub.xml", "google")
    assert len(bound) == len(reference) == 300
    for ours, theirs in zip(bound, reference, strict=True):
        assert _by_name(ours) == _by_name(theirs), product_id(theirs)


def _by_name(product: Product) -> dict[str, list[object]]:
    """Each element name's values in order, a value being the text or the children's (name, text) pairs."""
    found: dict[str, list[object]] = {}
    for child in product.children:
        value = [(c.name, c.text) for c in child.children] if child.children else child.text
        found.setdefault(child.name, []).append(value)
    return found
