"""Format detection from content, never from the file name: every registered input shape, table-driven."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from feeds.errors import EmptyFeedError, NotAFeedError
from feeds.parsers import detect_format, open_feed

DECL = b'<?xml version="1.0" encoding="utf-8"?>\n'
HEUREKA_ITEM = b"<SHOPITEM><ITEM_ID>1</ITEM_ID><PRODUCTNAME>Kolo</PRODUCTNAME></SHOPITEM>"
G = b'xmlns:g="http://base.google.com/ns/1.0"'

CASES: list[tuple[str, bytes, str, int]] = [  # (case, content, format, products)
    ("heureka", DECL + b"<SHOP>" + HEUREKA_ITEM * 2 + b"</SHOP>", "heureka", 2),
    ("heureka-one-item", DECL + b"<SHOP>" + HEUREKA_ITEM + b"</SHOP>", "heureka", 1),
    # Heureka's own namespace is still Heureka (only Zboží's namespace makes it Zboží)
    (
        "heureka-ns",
        DECL + b'<SHOP xmlns="http://www.heureka.cz/ns/offer/1.0">' + HEUREKA_ITEM + b"</SHOP>",
        "heureka",
        1,
    ),
    (
        "zbozi",
        DECL + b'<SHOP xmlns="http://www.zbozi.cz/ns/offer/1.0">' + HEUREKA_ITEM * 2 + b"</SHOP>",
        "zbozi",
        2,
    ),
    (
        "google-rss",
        DECL + b'<rss version="2.0" ' + G + b"><channel><title>Shop</title><link>https://shop.cz</link>"
        b"<item><g:id>1</g:id><title>Kolo</title></item><item><g:id>2</g:id><title>Lampa</title></item>"
        b"</channel></rss>",
        "google",
        2,
    ),
    (
        "google-atom",
        DECL + b'<feed xmlns="http://www.w3.org/2005/Atom" ' + G + b"><title>Shop</title>"
        b"<entry><g:id>1</g:id><title>Kolo</title></entry></feed>",
        "google-atom",
        1,
    ),
    (
        "mergado",
        DECL + b'<CHANNEL xmlns="http://www.mergado.com/ns/1.10"><LINK>https://shop.cz</LINK>'
        b"<ITEM><ITEM_ID>1</ITEM_ID><NAME_EXACT>Kolo</NAME_EXACT></ITEM></CHANNEL>",
        "mergado",
        1,
    ),
    (
        "generic-products",
        DECL
        + b"<PRODUCTS><PRODUCT><ID>1</ID><TITLE>Kolo</TITLE></PRODUCT><PRODUCT><ID>2</ID><TITLE>Lampa</TITLE>"
        b"</PRODUCT></PRODUCTS>",
        "xml",
        2,
    ),
    (
        "generic-listings",
        b"<listings><title>Cars</title><listing><id>a</id><name>Fabia</name></listing>"
        b"<listing><id>b</id><name>Octavia</name></listing></listings>",
        "xml",
        2,
    ),
    # an RSS without the g: namespace is not a Google feed: any XML with repeating items
    (
        "rss-without-g",
        DECL + b'<rss version="2.0"><channel><item><title>a</title></item></channel></rss>',
        "xml",
        1,
    ),
    ("csv-comma", b"id,title,price\n1,Kolo,100\n2,Lampa,200\n", "csv", 2),
    ("csv-semicolon", b"id;title;price\n1;Kolo;100,50\n2;Lampa;200\n", "csv", 2),
    ("csv-quoted", b'id,title,description\n1,"Kolo, modr\xc3\xa9","He said ""fast"""\n', "csv", 1),
    ("csv-crlf", b"id,title\r\n1,Kolo\r\n2,Lampa\r\n", "csv", 2),
    ("csv-bom", codecs.BOM_UTF8 + b"id,title\n1,Kolo\n", "csv", 1),
    ("tsv", b"id\ttitle\tprice\n1\tKolo, modr\xc3\xa9\t100.00 CZK\n", "tsv", 1),
    # Meta's template starts with "# ref_application_id ..." lines before the header
    (
        "meta-csv-comments",
        b"# ref_application_id 451257172939091\n# ref_asset_id 1234\n"
        b"id,title,description,availability,condition,price,link,image_link,brand\n"
        b"1,Kolo,Kolo,in stock,new,10.00 USD,https://shop.cz/1,https://shop.cz/1.jpg,Shop\n",
        "csv",
        1,
    ),
]


@pytest.mark.parametrize(("case", "content", "expected", "count"), CASES, ids=[c[0] for c in CASES])
def test_format_is_detected_from_content(
    tmp_path: Path, case: str, content: bytes, expected: str, count: int
) -> None:
    path = tmp_path / "feed.bin"  # a name that says nothing
    path.write_bytes(content)
    assert detect_format(path) == expected
    products = [product for chunk in open_feed(path).chunks() for product in chunk]
    assert len(products) == count


def test_file_name_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"  # misleading name, XML content
    path.write_bytes(DECL + b"<SHOP>" + HEUREKA_ITEM + b"</SHOP>")
    assert detect_format(path) == "heureka"


def test_meta_csv_comment_lines_are_not_columns(tmp_path: Path) -> None:
    content = next(c[1] for c in CASES if c[0] == "meta-csv-comments")
    path = tmp_path / "feed"
    path.write_bytes(content)
    [product] = next(open_feed(path).chunks())
    assert [c.name for c in product.children][:3] == ["id", "title", "description"]
    assert product.get("price") == "10.00 USD"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (DECL + b"<SHOP/>", "heureka"),
        (DECL + b"<SHOP>\n</SHOP>", "heureka"),
        (DECL + b'<SHOP xmlns="http://www.zbozi.cz/ns/offer/1.0"></SHOP>', "zbozi"),
    ],
)
def test_a_shop_without_items_is_an_empty_heureka_or_zbozi_feed(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "feed"
    path.write_bytes(content)
    assert detect_format(path) == expected
    with pytest.raises(EmptyFeedError, match=r"^the feed contains no products \(no <SHOPITEM> elements\)$"):
        next(open_feed(path).chunks())


@pytest.mark.parametrize(
    "content",
    [
        DECL + b"<products/>",  # a root and nothing else (an empty <SHOP> is a Heureka feed, above)
        DECL + b"<note>text only</note>",
    ],
)
def test_xml_without_repeating_items_is_not_a_feed(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "feed"
    path.write_bytes(content)
    with pytest.raises(NotAFeedError, match="no repeating product element"):
        detect_format(path)
