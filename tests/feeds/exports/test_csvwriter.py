"""The CSV writer's header: repeated nested elements keep their parts side by side."""

from __future__ import annotations

import csv
import io

from feeds.exports.csvwriter import CsvFeedWriter
from feeds.model import Element, FeedInfo


def param(name: str, value: str) -> Element:
    return Element("PARAM", children=[Element("PARAM_NAME", name), Element("VAL", value)])


def shopitem(ident: str, *params: Element) -> Element:
    return Element("SHOPITEM", children=[Element("ITEM_ID", ident), *params, Element("PRICE_VAT", "10")])


def test_each_param_name_sits_next_to_its_value_however_many_later_products_have() -> None:
    out = io.StringIO()
    writer = CsvFeedWriter(out, FeedInfo(format="heureka"))
    writer.write([shopitem("1", param("Barva", "modrá"), param("Velikost", "M"))])
    writer.write([shopitem("2", param("Barva", "černá"), param("Velikost", "L"), param("Materiál", "bavlna"))])
    writer.end()
    header, first, second = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == ["ITEM_ID", "PARAM|PARAM_NAME", "PARAM|VAL", "PARAM|PARAM_NAME", "PARAM|VAL",
                      "PARAM|PARAM_NAME", "PARAM|VAL", "PRICE_VAT"]
    assert first == ["1", "Barva", "modrá", "Velikost", "M", "", "", "10"]
    assert second == ["2", "Barva", "černá", "Velikost", "L", "Materiál", "bavlna", "10"]
