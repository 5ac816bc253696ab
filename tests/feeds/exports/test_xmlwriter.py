"""The XML writer's fast paths (inline leaves, precompiled tags, bytes straight to the file) agree with plain rules."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import TextIO

import pytest
from lxml import etree

from feeds.exports.xmlwriter import XmlFeedWriter, clean_text, element_xml
from feeds.model import Element, FeedInfo, Product
from feeds.pipeline import ExportTarget, process

TEXTS = ("", "plain", "Žluťoučký kůň", "a & b", "x > y", "<p>html</p>", "]]>", "a\x00b\x1fc", "\ufffd ok", "bad\uffff")


def reference(element: Element, depth: int) -> str:
    """The writer's rules, spelled out without fast paths: indent 2, CDATA for `<`, else escape `&` and `>`."""
    pad, name = "  " * depth, element.name
    attrs = "".join(
        f' {key}="{value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(chr(34), "&quot;")}"'
        for key, value in element.attrs.items()
    )
    if element.children:
        inner = "".join(reference(child, depth + 1) for child in element.children)
        return f"{pad}<{name}{attrs}>\n{inner}{pad}</{name}>\n"
    text = element.text
    if not text:
        return f"{pad}<{name}{attrs}/>\n"
    if "<" in text:
        text = "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    else:
        text = text.replace("&", "&amp;").replace(">", "&gt;")
    return f"{pad}<{name}{attrs}>{text}</{name}>\n"


def random_tree(rng: random.Random, depth: int = 0) -> Element:
    element = Element(rng.choice(("A", "B", "g:c")), rng.choice(TEXTS))
    if rng.random() < 0.2:
        element.attrs = {"href": rng.choice(("u", "a&b", 'q"'))}
    if depth < 4 and rng.random() < 0.4:
        element.children = [random_tree(rng, depth + 1) for _ in range(rng.randrange(4))]
    return element


def info() -> FeedInfo:
    return FeedInfo(format="xml", root="SHOP", item="SHOPITEM", header=[Element("TITLE", "a & b")])


class TestSerializer:
    @pytest.mark.parametrize("seed", range(30))
    def test_random_trees_match_the_plain_rules(self, seed: int) -> None:
        rng = random.Random(seed)
        tree = random_tree(rng)
        for depth in (0, 1, 3):
            assert element_xml(tree, depth) == clean_text(reference(tree, depth))

    def test_forbidden_characters_are_dropped_and_legal_ones_kept(self) -> None:
        assert clean_text("a\x00b\x0bc\ud800d\ufffee\uffff\ufffd\t\n") == "abcde\ufffd\t\n"


class TestWriter:
    def products(self) -> list[Product]:
        rng = random.Random(7)
        return [Product("SHOPITEM", children=[random_tree(rng, 1) for _ in range(5)]) for _ in range(40)]

    def write(self, out: TextIO) -> None:
        writer = XmlFeedWriter(out, info())
        writer.begin()
        products = self.products()
        writer.write(products[:20])
        writer.write(products[20:])
        writer.end()

    def test_bytes_to_a_utf8_file_equal_the_text_path(self, tmp_path: Path) -> None:
        text = io.StringIO()
        self.write(text)
        path = tmp_path / "out.xml"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            self.write(handle)
        assert path.read_text(encoding="utf-8") == text.getvalue()
        assert "\x00" not in text.getvalue()
        assert text.getvalue().startswith(
            '<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>\n  <TITLE>a &amp; b</TITLE>\n'
        )

    def test_a_non_utf8_file_is_written_as_text(self, tmp_path: Path) -> None:
        text = io.StringIO()
        self.write(text)
        path = tmp_path / "out.xml"
        with open(path, "w", encoding="utf-16") as handle:
            self.write(handle)
        assert path.read_text(encoding="utf-16") == text.getvalue()


@pytest.mark.parametrize(
    ("name", "written"),
    [("g:title", "g:title"), ("a-b.c", "a-b.c"), ("Žluťoučký", "Žluťoučký"), ("product id", "product_id"),
     ("2nd price", "_2nd_price"), ("cena (Kč)", "cena__Kč_"), ("", "_")],
)
def test_names_no_xml_allows_are_made_valid_and_valid_ones_kept(name: str, written: str) -> None:
    with_attrs = Element(name, "x", attrs={"id": "1"})
    for element in (Element(name, "x"), Element("ITEM", children=[Element(name, "")]), with_attrs):
        xml = element_xml(element, 0)
        parsed = etree.fromstring(xml.replace("g:title", "title") if name == "g:title" else xml)
        assert written in xml and parsed is not None


def test_a_csv_with_spaces_in_its_columns_converts_to_xml_that_parses(tmp_path: Path) -> None:
    source = tmp_path / "shop.csv"
    source.write_text("product id,product name,price\n0042,Kolo,100\n", encoding="utf-8")
    out = tmp_path / "shop.xml"
    process(source, [ExportTarget("xml", "xml", out)])
    item = etree.parse(str(out)).getroot()[0]
    assert [(child.tag, child.text) for child in item] == [("product_id", "0042"), ("product_name", "Kolo"),
                                                          ("price", "100")]
