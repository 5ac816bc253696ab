"""The XML parser's own contract: names users see, envelope, mixed content, chunking."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.model import Element, FeedInfo, Product
from feeds.parsers import open_feed


def parse(tmp_path: Path, xml: str, key: str | None = None) -> tuple[list[Product], FeedInfo]:
    path = tmp_path / "feed.xml"
    path.write_text(xml, encoding="utf-8")
    parser = open_feed(path, key)
    products = [p for chunk in parser.chunks(size=2) for p in chunk]
    return products, parser.info


class TestNames:
    def test_prefixed_names_keep_their_prefix_and_default_namespace_names_are_local(self, tmp_path: Path) -> None:
        xml = (
            '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">'
            "<title>Shop</title><entry><g:id>1</g:id><title>Mug</title><g:price>10 CZK</g:price></entry></feed>"
        )
        products, info = parse(tmp_path, xml)
        assert [c.name for c in products[0].children] == ["g:id", "title", "g:price"]
        assert (info.format, info.root, info.item) == ("google-atom", "feed", "entry")
        assert info.nsmap == {None: "http://www.w3.org/2005/Atom", "g": "http://base.google.com/ns/1.0"}

    def test_attributes_and_nested_groups_are_kept(self, tmp_path: Path) -> None:
        xml = (
            '<SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID><GIFT ID="g1">Pouzdro</GIFT>'
            "<PARAM><PARAM_NAME>Barva</PARAM_NAME><VAL>modrá</VAL></PARAM></SHOPITEM></SHOP>"
        )
        products, _ = parse(tmp_path, xml)
        assert products[0].children == [
            Element("ITEM_ID", "1"),
            Element("GIFT", "Pouzdro", {"ID": "g1"}),
            Element("PARAM", "", {}, [Element("PARAM_NAME", "Barva"), Element("VAL", "modrá")]),
        ]


class TestEnvelope:
    def test_channel_elements_before_items_are_the_header(self, tmp_path: Path) -> None:
        xml = (
            '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Obchod</title>'
            "<link>https://x.cz</link><item><g:id>1</g:id></item><item><g:id>2</g:id></item></channel></rss>"
        )
        products, info = parse(tmp_path, xml)
        assert [p.get("g:id") for p in products] == ["1", "2"]
        assert info.container == ["channel"]
        assert info.header == [Element("title", "Obchod"), Element("link", "https://x.cz")]
        assert info.root_attrs == {"version": "2.0"}


class TestMixedContent:
    def test_raw_html_inside_an_element_is_kept_as_markup_text(self, tmp_path: Path) -> None:
        xml = (
            "<SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID>"
            '<DESCRIPTION>Hello <b class="x">bold &amp; <i>it</i></b> tail</DESCRIPTION></SHOPITEM></SHOP>'
        )
        products, _ = parse(tmp_path, xml)
        description = products[0].find("DESCRIPTION")
        assert description == Element("DESCRIPTION", 'Hello <b class="x">bold &amp; <i>it</i></b> tail')

    def test_whitespace_between_child_elements_is_not_mixed_content(self, tmp_path: Path) -> None:
        xml = "<SHOP>\n <SHOPITEM>\n  <ITEM_ID>1</ITEM_ID>\n  <EAN> </EAN>\n </SHOPITEM>\n</SHOP>"
        products, _ = parse(tmp_path, xml)
        assert products[0].children == [Element("ITEM_ID", "1"), Element("EAN", " ")]  # leaf whitespace kept


class TestChunks:
    @pytest.mark.parametrize("count", [1, 2, 5])  # chunk size 2: one short chunk, one full, a remainder
    def test_every_product_arrives_once_in_order(self, tmp_path: Path, count: int) -> None:
        items = "".join(f"<SHOPITEM><ITEM_ID>{i}</ITEM_ID></SHOPITEM>" for i in range(count))
        products, _ = parse(tmp_path, f"<SHOP>{items}</SHOP>")
        assert [p.get("ITEM_ID") for p in products] == [str(i) for i in range(count)]

    def test_items_of_generic_xml_are_found_without_a_format(self, tmp_path: Path) -> None:
        xml = (
            "<PRODUCTS><PRODUCT><CODE>A</CODE><PARAMS><P>1</P><P>2</P></PARAMS></PRODUCT>"
            "<PRODUCT><CODE>B</CODE></PRODUCT></PRODUCTS>"
        )
        products, info = parse(tmp_path, xml)
        assert (info.format, info.item, len(products)) == ("xml", "PRODUCT", 2)


class TestItems:
    def test_products_know_the_line_they_start_on(self, tmp_path: Path) -> None:
        xml = "<SHOP>\n<SHOPITEM><ITEM_ID>1</ITEM_ID></SHOPITEM>\n\n<SHOPITEM>\n<ITEM_ID>2</ITEM_ID></SHOPITEM></SHOP>"
        products, _ = parse(tmp_path, xml, "heureka")
        assert [(p.get("ITEM_ID"), p.line) for p in products] == [("1", 2), ("2", 4)]

    def test_an_element_named_like_the_item_inside_an_item_is_not_a_product(self, tmp_path: Path) -> None:
        xml = (
            "<SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID><ACCESSORY><SHOPITEM>x</SHOPITEM></ACCESSORY></SHOPITEM>"
            "<SHOPITEM><ITEM_ID>2</ITEM_ID></SHOPITEM></SHOP>"
        )
        products, _ = parse(tmp_path, xml, "heureka")
        assert [p.get("ITEM_ID") for p in products] == ["1", "2"]
        assert products[0].find("ACCESSORY") == Element("ACCESSORY", "", {}, [Element("SHOPITEM", "x")])
