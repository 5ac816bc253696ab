"""A well-formed feed without products, as a shop that sold out publishes it: refused by default like any
input that is no feed, and, where the caller allows it (a project's run after a good one, which the
quality gate then holds), written as exports that are their envelope without products."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from feeds.errors import EmptyFeedError, NotAFeedError
from feeds.parsers import open_feed
from feeds.parsers.xmlfeed import BARE_ENVELOPE_MAX_BYTES
from feeds.pipeline import ExportTarget, process
from feeds.transforms import RuleSet

DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
G = 'xmlns:g="http://base.google.com/ns/1.0"'
EMPTY = {  # format -> a feed of it without products, as its shop's generator writes one
    "heureka": DECL + "<SHOP>\n</SHOP>\n",
    "zbozi": DECL + '<SHOP xmlns="http://www.zbozi.cz/ns/offer/1.0">\n</SHOP>\n',
    "google": DECL + f'<rss version="2.0" {G}><channel><title>Kola</title><link>https://kola.example</link>'
    "<description>Kola a lampy</description></channel></rss>\n",
    "google-atom": DECL + f'<feed xmlns="http://www.w3.org/2005/Atom" {G}><title>Kola</title></feed>\n',
    "mergado": DECL + '<CHANNEL xmlns="http://www.mergado.com/ns/1.10"><LINK>https://kola.example</LINK></CHANNEL>\n',
    "csv": "id,title,price\n",
    "tsv": "id\ttitle\tprice\n",
}
SHAPE_OF_EMPTY = {
    "heureka": "the feed contains no products (no <SHOPITEM> elements)",
    "zbozi": "the feed contains no products (no <SHOPITEM> elements)",
    "google": "the feed contains no products (no <item> elements)",
    "google-atom": "the feed contains no products (no <entry> elements)",
    "mergado": "the feed contains no products (no <ITEM> elements)",
    "csv": "the CSV has a header but no product rows",
    "tsv": "the CSV has a header but no product rows",
}


def source(tmp_path: Path, fmt: str) -> Path:
    path = tmp_path / f"empty-{fmt}"  # a name that says nothing of the format: it is detected
    path.write_text(EMPTY[fmt], encoding="utf-8")
    return path


def envelope(path: Path) -> dict[str, Any]:
    """What a parser reads of a feed without products: everything an export of the same format rebuilds."""
    parser = open_feed(path)
    with pytest.raises(EmptyFeedError) as caught:
        next(parser.chunks())
    info = parser.info
    return {"format": info.format, "root": info.root, "root_attrs": info.root_attrs, "nsmap": info.nsmap,
            "container": info.container, "header": [(e.name, e.text) for e in info.header],
            "columns": info.columns, "why": str(caught.value)}


@pytest.mark.parametrize("fmt", EMPTY)
def test_by_default_an_empty_feed_is_refused_and_no_target_changes(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out.xml"
    out.write_text("the last good export", encoding="utf-8")
    with pytest.raises(EmptyFeedError, match=f"^{re.escape(SHAPE_OF_EMPTY[fmt])}$"):
        process(source(tmp_path, fmt), [ExportTarget("same", fmt, out)])
    assert out.read_text(encoding="utf-8") == "the last good export"


@pytest.mark.parametrize("fmt", EMPTY)
def test_allowed_an_export_of_the_same_format_is_the_feeds_own_envelope_without_products(
    tmp_path: Path, fmt: str
) -> None:
    feed, out = source(tmp_path, fmt), tmp_path / "out"
    report = process(feed, [ExportTarget("same", fmt, out)], allow_empty=True)
    assert (report.source_format, report.products_in, report.products_kept) == (fmt, 0, 0)
    assert report.empty_source == SHAPE_OF_EMPTY[fmt]
    assert (report.exports[0].products_out, report.exports[0].too_many_invalid) == (0, "")
    assert envelope(out) == envelope(feed)


def test_allowed_a_channel_export_of_an_empty_feed_is_that_channels_empty_feed(tmp_path: Path) -> None:
    google, heureka = tmp_path / "google.xml", tmp_path / "heureka.xml"
    process(source(tmp_path, "google"), [ExportTarget("g", "heureka", heureka), ExportTarget("g2", "google", google)],
            allow_empty=True)
    assert heureka.read_text(encoding="utf-8") == '<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>\n</SHOP>\n'
    assert envelope(google)["header"] == [("title", "Kola"), ("link", "https://kola.example"),
                                          ("description", "Kola a lampy")]


def test_allowed_rules_that_read_group_aggregates_meet_no_products(tmp_path: Path) -> None:
    rules = RuleSet.from_spec([{"type": "hiding", "query": "GROUP_COUNT() = 1"}])
    report = process(source(tmp_path, "heureka"), [ExportTarget("h", "heureka", tmp_path / "h.xml")], rules=rules,
                     allow_empty=True)
    assert (report.products_in, report.empty_source) == (0, SHAPE_OF_EMPTY["heureka"])


def test_a_large_file_without_items_is_no_empty_feed_but_another_kind_of_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    product = "<PRODUCT><ID>1</ID><NAME>Kolo</NAME></PRODUCT>"
    path.write_text(DECL + "<SHOP>" + product * (BARE_ENVELOPE_MAX_BYTES // len(product) + 1) + "</SHOP>",
                    encoding="utf-8")
    with pytest.raises(NotAFeedError) as caught:
        process(path, [ExportTarget("h", "heureka", tmp_path / "h.xml")], source_format="heureka", allow_empty=True)
    assert type(caught.value) is NotAFeedError
    assert str(caught.value) == "the feed contains no products (no <SHOPITEM> elements)"
