"""Numbers as shops write them, read the same way by rules, queries and conversions (feeds.decimal_text)."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from feeds.decimal_text import number_span, parse_decimal, parse_number
from feeds.pipeline import ExportTarget, process

WHOLE_NUMBERS = [
    ("1234", "1234"),
    ("1234,50", "1234.50"),
    ("1 299,90", "1299.90"),
    ("1\u00a0299,90", "1299.90"),  # no-break space groups thousands
    ("1\u202f299,90", "1299.90"),  # narrow no-break space
    ("1'299.50", "1299.50"),  # Swiss grouping
    ("1.240", "1.240"),  # FORMATS.md 1.7: a dot-decimal value (cp1250 sample), not 1240
    ("1,234", "1.234"),  # the same rule with a comma
    ("1,234.56", "1234.56"),
    ("1.234,56", "1234.56"),
    ("1.234.567", "1234567"),  # a repeated separator groups thousands
    ("1,234,567", "1234567"),
    ("12.5000", "12.5000"),  # four decimals cannot be a thousands group
    ("21%", "21"),
    ("21 %", "21"),
    ("0,24", "0.24"),
    (",5", "0.5"),
    (".5", "0.5"),
    ("-.5", "-0.5"),
    ("-5", "-5"),
    ("\u22125", "-5"),  # a typographic minus
    ("+5", "5"),
    ("5.", "5"),
    ("  85 ", "85"),
    ("0012", "12"),
    ("1.5e3", "1500"),  # exponent notation, as spreadsheets and scripts write floats: never 1.5
    ("1.5E+03", "1500"),
    ("1,5E+03", "1500"),  # a spreadsheet with a decimal comma
    ("-2e-05", "-0.00002"),
    ("5.e3", "5000"),
]


@pytest.mark.parametrize(("text", "expected"), WHOLE_NUMBERS)
def test_a_number_reads_the_same_whole_and_inside_text(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)
    assert parse_number(text) == Decimal(expected)
    assert parse_number(f"cena: {text} Kč") == Decimal(expected.lstrip("+"))


@pytest.mark.parametrize(
    ("text", "inside"),
    [("433.00 CZK", "433.00"), ("cca 12 ks", "12"), ("cena: 99,-", "99"), ("12 eur", "12"), ("5e", "5"),
     ("abc", None), ("", None), ("-", None), (".", None), ("NaN", None), ("nan", None), ("inf", None),
     ("-inf", None), ("Infinity", None), ("1e100", None), ("1e-100", None)],
)  # fmt: skip
def test_text_around_a_number_makes_it_no_whole_number(text: str, inside: str | None) -> None:
    assert parse_decimal(text) is None
    assert parse_number(text) == (Decimal(inside) if inside is not None else None)


def test_whole_numbers_and_numbers_in_text_agree_on_random_spellings() -> None:
    """What parse_decimal reads, parse_number reads identically: a rule and an export see one value."""
    rnd = random.Random(7)
    alphabet = "0123456789.,' -+%\u00a0\u2212"
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 9)))
        whole = parse_decimal(text)
        if whole is not None:
            assert parse_number(text) == whole, text


def test_number_span_covers_the_number_without_trailing_separators() -> None:
    text = "cena 1 299,- Kč"
    start, end, value = number_span(text) or (0, 0, None)
    assert (text[start:end], value) == ("1 299", Decimal("1299"))
    start, end, value = number_span("12\tks") or (0, 0, None)
    assert (start, end, value) == (0, 2, Decimal("12"))  # the tab after the number stays in the text
    assert number_span("no digits") is None


def test_absurdly_big_numbers_are_no_numbers() -> None:
    biggest = "9" * 18
    assert parse_decimal(biggest) == parse_number(biggest) == Decimal(biggest)
    for text in ("1" + "0" * 18, "123456789012345678901234567890", "1 000 000 000 000 000 000,50"):
        assert parse_decimal(text) is None and parse_number(text) is None and number_span(text) is None


def test_a_30_digit_price_is_an_invalid_product_not_a_crash(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        "<SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID><PRODUCTNAME>X</PRODUCTNAME><URL>https://a.cz/x</URL>"
        "<PRICE_VAT>123456789012345678901234567890</PRICE_VAT></SHOPITEM></SHOP>",
        encoding="utf-8",
    )
    targets = [ExportTarget(key, key, tmp_path / f"{key}.xml") for key in ("google", "mergado", "heureka")]
    report = process(feed, targets)
    assert [(e.format, e.invalid) for e in report.exports] == [("google", 1), ("mergado", 1), ("heureka", 1)]
    google, mergado, _ = (e.problems[0] for e in report.exports)  # Heureka keeps the text as it came
    assert "missing price" in google and "missing PRICE_VAT" in mergado


def test_a_price_in_exponent_notation_converts_as_its_value_and_heureka_reports_it(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(
        "<SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID><PRODUCTNAME>X</PRODUCTNAME><URL>https://a.cz/x</URL>"
        "<PRICE_VAT>1.5e3</PRICE_VAT></SHOPITEM></SHOP>",
        encoding="utf-8",
    )
    targets = [ExportTarget(key, key, tmp_path / f"{key}.xml", invalid="keep") for key in ("google", "heureka")]
    report = process(feed, targets)
    assert "<g:price>1500.00 CZK</g:price>" in (tmp_path / "google.xml").read_text(encoding="utf-8")
    assert "PRICE_VAT '1.5e3' is not a number" in report.exports[1].problems[0]  # Heureka reads no exponent
