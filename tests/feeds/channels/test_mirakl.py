"""Mirakl offers CSV (`mirakl-offers`): mapping, validation, real feeds end to end, and the CLI."""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from typer.testing import CliRunner

from feedhub.cli import app
from feeds.channels import ConvertOptions, get_channel
from feeds.channels.convert import make_converter
from feeds.channels.mirakl import MIRAKL_COLUMNS, NO_STOCK_COUNT, MiraklOffersWriter
from feeds.channels.offer import Offer
from feeds.channels.validate import make_validator
from feeds.errors import FeedError
from feeds.fetch import fetch_source
from feeds.model import Element, Product
from feeds.parsers import detect_format
from feeds.pipeline import ExportTarget, process

ROOT = Path(__file__).resolve().parents[3]
SHARED_FEEDS = ROOT.parent / "shared" / "feeds"
SAMPLE = ROOT / "sample_feeds" / "heureka_cz_params_delivery.xml"
OPTIONS = ConvertOptions(today=date(2026, 1, 15))
KEY = "mirakl-offers"
G = "http://base.google.com/ns/1.0"


def _item(name: str, *cells: tuple[str, str]) -> Product:
    return Product(name, children=[Element(tag, text) for tag, text in cells])


def _row(source: str, product: Product, options: ConvertOptions = OPTIONS) -> dict[str, str]:
    out = make_converter(source, KEY, options).convert(product)
    assert out is not None
    return {child.name: child.text for child in out.children}


def _offer_row(offer: Offer, **writer: object) -> tuple[dict[str, str], Counter[str]]:
    warnings: Counter[str] = Counter()
    out = MiraklOffersWriter(OPTIONS, warnings=warnings, dropped=Counter(), **writer).write(offer)  # type: ignore[arg-type]
    return {child.name: child.text for child in out.children}, warnings


class TestMappingFromHeureka:
    def test_every_column_of_a_complete_shopitem(self) -> None:
        row = _row("heureka", _item("SHOPITEM", ("ITEM_ID", "K-1"), ("EAN", "5902687180165"), ("PRICE_VAT", "899,5"),
                                    ("STOCK", "12"), ("ITEM_TYPE", "new")))
        assert row == {"sku": "K-1", "product-id": "5902687180165", "product-id-type": "EAN", "price": "899.50",
                       "quantity": "12", "state": "11", "available-start-date": "", "available-end-date": "",
                       "discount-price": "", "discount-start-date": "", "discount-end-date": ""}
        assert tuple(row) == MIRAKL_COLUMNS

    def test_no_ean_falls_back_to_shop_sku_with_the_sku(self) -> None:
        row = _row("heureka", _item("SHOPITEM", ("ITEM_ID", "K-1"), ("EAN", ""), ("PRICE_VAT", "10")))
        assert (row["product-id"], row["product-id-type"]) == ("K-1", "SHOP_SKU")

    def test_a_bad_check_digit_falls_back_and_warns(self) -> None:
        row, warnings = _offer_row(Offer(id="K-1", gtin="5902687180166", price=Decimal(1)))
        assert (row["product-id"], row["product-id-type"]) == ("K-1", "SHOP_SKU")
        assert sum(warnings.values()) == 2  # the bad EAN, and no stock count

    @pytest.mark.parametrize(("gtin", "expected"), [
        ("12345670", ("12345670", "EAN")),  # EAN-8 as it is
        ("036000291452", ("0036000291452", "EAN")),  # UPC-12 as EAN-13
        ("10012345678902", ("K-1", "SHOP_SKU")),  # GTIN-14: no EAN form
    ])  # fmt: skip
    def test_gtin_lengths(self, gtin: str, expected: tuple[str, str]) -> None:
        row, _ = _offer_row(Offer(id="K-1", gtin=gtin, price=Decimal(1)))
        assert (row["product-id"], row["product-id-type"]) == expected

    @pytest.mark.parametrize(("price", "expected"), [
        ("10", "10.00"), ("10,005", "10.01"), ("10.004", "10.00"), ("1 234,5", "1234.50"),
        ("0.125", "0.13"),  # half up, not banker's rounding (which gives 0.12)
    ])  # fmt: skip
    def test_price_has_two_decimals_rounded_half_up(self, price: str, expected: str) -> None:
        assert _row("heureka", _item("SHOPITEM", ("ITEM_ID", "1"), ("PRICE_VAT", price)))["price"] == expected

    @pytest.mark.parametrize(("item_type", "state"), [("new", "11"), ("", "11"), ("bazar", "")])
    def test_state_from_item_type(self, item_type: str, state: str) -> None:
        cells = [("ITEM_ID", "1"), ("PRICE_VAT", "1")] + ([("ITEM_TYPE", item_type)] if item_type else [])
        assert _row("heureka", _item("SHOPITEM", *cells))["state"] == state

    def test_zbozi_list_price_is_the_price_struck_through(self) -> None:
        row = _row("zbozi", _item("SHOPITEM", ("ITEM_ID", "1"), ("PRICE_VAT", "80"), ("LIST_PRICE", "100")))
        assert (row["price"], row["discount-price"]) == ("100.00", "80.00")

    @pytest.mark.parametrize(("cells", "quantity"), [
        ((("STOCK", "7"),), "7"),
        ((("STOCK", "7.0"),), "7"),  # a spreadsheet's float
        ((("DELIVERY_DATE", "0"),), ""),  # in stock, but no count: not invented
        ((), ""),
    ])  # fmt: skip
    def test_quantity_from_stock(self, cells: tuple[tuple[str, str], ...], quantity: str) -> None:
        assert _row("heureka", _item("SHOPITEM", ("ITEM_ID", "1"), ("PRICE_VAT", "1"), *cells))["quantity"] == quantity


class TestMappingFromGoogle:
    def test_sale_price_with_its_window(self) -> None:
        row = _row("google", _item("item", ("g:id", "G-1"), ("g:gtin", "5902687180165"), ("g:price", "100 CZK"),
                                   ("g:sale_price", "79.999 CZK"),
                                   ("g:sale_price_effective_date", "2026-02-01T00:00+0100/2026-02-28T23:59+0100"),
                                   ("g:condition", "new"), ("g:availability", "in_stock")))
        assert row["sku"] == "G-1" and row["product-id-type"] == "EAN"
        assert (row["price"], row["discount-price"]) == ("100.00", "80.00")
        assert (row["discount-start-date"], row["discount-end-date"]) == (
            "2026-02-01T00:00:00+01:00", "2026-02-28T23:59:00+01:00")

    def test_sale_window_as_dates(self) -> None:
        row, _ = _offer_row(Offer(id="1", price=Decimal(10), sale_price=Decimal(8),
                                  sale_dates="2026-02-01/2026-02-28"))
        assert (row["discount-start-date"], row["discount-end-date"]) == ("2026-02-01", "2026-02-28")

    @pytest.mark.parametrize(("condition", "state"), [("new", "11"), ("used", ""), ("refurbished", "")])
    def test_state_from_condition(self, condition: str, state: str) -> None:
        assert _row("google", _item("item", ("g:id", "1"), ("g:condition", condition)))["state"] == state

    def test_state_codes_of_a_marketplace(self) -> None:
        row, warnings = _offer_row(Offer(id="1", condition="used"), state_codes={"new": "11", "used": "1"})
        assert row["state"] == "1"

    @pytest.mark.parametrize(("availability", "quantity"), [("out_of_stock", "0"), ("in_stock", ""), ("", "")])
    def test_quantity_without_a_count(self, availability: str, quantity: str) -> None:
        row, warnings = _offer_row(Offer(id="1", availability=availability))
        assert row["quantity"] == quantity
        assert (NO_STOCK_COUNT in warnings) is (quantity == "")

    @pytest.mark.parametrize(("column", "text", "quantity"), [
        ("qty", "9", "9"),
        ("inventory", "0", "0"),
        ("Lagerbestand", "12", "12"),  # the German column the CSV reader recognises
        ("stan magazynowy", "3", "3"),  # Polish
        ("stock", "7.0", "7"),  # a spreadsheet's float
        ("stock", "skladem", ""),  # not a count: none is invented (and a warning says so)
    ])  # fmt: skip
    def test_a_generic_csv_stock_column_gives_the_count(self, column: str, text: str, quantity: str) -> None:
        row = _row("csv", _item("item", ("id", "1"), ("price", "5"), (column, text)))
        assert row["quantity"] == quantity

    def test_a_google_stock_quantity_gives_the_count(self) -> None:
        row = _row("google", _item("item", ("g:id", "1"), ("g:price", "5 EUR"), ("g:availability", "in_stock"),
                                   ("g:stock_quantity", "4")))
        assert row["quantity"] == "4"

    @pytest.mark.parametrize(("stock", "quantity"), [
        ([("AMOUNT", "5")], "5"),  # Shoptet
        ([("AMOUNT", "0"), ("MINIMAL_AMOUNT", "1")], "0"),
        ([("MINIMAL_AMOUNT", "1")], ""),  # no AMOUNT: no count
    ])  # fmt: skip
    def test_shoptet_stock_amount_gives_the_count(self, stock: list[tuple[str, str]], quantity: str) -> None:
        product = _item("SHOPITEM", ("ITEM_ID", "1"), ("PRICE_VAT", "1"))
        product.children.append(Element("STOCK", "", children=[Element(name, text) for name, text in stock]))
        assert _row("heureka", product)["quantity"] == quantity


class TestProductIdType:
    def test_forced_ean_without_one_is_written_and_reported(self) -> None:
        row, warnings = _offer_row(Offer(id="1", price=Decimal(1)), product_id_type="EAN")
        assert (row["product-id"], row["product-id-type"]) == ("", "EAN")
        assert any("forced" in message for message in warnings)
        assert "missing EAN: product-id-type is EAN and product-id is empty" in make_validator(KEY)(_as_product(row))

    def test_forced_shop_sku_ignores_the_ean(self) -> None:
        row, _ = _offer_row(Offer(id="1", gtin="5902687180165"), product_id_type="SHOP_SKU")
        assert (row["product-id"], row["product-id-type"]) == ("1", "SHOP_SKU")

    def test_unknown_type_is_refused(self) -> None:
        with pytest.raises(ValueError, match="product_id_type"):
            _offer_row(Offer(id="1"), product_id_type="ISBN")


def _as_product(row: dict[str, str]) -> Product:
    return _item("offer", *row.items())


VALID = {"sku": "A-1", "product-id": "5902687180165", "product-id-type": "EAN", "price": "100.00",
         "quantity": "3", "state": "11", "discount-price": "90.00", "discount-start-date": "2026-02-01",
         "discount-end-date": "2026-02-28"}


class TestValidation:
    def test_a_valid_offer_has_no_problems(self) -> None:
        assert make_validator(KEY)(_as_product(VALID)) == []

    @pytest.mark.parametrize(("changes", "problem"), [
        ({"product-id": ""}, "missing EAN: product-id-type is EAN and product-id is empty"),  # e.g. a rule wrote EAN
        ({"product-id": "123"}, "product-id '123' is not a valid EAN (product-id-type EAN)"),
        ({"product-id-type": ""}, "missing product-id-type for product-id '5902687180165'"),
        ({"product-id": "", "product-id-type": "SHOP_SKU"}, "missing product-id for product-id-type SHOP_SKU"),
        ({"quantity": "-2"}, "quantity '-2' is negative"),
        ({"quantity": "2.5"}, "quantity '2.5' is not a whole number"),
        ({"discount-price": "120.00"}, "discount-price 120.00 is not below price 100.00"),
        ({"discount-price": "100.00"}, "discount-price 100.00 is not below price 100.00"),  # discounts nothing
        ({"price": ""}, "missing price"),
        ({"price": "abc"}, "price 'abc' is not a number with a decimal point"),
        ({"price": "10,50"}, "price '10,50' is not a number with a decimal point"),
        ({"state": ""}, "missing state"),
        ({"sku": ""}, "missing sku"),
        ({"discount-start-date": "1.2.2026"}, "discount-start-date '1.2.2026' is not an ISO 8601 date"),
        ({"discount-start-date": "2026-03-01"}, "discount-start-date 2026-03-01 is after discount-end-date 2026-02-28"),
    ])  # fmt: skip
    def test_each_problem(self, changes: dict[str, str], problem: str) -> None:
        assert make_validator(KEY)(_as_product({**VALID, **changes})) == [problem]

    def test_zero_quantity_is_valid(self) -> None:
        assert make_validator(KEY)(_as_product({**VALID, "quantity": "0"})) == []

    def test_invalid_offers_are_left_out_by_default(self) -> None:
        assert get_channel(KEY).invalid_policy == "drop"


class TestReader:
    def test_reads_a_row_back_into_the_hub(self) -> None:
        offer = make_converter(KEY, "google", OPTIONS).offer(_as_product(VALID))  # type: ignore[union-attr]
        assert (offer.id, offer.gtin, offer.price, offer.sale_price) == ("A-1", "5902687180165", Decimal("100.00"),
                                                                         Decimal("90.00"))
        assert (offer.stock_qty, offer.availability, offer.condition) == ("3", "in_stock", "new")
        assert offer.sale_dates == "2026-02-01/2026-02-28"

    def test_shop_sku_product_id_is_no_gtin(self) -> None:
        offer = make_converter(KEY, "google", OPTIONS).offer(  # type: ignore[union-attr]
            _as_product({**VALID, "product-id": "A-1", "product-id-type": "SHOP_SKU"}))
        assert offer.gtin == ""


# Real feeds: every feed of ../shared/feeds with EANs, written as Mirakl offers and checked against the source
# read independently (lxml for XML, pandas for CSV), column by column.


def _check_digit_ok(code: str) -> bool:
    if len(code) not in (8, 12, 13, 14) or not (code.isascii() and code.isdigit()):
        return False
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(code[:-1])))
    return (10 - total % 10) % 10 == int(code[-1])


def _expected_ids(sku: str, gtin: str) -> tuple[str, str]:
    code = gtin.strip().replace(" ", "").replace("-", "")
    code = code[:-2] if code.endswith(".0") else code
    if _check_digit_ok(code) and len(code) != 14:
        return ("0" + code if len(code) == 12 else code), "EAN"
    return sku, "SHOP_SKU"


def _money(text: str) -> str:
    number = text.strip().split(" ")[0] if " " in text.strip() and text.strip()[-1].isalpha() else text
    number = number.replace("\u00a0", "").replace(" ", "")
    if "," in number and "." not in number:
        number = number.replace(",", ".")
    if not number:
        return ""
    return str(Decimal(number).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _text(item: etree._Element, path: str) -> str:
    found = [el for el in item.findall(path) if (el.text or "").strip()]
    return (found[0].text or "").strip() if found else ""


def _shopitem_rows(root: etree._Element) -> list[dict[str, str]]:
    rows = []
    for item in root.iter("{*}SHOPITEM"):
        sku = _text(item, "{*}ITEM_ID")
        product_id, id_type = _expected_ids(sku, _text(item, "{*}EAN"))
        stock = _text(item, "{*}STOCK")
        rows.append({"sku": sku, "product-id": product_id, "product-id-type": id_type,
                     "price": _money(_text(item, "{*}PRICE_VAT")), "quantity": stock,
                     "state": "" if _text(item, "{*}ITEM_TYPE").lower() == "bazar" else "11", "discount-price": ""})
    return rows


def _google_rows(root: etree._Element) -> list[dict[str, str]]:
    rows = []
    for item in root.iter("item", "{http://www.w3.org/2005/Atom}entry"):
        sku = _text(item, f"{{{G}}}id")
        product_id, id_type = _expected_ids(sku, _text(item, f"{{{G}}}gtin"))
        availability = _text(item, f"{{{G}}}availability").replace(" ", "_")
        condition = _text(item, f"{{{G}}}condition") or "new"
        rows.append({"sku": sku, "product-id": product_id, "product-id-type": id_type,
                     "price": _money(_text(item, f"{{{G}}}price")),
                     "quantity": "0" if availability == "out_of_stock" else "",
                     "state": "11" if condition == "new" else "",
                     "discount-price": _money(_text(item, f"{{{G}}}sale_price"))})
    return rows


def _csv_rows(path: Path) -> list[dict[str, str]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python", encoding="utf-8-sig")
    rows = []
    for record in frame.to_dict("records"):
        sku = record["Artikelnummer im Shop"]
        product_id, id_type = _expected_ids(sku, record["EAN/GTIN"])
        stock = record["Inventory"].strip()
        rows.append({"sku": sku, "product-id": product_id, "product-id-type": id_type,
                     "price": _money(record["Preis (Brutto)"]),
                     "quantity": str(int(Decimal(stock))) if stock else "",
                     "state": "11", "discount-price": ""})
    return rows


def _expected(path: Path) -> list[dict[str, str]] | None:
    """The source's offers, read without Feedhub; None for a feed whose shape this test does not know."""
    if path.suffix == ".csv":
        header = path.read_text(encoding="utf-8-sig").splitlines()[0]
        return _csv_rows(path) if "EAN/GTIN" in header else None
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        root = etree.parse(handle, etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    if etree.QName(root).localname == "SHOP":
        return _shopitem_rows(root)
    if G in root.nsmap.values():
        return _google_rows(root)
    return None


SHARED = sorted(p for p in SHARED_FEEDS.rglob("*") if p.is_file() and p.suffix != ".md") if SHARED_FEEDS.is_dir() \
    else []


@pytest.mark.skipif(not SHARED, reason="../shared/feeds is not beside the project")
@pytest.mark.parametrize("path", SHARED, ids=[p.name for p in SHARED])
def test_every_shared_feed_with_eans_as_mirakl_offers(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "offers.csv"
    try:  # fetched as `feedhub convert` fetches a source: a gzipped feed is unpacked
        fetched = fetch_source(str(path), tmp_path / "fetch")
        process(fetched.path, [ExportTarget("mirakl", KEY, out, OPTIONS, invalid="keep")])
    except FeedError as exc:
        pytest.skip(f"the importer refuses it: {exc}")
    expected = _expected(path)
    if expected is None or not any(row["product-id-type"] == "EAN" for row in expected):
        pytest.skip("no EANs in this feed (or a shape this test cannot read on its own)")
    with open(out, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        assert tuple(reader.fieldnames or ()) == MIRAKL_COLUMNS
        written = list(reader)
    assert len(written) == len(expected)
    for got, want in zip(written, expected, strict=True):
        for column, value in want.items():
            assert got[column] == value, (want["sku"], column)
        assert got["available-start-date"] == got["available-end-date"] == ""
    assert detect_format(out) == KEY


class TestCli:
    def test_convert_to_mirakl_offers(self, tmp_path: Path) -> None:
        out = tmp_path / "offers.csv"
        result = CliRunner().invoke(app, ["convert", str(SAMPLE), "--to", KEY, "-o", str(out)])
        assert result.exit_code == 0, result.output
        lines = out.read_text(encoding="utf-8").splitlines()
        assert lines[0] == ";".join(MIRAKL_COLUMNS)
        assert len(lines) > 1 and detect_format(out) == KEY

    def test_convert_mirakl_offers_back_to_its_own_format(self, tmp_path: Path) -> None:
        first, second = tmp_path / "a.csv", tmp_path / "b.csv"
        runner = CliRunner()
        assert runner.invoke(app, ["convert", str(SAMPLE), "--to", KEY, "-o", str(first)]).exit_code == 0
        result = runner.invoke(app, ["convert", str(first), "-o", str(second)])
        assert result.exit_code == 0, result.output
        assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
