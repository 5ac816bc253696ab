"""Hostile and broken inputs: each fails with the right error type, a clear message, position and hint.

Everything goes through the public entry points (`detect_format`, `open_feed(...).chunks()`), the
way the pipeline reads a feed, except the tests of the second safety layer in `safe_iterparse`.
"""

from __future__ import annotations

import codecs
import gzip
import io
from pathlib import Path

import pytest
from lxml import etree

from feeds.errors import FeedError, FeedSyntaxError, HostileFeedError, NotAFeedError, SourceError
from feeds.fetch import FetchPolicy, fetch_source
from feeds.model import Element, Product
from feeds.parsers import detect_format, open_feed
from feeds.parsers.safe import safe_iterparse
from tests.feeds.conftest import LocalServer

DECL = b'<?xml version="1.0" encoding="utf-8"?>\n'
ITEM = b"<SHOPITEM><ITEM_ID>A1</ITEM_ID><PRODUCTNAME>Kolo</PRODUCTNAME></SHOPITEM>"
TRUNCATED = Path(__file__).resolve().parents[4] / "shared" / "feeds" / "custom_cp1250_hadex_truncated.xml"


def write(tmp_path: Path, data: bytes, name: str = "feed.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read_all(path: Path, key: str | None = None) -> list[Product]:
    """Every product, the way the pipeline reads them (detection when no key is given)."""
    return [product for chunk in open_feed(path, key).chunks() for product in chunk]


def texts(element: Element) -> list[str]:
    """Every text and attribute value in a product tree."""
    found = [element.text, *element.attrs.values()]
    for child in element.children:
        found.extend(texts(child))
    return found


def fails_everywhere(path: Path, error: type[FeedError], key: str = "heureka") -> list[FeedError]:
    """The error from detection, from the detected format's parser, and from an explicit format."""
    raised: list[FeedError] = []
    for attempt in (lambda: detect_format(path), lambda: read_all(path), lambda: read_all(path, key)):
        with pytest.raises(error) as caught:
            attempt()
        raised.append(caught.value)
    return raised


class TestEntities:
    @pytest.mark.parametrize(
        "doctype",
        [
            # external entity: the classic XXE that would paste /etc/passwd into a product name
            b'<!DOCTYPE SHOP [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            # billion laughs: ten nested levels of ten references each
            b'<!DOCTYPE SHOP [<!ENTITY x "lol">'
            + b"".join(
                b'<!ENTITY x%d "%s">' % (i, b"&x;" * 10 if i == 1 else b"&x%d;" % (i - 1) * 10)
                for i in range(1, 10)
            )
            + b"]>",
            # parameter entity pulling an external DTD
            b'<!DOCTYPE SHOP [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>',
            # quadratic blowup: one long entity, referenced many times
            b'<!DOCTYPE SHOP [<!ENTITY x "' + b"a" * 30_000 + b'">]>',
            # lower-case keyword and a "]" in a comment must not end the scan early
            b'<!DOCTYPE SHOP [<!-- ] --> <!entity x "y">]>',
            # a "]>" inside an attribute default value must not end the scan early either
            b'<!DOCTYPE SHOP [<!ATTLIST SHOP a CDATA "]>"> <!ENTITY x "y">]>',
        ],
        ids=["external", "billion-laughs", "parameter", "quadratic", "comment-bracket", "literal-bracket"],
    )
    def test_entity_declarations_are_refused(self, tmp_path: Path, doctype: bytes) -> None:
        path = write(tmp_path, DECL + doctype + b"\n<SHOP><SHOPITEM><ITEM_ID>&x;</ITEM_ID></SHOPITEM></SHOP>")
        for error in fails_everywhere(path, HostileFeedError):
            assert "declares XML entities in a DOCTYPE at line 2;" in error.message
            assert error.line == 2
            assert error.hint == "remove the <!DOCTYPE ...> block from the feed"

    def test_the_refused_doctype_is_named_by_its_own_line(self, tmp_path: Path) -> None:
        prolog = codecs.BOM_UTF8 + DECL + b"<!-- made by the shop -->\n\n"  # the DOCTYPE is on line 4
        doctype = b'<!DOCTYPE SHOP [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>'
        path = write(tmp_path, prolog + doctype + b"\n<SHOP>" + ITEM + b"</SHOP>")
        for error in fails_everywhere(path, HostileFeedError):
            assert (error.line, str(error)) == (4, (
                "the feed declares XML entities in a DOCTYPE at line 4; Feedhub refuses them (billion laughs,"
                " external files) (hint: remove the <!DOCTYPE ...> block from the feed)"))

    @pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
    def test_entity_declarations_in_utf16_or_utf32_are_refused(self, tmp_path: Path, codec: str) -> None:
        # the byte scan must not be blind to wide encodings
        declaration = f'<?xml version="1.0" encoding="{codec}"?>\n'
        doc = declaration + '<!DOCTYPE SHOP [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        path = write(
            tmp_path, (doc + "<SHOP><SHOPITEM><ITEM_ID>&x;</ITEM_ID></SHOPITEM></SHOP>").encode(codec)
        )
        for error in fails_everywhere(path, HostileFeedError):
            assert "declares XML entities in a DOCTYPE at line 2;" in error.message

    def test_entity_hidden_past_a_long_internal_subset_is_refused(self, tmp_path: Path) -> None:
        filler = b"<!-- " + b"x" * 100_000 + b" -->"  # pushes the declaration past the first 64 KiB
        path = write(
            tmp_path,
            DECL + b"<!DOCTYPE SHOP [" + filler + b'<!ENTITY x "boom">]>\n<SHOP>' + ITEM + b"</SHOP>",
        )
        for error in fails_everywhere(path, HostileFeedError):
            assert "DOCTYPE block at line 2 does not end within its first 65,536 bytes" in error.message
            assert error.line == 2

    @pytest.mark.parametrize(
        "doc",
        [
            b'<!DOCTYPE SHOP [<!ENTITY x "boom">]><SHOP/>',
            # declared through a parameter entity
            b"<!DOCTYPE SHOP [<!ENTITY % p \"<!ENTITY x 'boom'>\"> %p;]><SHOP/>",
        ],
    )
    def test_parser_layer_refuses_entities_even_without_the_prolog_check(self, doc: bytes) -> None:
        with pytest.raises(HostileFeedError, match="declares XML entities"):
            list(safe_iterparse(io.BytesIO(DECL + doc), events=("start", "end")))

    def test_undefined_entity_under_an_external_dtd_is_a_syntax_error_in_iterparse(self) -> None:
        # With an external DTD (never loaded) libxml2 keeps `&x;` as an entity node instead of failing.
        doc = (
            DECL
            + b'<!DOCTYPE SHOP SYSTEM "shop.dtd">\n<SHOP>\n'
            + ITEM
            + b"\n<SHOPITEM><ITEM_ID>&x;</ITEM_ID></SHOPITEM></SHOP>"
        )
        with pytest.raises(etree.XMLSyntaxError, match="Entity 'x' not defined") as caught:
            list(safe_iterparse(io.BytesIO(doc), events=("end",), tag="SHOPITEM"))
        assert caught.value.position == (5, 0)

    def test_undefined_entity_under_an_external_dtd_fails_the_import(self, tmp_path: Path) -> None:
        doc = (
            DECL
            + b'<!DOCTYPE SHOP SYSTEM "shop.dtd">\n<SHOP>\n'
            + ITEM
            + b"\n<SHOPITEM><ITEM_ID>&x;</ITEM_ID></SHOPITEM></SHOP>"
        )
        with pytest.raises(FeedSyntaxError, match="Entity 'x' not defined"):
            read_all(write(tmp_path, doc), "heureka")

    @pytest.mark.parametrize(
        "doctype",
        [
            b"<!DOCTYPE SHOP>",
            b"<!DOCTYPE SHOP [<!ELEMENT SHOP ANY><!ATTLIST SHOP version CDATA #IMPLIED>]>",
            b'<!DOCTYPE SHOP PUBLIC "-//Shop//DTD Feed 1.0//EN" "{dtd}">',
        ],
        ids=["bare", "internal-no-entities", "external-dtd"],
    )
    def test_doctype_without_entities_is_allowed_and_nothing_is_loaded(
        self, tmp_path: Path, http_server: LocalServer, doctype: bytes
    ) -> None:
        dtd = http_server.serve("/shop.dtd", b'<!ENTITY x "from the network">')
        path = write(
            tmp_path, DECL + doctype.replace(b"{dtd}", dtd.encode()) + b"\n<SHOP>" + ITEM + b"</SHOP>"
        )
        assert detect_format(path) == "heureka"
        assert [p.get("ITEM_ID") for p in read_all(path)] == ["A1"]
        assert http_server.requests == []

    def test_xinclude_is_an_ordinary_element_and_never_processed(
        self, tmp_path: Path, http_server: LocalServer
    ) -> None:
        remote = http_server.serve("/part.xml", b"<PRODUCTNAME>injected</PRODUCTNAME>")
        doc = (
            DECL
            + b'<SHOP xmlns:xi="http://www.w3.org/2001/XInclude"><SHOPITEM><ITEM_ID>A1</ITEM_ID><DESCRIPTION>'
            b'<xi:include href="file:///etc/passwd" parse="text"/></DESCRIPTION>'
            b'<xi:include href="' + remote.encode() + b'"/></SHOPITEM></SHOP>'
        )
        [product] = read_all(write(tmp_path, doc))
        description = product.find("DESCRIPTION")
        assert description is not None
        assert [(c.name, c.attrs) for c in description.children] == [
            ("xi:include", {"href": "file:///etc/passwd", "parse": "text"})
        ]
        assert not any("root:" in text or "injected" in text for text in texts(product))
        assert http_server.requests == []


class TestBombs:
    def test_gzip_bomb_is_capped_before_the_parser(self, tmp_path: Path) -> None:
        bomb = write(
            tmp_path, gzip.compress(DECL + b"<SHOP>" + b" " * (10 * 1024 * 1024) + b"</SHOP>"), "feed.xml.gz"
        )
        workspace = tmp_path / "ws"
        with pytest.raises(SourceError, match="larger than 1,048,576 bytes once decompressed"):
            fetch_source(str(bomb), workspace, policy=FetchPolicy(max_bytes=1024 * 1024))
        assert list(workspace.iterdir()) == []


class TestNotAFeed:
    @pytest.mark.parametrize(
        "body",
        [
            b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            b"<html><body><h1>Login</h1></body></html>",  # no DOCTYPE
            b'\xef\xbb\xbf\r\n  <HTML lang="cs"><BODY>Chyba</BODY></HTML>',  # BOM, blank lines, upper case
            b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
            b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"></html>',
            "<!DOCTYPE html><html><body>Přihlášení</body></html>".encode("utf-16"),
        ],
        ids=["doctype", "no-doctype", "bom-uppercase", "xhtml", "utf-16"],
    )
    def test_html_page(self, tmp_path: Path, body: bytes) -> None:
        for error in fails_everywhere(write(tmp_path, body), NotAFeedError):
            assert error.message == "this is an HTML page, not a product feed"
            assert error.hint == "check the feed URL and any login"

    @pytest.mark.parametrize("body", [b"", b"  \n\t\r\n ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
    def test_empty_or_blank(self, tmp_path: Path, body: bytes) -> None:
        for error in fails_everywhere(write(tmp_path, body), NotAFeedError):
            assert error.message == "the feed is empty"


class TestBrokenXml:
    @pytest.mark.skipif(not TRUNCATED.is_file(), reason="../shared/feeds is absent")
    def test_real_truncated_cp1250_feed(self, tmp_path: Path) -> None:
        assert detect_format(TRUNCATED) == "xml"
        with pytest.raises(FeedSyntaxError) as caught:
            read_all(TRUNCATED)
        error = caught.value
        assert (error.line, error.item_id) == (58, "A004")
        assert "at line 58" in str(error) and "after product 'A004'" in str(error)
        assert error.hint is not None and "cut off" in error.hint

    def test_feed_cut_between_items_names_the_last_good_product(self, tmp_path: Path) -> None:
        doc = (
            DECL
            + b"<SHOP>\n"
            + ITEM
            + b"\n"
            + ITEM.replace(b"A1", b"A2")
            + b"\n<SHOPITEM><ITEM_ID>A3</ITEM_ID>"
        )
        with pytest.raises(FeedSyntaxError) as caught:
            read_all(write(tmp_path, doc), "heureka")
        assert (caught.value.line, caught.value.item_id) == (5, "A2")
        assert caught.value.hint == "the feed ends early: the download or the export that made it was cut off"

    @pytest.mark.parametrize(
        ("line", "message", "position", "hint"),
        [
            # a bare & in a URL, the most common hand-made feed error
            (
                b"<URL>https://shop.cz/p?id=1&utm=x</URL>",
                "EntityRef: expecting ';'",
                (4, 45),
                "write &amp; for a bare &",
            ),
            (
                b"<URL>https://shop.cz/p?a=1& b=2</URL>",
                "xmlParseEntityRef: no name",
                (4, 41),
                "write &amp; for a bare &",
            ),
            # a control character pasted from a spreadsheet
            (
                b"<PRODUCTNAME>Kolo\x01</PRODUCTNAME>",
                "PCDATA invalid Char value 1",
                (4, 31),
                "control character",
            ),
            (
                b'<PRODUCTNAME a="x\x1by">Kolo</PRODUCTNAME>',
                "invalid character in attribute value",
                (4, 31),
                "control character",
            ),
            (
                b"<PRODUCTNAME>Kolo&#1;</PRODUCTNAME>",
                "invalid xmlChar value 1",
                (4, 35),
                "character reference",
            ),
            # HTML entities are not XML entities
            (
                b"<PRODUCTNAME>Kolo&nbsp;</PRODUCTNAME>",
                "Entity 'nbsp' not defined",
                (4, 37),
                "XML knows only",
            ),
            (
                b"<PRODUCTNAME>Kolo</PRODUCT>",
                "Opening and ending tag mismatch",
                (4, 41),
                "closed with the wrong name",
            ),
        ],
        ids=["amp", "amp-space", "ctrl-text", "ctrl-attr", "ctrl-charref", "html-entity", "mismatch"],
    )
    def test_syntax_error_has_position_product_and_hint(
        self, tmp_path: Path, line: bytes, message: str, position: tuple[int, int], hint: str
    ) -> None:
        doc = (
            DECL
            + b"<SHOP>"
            + ITEM
            + b"\n<SHOPITEM><ITEM_ID>A2</ITEM_ID>\n<SHOPITEM_X/>"
            + line
            + b"</SHOPITEM></SHOP>"
        )
        with pytest.raises(FeedSyntaxError) as caught:
            read_all(write(tmp_path, doc), "heureka")
        error = caught.value
        assert message in error.message
        assert ((error.line, error.column), error.item_id) == (position, "A1")
        assert error.hint is not None and hint in error.hint

    def test_text_after_the_root(self, tmp_path: Path) -> None:
        with pytest.raises(FeedSyntaxError) as caught:
            read_all(write(tmp_path, DECL + b"<SHOP>" + ITEM + b"</SHOP>\n<SHOP/>"), "heureka")
        assert caught.value.hint == "there is text after the root element's end"
        assert caught.value.line == 3


class TestNesting:
    def test_a_product_nested_deeper_than_feeds_ever_do_is_refused(self, tmp_path: Path) -> None:
        depth = 100  # real feeds nest 3-4 levels; recursion over deep trees would crash writers
        doc = DECL + b"<SHOP><SHOPITEM>" + b"<A>" * depth + b"x" + b"</A>" * depth + b"</SHOPITEM></SHOP>"
        with pytest.raises(FeedSyntaxError, match="more than 64 levels deep"):
            read_all(write(tmp_path, doc), "heureka")

    def test_absurd_nesting_stops_at_libxml2s_limit_with_a_hint(self, tmp_path: Path) -> None:
        depth = 10_000
        doc = DECL + b"<SHOP><SHOPITEM>" + b"<A>" * depth + b"x" + b"</A>" * depth + b"</SHOPITEM></SHOP>"
        with pytest.raises(FeedSyntaxError, match="Excessive depth") as caught:
            read_all(write(tmp_path, doc), "heureka")
        assert caught.value.hint is not None and "nest" in caught.value.hint
