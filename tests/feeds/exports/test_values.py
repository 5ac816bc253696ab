"""Value helpers: every spelling real feeds use, parsed and formatted in one place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from feeds.exports import values
from feeds.gtin import is_valid_gtin


class TestParsePrice:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("599 CZK", (Decimal("599"), "CZK")),
            ("14.99 USD", (Decimal("14.99"), "USD")),
            ("CZK 599", (Decimal("599"), "CZK")),
            ("12.00USD", (Decimal("12.00"), "USD")),
            ("1 000,00 Kč", (Decimal("1000.00"), "CZK")),  # symbol mapped to its ISO code
            ("85", (Decimal("85"), "")),
            ("abc", (None, "ABC")),
        ],
    )
    def test_parse(self, text: str, expected: tuple[Decimal | None, str]) -> None:
        assert values.parse_price(text) == expected


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        (Decimal("1234"), "CZK", "1234.00 CZK"),
        (Decimal("0.125"), "EUR", "0.13 EUR"),  # ROUND_HALF_UP, not banker's rounding
        (Decimal("2.675"), "", "2.68"),
    ],
)
def test_format_price(value: Decimal, currency: str, expected: str) -> None:
    assert values.format_price(value, currency) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("21%", Decimal("21")), ("21", Decimal("21")), ("0,21", Decimal("21.00")), ("0,20", Decimal("20.00")),
     ("x", None), ("-1", None)],
)  # fmt: skip
def test_parse_vat_rate(text: str, expected: Decimal | None) -> None:
    assert values.parse_vat_rate(text) == expected


class TestIdentifiers:
    @pytest.mark.parametrize(
        ("code", "valid"),
        [
            ("5902687180165", True),
            ("5902687180166", False),  # check digit off by one
            ("96385074", True),  # EAN-8
            ("036000291452", True),  # UPC-12
            ("10036000291459", True),  # GTIN-14
            ("590268718016", False),  # 12 digits but not a valid UPC
            ("59026871801a5", False),
            ("123", False),
            ("", False),
            ("590268718016²", False),  # "²".isdigit() is True: must not crash, must not pass
            ("٥٩٠٢٦٨٧١٨٠١٦٦", False),  # Arabic-Indic digits: not a barcode as written
        ],
    )
    def test_gtin(self, code: str, valid: bool) -> None:
        assert is_valid_gtin(code) is valid

    @pytest.mark.parametrize(
        ("isbn", "expected"),
        [
            ("0-306-40615-2", "9780306406157"),
            ("080442957X", "9780804429573"),  # X check digit
            ("9780306406157", "9780306406157"),
            ("0306406153", None),  # bad ISBN-10 check digit
            ("978030640615", None),
        ],
    )
    def test_isbn10_to_13(self, isbn: str, expected: str | None) -> None:
        assert values.isbn10_to_13(isbn) == expected

    @pytest.mark.parametrize(
        ("code", "expected"),
        [("036000291452", "0036000291452"), ("5902687180165", "5902687180165"), ("96385074", "96385074"),
         ("10036000291459", None)],
    )  # fmt: skip
    def test_gtin_to_ean13(self, code: str, expected: str | None) -> None:
        assert values.gtin_to_ean13(code) == expected

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("8003168046554.0", "8003168046554"), (" 590 2687-180165 ", "5902687180165"), ("", ""), ("12.5", "12.5")],
    )
    def test_clean_gtin(self, text: str, expected: str) -> None:
        assert values.clean_gtin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in stock", "in_stock"),
        ("in_stock", "in_stock"),
        ("In Stock", "in_stock"),
        ("out of stock", "out_of_stock"),
        ("available for order", "backorder"),  # Meta's orderable-later
        ("preorder", "preorder"),
        ("discontinued", "out_of_stock"),
        ("maybe", ""),
    ],
)
def test_normalize_availability(text: str, expected: str) -> None:
    assert values.normalize_availability(text) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Heureka.cz | Elektronika | Mobily", ["Elektronika", "Mobily"]),
        ("Heureka.cz | ", []),  # the arche feed: a prefix with an empty leaf
        ("Elektronika > Počítače", ["Elektronika", "Počítače"]),
        ("Knihy / Omalovánky", ["Knihy", "Omalovánky"]),
        ("Audio/Video | Sluchátka", ["Audio/Video", "Sluchátka"]),  # `/` inside a `|` path is part of a name
        ("Perfume", ["Perfume"]),
        ("", []),
    ],
)
def test_split_category(path: str, expected: list[str]) -> None:
    assert values.split_category(path) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>Hello <b>world</b></p><p>Second</p>", "Hello world\nSecond"),
        ("Line one\\nLine two", "Line one\nLine two"),  # literal backslash-n (menabo feed)
        ("A &amp; B", "A & B"),
        ("&lt;p&gt;escaped&lt;/p&gt;", "escaped"),  # entity-escaped HTML after the XML parser's own unescape
        ("a < b and c > d", "a < b and c > d"),  # comparison signs are not tags
        ("  lots   of\t space  ", "lots of space"),
        ("one<br/>two<br>three", "one\ntwo\nthree"),
        ("<ul><li>x</li><li>y</li></ul>", "x\ny"),
        ("a<!-- hidden -->b", "a b"),
        ("p1\n\n\n\np2", "p1\n\np2"),
    ],
)
def test_html_to_text(text: str, expected: str) -> None:
    assert values.html_to_text(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("one two three", 9, "one two"),
        ("one two, three", 9, "one two"),  # trailing punctuation at the cut is trimmed
        ("abcdefghijkl", 5, "abcde"),  # a single long word is cut hard
    ],
)
def test_truncate_words(text: str, limit: int, expected: str) -> None:
    assert values.truncate_words(text, limit) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Afnan 9 AM EDP Default Title", "Afnan 9 AM EDP"),
        ("Shirt - Default Title", "Shirt"),
        ("Shirt (Default Title)", "Shirt"),
        ("Title", "Title"),
    ],
)
def test_strip_default_title(name: str, expected: str) -> None:
    assert values.strip_default_title(name) == expected


@pytest.mark.parametrize(
    ("url", "valid"),
    [("https://x.cz/a", True), ("http://x.cz", True), ("HTTPS://X.CZ", True), ("ftp://x.cz", False),
     ("https://", False), ("https:///path", False), ("//x.cz/a", False), ("https://x.cz/a b", False)],
)  # fmt: skip
def test_is_http_url(url: str, valid: bool) -> None:
    assert values.is_http_url(url) is valid


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://a/1.jpg", ["https://a/1.jpg"]),
        ("https://a/1.jpg, https://a/2.jpg", ["https://a/1.jpg", "https://a/2.jpg"]),
        ("https://a/x,y.jpg", ["https://a/x,y.jpg"]),  # a comma inside one URL does not split it
        ("", []),
    ],
)
def test_split_urls(text: str, expected: list[str]) -> None:
    assert values.split_urls(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-03-01", date(2025, 3, 1)), ("2025-03-01T00:00+0100", date(2025, 3, 1)), ("01-03-2025", date(2025, 3, 1)),
     ("tomorrow", None), ("2025-13-01", None)],
)  # fmt: skip
def test_parse_iso_date(text: str, expected: date | None) -> None:
    assert values.parse_iso_date(text) == expected
