"""TemplateWriter with CSV/TSV templates: columns, quoting, delimiter, encoding, formula escaping."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from feeds.exports.csvwriter import spreadsheet_safe
from tests.feeds.templates.helpers import product, render

ROWS = [
    product(("ITEM_ID", "1"), ("PRODUCTNAME", 'Hrnek "velký", 0,5 l'), ("PRICE_VAT", "199"),
            ("IMGURL_ALTERNATIVE", "a.jpg"), ("IMGURL_ALTERNATIVE", "b.jpg")),
    product(("ITEM_ID", "2"), ("PRODUCTNAME", "=HYPERLINK(\"http://evil\")"), ("PRICE_VAT", "-5")),
]


def csv_template(**fields: Any) -> dict[str, Any]:
    columns = fields.pop("columns", [
        {"name": "id", "path": "ITEM_ID"},
        {"name": "title", "path": "PRODUCTNAME"},
        {"name": "price", "expr": 'price(PRICE_VAT, "CZK")'},
        {"name": "images", "path": "IMGURL_ALTERNATIVE", "join_with": "|"},
    ])
    return {"kind": "csv", "columns": columns, **fields}


def text(template: dict[str, Any], products: list[Any] = ROWS, encoding: str = "utf-8") -> str:
    data, writer = render(template, products)
    assert not writer.errors, writer.errors
    return data.decode(encoding)


class TestCsv:
    def test_default_csv(self) -> None:
        assert text(csv_template()) == (
            "id,title,price,images\n"
            '1,"Hrnek ""velký"", 0,5 l",199.00 CZK,a.jpg|b.jpg\n'
            "2,\"'=HYPERLINK(\"\"http://evil\"\")\",'-5.00 CZK,\n"  # not a plain number: escaped as csvwriter does
        )

    def test_formula_escaping_matches_the_csv_writer(self) -> None:
        values = ["=1+1", "+420 123", "-5", "@SUM(A1)", "\tx", "plain", "-1,5"]
        template = csv_template(columns=[{"name": "v", "path": "V"}], header=False)
        rows = list(csv.reader(io.StringIO(text(template, [product(("V", v)) for v in values]))))
        assert [row[0] for row in rows] == [spreadsheet_safe(v) for v in values]

    def test_formula_escaping_can_be_turned_off(self) -> None:
        template = csv_template(columns=[{"name": "v", "path": "V"}], header=False, escape_formulas=False)
        assert text(template, [product(("V", "=1+1"))]) == "=1+1\n"

    def test_tsv_quote_all_crlf(self) -> None:
        template = csv_template(delimiter="\t", quoting="all", line_end="crlf",
                                columns=[{"name": "id", "path": "ITEM_ID"}, {"name": "n", "text": "a\tb"}])
        assert text(template, ROWS[:1]) == '"id"\t"n"\r\n"1"\t"a\tb"\r\n'

    def test_quoting_none_refuses_a_value_that_needs_quotes(self) -> None:
        template = csv_template(delimiter=";", quoting="none",
                                columns=[{"name": "id", "path": "ITEM_ID"}, {"name": "title", "path": "PRODUCTNAME"}])
        data, writer = render(template, [product(("ITEM_ID", "1"), ("PRODUCTNAME", "a;b")),
                                         product(("ITEM_ID", "2"), ("PRODUCTNAME", "ok"))])
        assert data == b"id;title\n2;ok\n"
        assert (writer.errors[0].product_id, writer.errors[0].field) == ("1", "title")

    def test_encoding_cp1250(self) -> None:
        template = csv_template(columns=[{"name": "název", "path": "N"}], encoding="windows-1250")
        assert render(template, [product(("N", "Žluťoučký"))])[0] == "název\nŽluťoučký\n".encode("windows-1250")

    def test_unencodable_value_names_product_and_column(self) -> None:
        template = csv_template(columns=[{"name": "id", "path": "ITEM_ID"}, {"name": "name", "path": "N"}],
                                encoding="iso-8859-2")
        data, writer = render(template, [product(("ITEM_ID", "9"), ("N", "emoji 😀"))])
        assert data == b"id,name\n"
        assert str(writer.errors[0]) == "9: name: '😀' cannot be written in iso-8859-2"

    def test_utf8_bom_for_excel(self) -> None:
        template = csv_template(columns=[{"name": "id", "path": "ITEM_ID"}], encoding="utf-8-sig")
        assert render(template, ROWS[:1])[0] == "\ufeffid\n1\n".encode()

    @pytest.mark.parametrize("header", [True, False])
    def test_header_switch(self, header: bool) -> None:
        template = csv_template(columns=[{"name": "id", "path": "ITEM_ID"}], header=header)
        assert text(template, ROWS[:1]) == ("id\n1\n" if header else "1\n")

    def test_time_budget_names_the_column(self) -> None:
        _, writer = render(csv_template(), ROWS[:1], time_budget_ms=0)
        assert (writer.errors[0].product_id, writer.errors[0].field) == ("1", "id")
