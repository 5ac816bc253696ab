"""TemplateWriter with XML templates: every feature, hostile values, budgets and the schema check."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from lxml import etree

from feeds.exports.xmlwriter import XmlFeedWriter
from feeds.model import FeedInfo
from feeds.templates import TemplateWriter, load_template
from feeds.templates.render import Budget, FieldFailure
from tests.feeds.templates.helpers import TODAY, product, render, xml_template

GOOGLE_NS = "http://base.google.com/ns/1.0"
GOOGLE_ENVELOPE: dict[str, Any] = {
    "root": "rss", "namespaces": {"g": GOOGLE_NS}, "root_attributes": {"version": "2.0"}, "container": ["channel"],
    "header": [{"name": "title", "text": "Shop & Co"}, {"name": "link"}], "item": "item",
}
SHIRT = product(
    ("ITEM_ID", "A1"), ("PRODUCTNAME", "Triko"), ("PRICE_VAT", "299"), ("URL", "https://e.cz/a?x=1&y=2"),
    ("IMGURL_ALTERNATIVE", "b.jpg"), ("IMGURL_ALTERNATIVE", "c.jpg"),
    ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "modrá")]), ("PARAM", [("PARAM_NAME", "Záruka"), ("VAL", "2 roky")]),
    ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "99")]),
    ("DELIVERY", [("DELIVERY_ID", "DPD"), ("DELIVERY_PRICE", "")]),
)


def xml(template: dict[str, Any], *products: Any, **options: Any) -> str:
    data, writer = render(template, list(products), **options)
    assert not writer.errors, writer.errors
    etree.fromstring(data)  # every output in these tests is well-formed
    return data.decode("utf-8")


class TestEnvelopeAndElements:
    def test_google_like_feed(self) -> None:
        template = {"kind": "xml", **GOOGLE_ENVELOPE, "elements": [
            {"name": "g:id", "path": "ITEM_ID"},
            {"name": "g:price", "expr": 'price(PRICE_VAT, "CZK")'},
            {"name": "g:additional_image_link", "path": "IMGURL_ALTERNATIVE"},  # repeated per value
            {"name": "g:color", "path": "PARAM|Barva"},
            {"name": "g:shipping", "for_each": "DELIVERY", "children": [
                {"name": "g:country", "text": "CZ"},
                {"name": "g:service", "path": "DELIVERY_ID"},
                {"name": "g:price", "expr": 'price(DELIVERY_PRICE, "CZK")'},
            ]},
        ]}
        assert xml(template, SHIRT) == f"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:g="{GOOGLE_NS}" version="2.0">
  <channel>
    <title>Shop &amp; Co</title>
    <link/>
    <item>
      <g:id>A1</g:id>
      <g:price>299.00 CZK</g:price>
      <g:additional_image_link>b.jpg</g:additional_image_link>
      <g:additional_image_link>c.jpg</g:additional_image_link>
      <g:color>modrá</g:color>
      <g:shipping>
        <g:country>CZ</g:country>
        <g:service>PPL</g:service>
        <g:price>99.00 CZK</g:price>
      </g:shipping>
      <g:shipping>
        <g:country>CZ</g:country>
        <g:service>DPD</g:service>
      </g:shipping>
    </item>
  </channel>
</rss>
"""

    def test_attributes_when_keep_empty_and_item_attributes(self) -> None:
        template = xml_template(
            {"name": "link", "attributes": [{"name": "rel", "text": "alternate"}, {"name": "href", "path": "URL"}]},
            {"name": "NOTE", "text": "", "keep_empty": True},
            {"name": "MISSING", "path": "NOPE"},  # empty: left out
            {"name": "CHEAP", "text": "yes", "when": "PRICE_VAT < 100"},
            {"name": "PARAMS", "children": [{"name": "P", "for_each": "PARAM", "expr": 'PARAM_NAME & "=" & VAL',
                                             "attributes": [{"name": "pos", "text": "x"}]}]},
            {"name": "EMPTY_GROUP", "children": [{"name": "X", "path": "NOPE"}]},  # nothing inside: left out
            item_attributes=[{"name": "id", "path": "ITEM_ID"}], indent=False,
        )
        assert xml(template, SHIRT) == (
            '<?xml version="1.0" encoding="UTF-8"?><SHOP><SHOPITEM id="A1">'
            '<link rel="alternate" href="https://e.cz/a?x=1&amp;y=2"/><NOTE/>'
            '<PARAMS><P pos="x">Barva=modrá</P><P pos="x">Záruka=2 roky</P></PARAMS></SHOPITEM></SHOP>')

    def test_default_namespace(self) -> None:
        ns = "http://www.zbozi.cz/ns/offer/1.0"
        template = xml_template({"name": "ITEM_ID", "path": "ITEM_ID"}, namespaces={"": ns})
        root = etree.fromstring(xml(template, SHIRT).encode())
        assert root.findtext(f"{{{ns}}}SHOPITEM/{{{ns}}}ITEM_ID") == "A1"

    def test_streams_each_chunk_out(self) -> None:
        out = io.BytesIO()
        writer = TemplateWriter(out, load_template(xml_template({"name": "ID", "path": "ITEM_ID"})), today=TODAY)
        writer.begin()
        writer.write([product(("ITEM_ID", "1"))])
        first = len(out.getvalue())
        writer.write([product(("ITEM_ID", "2"))])
        assert b"<ID>1</ID>" in out.getvalue()[:first] and len(out.getvalue()) > first
        writer.end()
        assert writer.products_out == 2


HOSTILE = [
    "</NAME><INJECTED/>",
    "a & b < c > d",
    "]]>",
    "x]]>y<![CDATA[z",
    '" onload="x',
    "ctrl\x00\x01\x08\x0b\x0c\x1f\ufffe end",
    "surrogate \udcff end",
    "&amp; already",
]


class TestHostileValues:
    @pytest.mark.parametrize("value", HOSTILE)
    @pytest.mark.parametrize("cdata", [False, True])
    def test_round_trips_through_a_parser(self, value: str, cdata: bool) -> None:
        template = xml_template({"name": "NAME", "path": "V", "cdata": cdata},
                                {"name": "A", "text": "", "attributes": [{"name": "v", "path": "V"}]})
        root = etree.fromstring(xml(template, product(("V", value))).encode())
        expected = XmlFeedWriter_clean(value)
        assert root.findtext("SHOPITEM/NAME") == expected
        assert root.find("SHOPITEM/A").get("v") == expected
        assert root.find("SHOPITEM/INJECTED") is None

    def test_cdata_splits_the_end_marker(self) -> None:
        text = xml(xml_template({"name": "D", "path": "V", "cdata": True}), product(("V", "a]]>b")))
        assert "<D><![CDATA[a]]]]><![CDATA[>b]]></D>" in text

    def test_forbidden_characters_dropped_like_the_xml_writer(self) -> None:
        value = "a\x00b\x1fc\x0bd\te\nf"
        text = xml(xml_template({"name": "V", "path": "V"}), product(("V", value)))
        assert etree.fromstring(text.encode()).findtext("SHOPITEM/V") == "abcd\te\nf" == XmlFeedWriter_clean(value)

    def test_attribute_line_breaks_survive(self) -> None:
        text = xml(xml_template({"name": "A", "attributes": [{"name": "v", "path": "V"}]}), product(("V", "a\nb\tc")))
        assert etree.fromstring(text.encode()).find("SHOPITEM/A").get("v") == "a\nb\tc"

    def test_other_encoding_writes_character_references(self) -> None:
        template = xml_template({"name": "N", "path": "V"}, {"name": "C", "path": "V", "cdata": True},
                                encoding="iso-8859-2")
        data, _ = render(template, [product(("V", "Žluť € 😀"))])
        assert data.startswith(b'<?xml version="1.0" encoding="ISO-8859-2"?>')
        root = etree.fromstring(data)
        assert root.findtext("SHOPITEM/N") == root.findtext("SHOPITEM/C") == "Žluť € 😀"


def XmlFeedWriter_clean(value: str) -> str:  # noqa: N802
    """What the built-in XML writer publishes for a value, as the text a parser reads back."""
    out = io.StringIO()
    writer = XmlFeedWriter(out, FeedInfo(format="xml", root="R", item="I"))
    writer.begin()
    writer.write([product(("V", value), name="I")])
    writer.end()
    return etree.fromstring(out.getvalue().encode()).findtext("I/V") or ""


class TestBudgets:
    def test_time_budget_names_product_and_field(self) -> None:
        template = xml_template({"name": "ID", "path": "ITEM_ID"}, {"name": "N", "path": "PRODUCTNAME"})
        data, writer = render(template, [SHIRT], time_budget_ms=0)
        assert writer.failed == 1 and writer.products_out == 0
        error = writer.errors[0]
        assert (error.product_id, error.field) == ("A1", "ID")
        assert "time budget of 0 ms" in error.reason
        assert b"SHOPITEM" not in data  # nothing half-written

    def test_size_budget_names_the_field_that_went_over(self) -> None:
        big = product(("ITEM_ID", "B1"), ("SMALL", "x"), ("DESCRIPTION", "d" * 2000))
        template = xml_template({"name": "S", "path": "SMALL"}, {"name": "D", "path": "DESCRIPTION"},
                                {"name": "G", "children": [{"name": "D2", "path": "DESCRIPTION"}]})
        _, writer = render(template, [big, SHIRT], size_budget=1000)
        assert [(e.product_id, e.field) for e in writer.errors] == [("B1", "D")]
        assert "size budget of 1,000 characters" in writer.errors[0].reason
        assert writer.products_out == 1

    def test_runaway_value_is_a_product_error(self) -> None:
        template = xml_template({"name": "X", "expr": "BIG" + " & BIG" * 30})
        _, writer = render(template, [product(("ID", "7"), ("BIG", "a" * 100_000))])
        assert writer.failed == 1
        assert str(writer.errors[0]) == "7: X: the value would be longer than 1,000,000 characters"

    def test_bad_number_names_nested_field(self) -> None:
        template = xml_template({"name": "S", "for_each": "DELIVERY", "children": [
            {"name": "P", "expr": 'price(DELIVERY_PRICE, "CZK")'}]})
        _, writer = render(template, [product(("ITEM_ID", "Q"), ("DELIVERY", [("DELIVERY_PRICE", "free")]))])
        assert str(writer.errors[0]) == "Q: S > P: 'free' is not a number"

    def test_time_is_what_the_product_used_not_what_it_waited(self) -> None:
        budget = Budget(0.01, 1000)
        budget.start()
        time.sleep(0.02)  # a busy machine: the product waits, it does not work
        budget.check("A")
        spent = time.thread_time() + 0.02
        while time.thread_time() < spent:  # now it works
            pass
        with pytest.raises(FieldFailure, match="time budget of 10 ms"):
            budget.check("B")

    def test_product_without_id_is_named_by_position(self) -> None:
        _, writer = render(xml_template({"name": "X", "expr": "V * 1"}), [SHIRT, product(("V", "x"))])
        assert writer.errors[0].product_id == "product #2"


class TestSharedSubexpressions:
    def test_repeated_subexpression_is_right_for_every_product_and_node(self) -> None:
        template = xml_template(
            {"name": "A", "expr": "number(V) * 2"},
            {"name": "B", "expr": "number(V) * 2 + 1", "when": "number(V) * 2 > 2"},
            {"name": "D", "for_each": "DELIVERY", "expr": "number(V) * 2"},  # the same text on another node
            {"name": "T", "expr": "if(true, 'bool', 'x')"}, {"name": "N", "expr": "if(1, 'number', 'x')"},
            indent=False,
        )
        first = product(("V", "1"), ("DELIVERY", [("V", "10")]))
        second = product(("V", "3"), ("DELIVERY", [("V", "20")]), ("DELIVERY", [("V", "")]))
        assert xml(template, first, second).split("<SHOP>")[1] == (
            "<SHOPITEM><A>2</A><D>20</D><T>bool</T><N>number</N></SHOPITEM>"
            "<SHOPITEM><A>6</A><B>7</B><D>40</D><T>bool</T><N>number</N></SHOPITEM></SHOP>")


SCHEMA = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="SHOP"><xs:complexType><xs:sequence>
    <xs:element name="SHOPITEM" minOccurs="0" maxOccurs="unbounded"><xs:complexType><xs:sequence>
      <xs:element name="ITEM_ID" type="xs:string"/>
      <xs:element name="PRICE_VAT" type="xs:decimal"/>
    </xs:sequence></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""


class TestSchema:
    def test_schema_check_names_the_product(self) -> None:
        template = xml_template({"name": "ITEM_ID", "path": "ITEM_ID"}, {"name": "PRICE_VAT", "path": "PRICE_VAT"},
                                xml_schema=SCHEMA)
        good = product(("ITEM_ID", "OK1"), ("PRICE_VAT", "10.5"))
        bad = product(("ITEM_ID", "BAD1"), ("PRICE_VAT", "10 Kč"))
        data, writer = render(template, [good, bad])
        assert writer.products_out == 1 and writer.failed == 1
        error = writer.errors[0]
        assert (error.product_id, error.field) == ("BAD1", "xml_schema")
        assert "PRICE_VAT" in error.reason
        root = etree.fromstring(data)
        assert etree.XMLSchema(etree.fromstring(SCHEMA.encode())).validate(root)  # the published file passes
        assert [item.findtext("ITEM_ID") for item in root] == ["OK1"]
