"""The expression language: values, types, errors with positions, and the sandbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from feeds.templates import ExpressionError, compile_expression
from feeds.templates.errors import ValueFailure
from feeds.templates.expr.functions import MAX_VALUE_CHARS
from tests.feeds.templates.helpers import TODAY, product

SHIRT = product(
    ("ITEM_ID", "A-1"),
    ("PRODUCTNAME", "Triko <b>Žluté</b>"),
    ("PRICE_VAT", "1 299,90"),
    ("EMPTY", ""),
    ("IMGURL_ALTERNATIVE", "a.jpg"),
    ("IMGURL_ALTERNATIVE", "b.jpg"),
    ("IMGURL_ALTERNATIVE", "a.jpg"),
    ("g:price", "10.00 CZK"),
    ("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "žlutá")]),
    ("PARAM", [("PARAM_NAME", "Velikost"), ("VAL", "XL")]),
    ("CATEGORYTEXT", "Heureka.cz | Oblečení | Trička"),
    ("DESCRIPTION", "<p>Měkké</p><p>a pohodlné &amp; levné</p>"),
)


def value(text: str) -> object:
    return compile_expression(text, today=TODAY).evaluate(SHIRT)


class TestValues:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("ITEM_ID", ["A-1"]),  # a bare element is every value: a list
            ("IMGURL_ALTERNATIVE", ["a.jpg", "b.jpg", "a.jpg"]),
            ("unique(IMGURL_ALTERNATIVE)", ["a.jpg", "b.jpg"]),
            ("take(IMGURL_ALTERNATIVE, 1)", ["a.jpg"]),
            ("join(IMGURL_ALTERNATIVE)", "a.jpg,b.jpg,a.jpg"),
            ("g:price", ["10.00 CZK"]),  # prefixed names need no brackets
            ("[PARAM|Barva]", ["žlutá"]),  # Mergado 1 shorthand through the path reader
            ('[PARAM { PARAM_NAME = "Velikost" } | VAL]', ["XL"]),
            ("[MISSING]", []),
            ('upper([PARAM|Barva]) & "/" & ITEM_ID', "ŽLUTÁ/A-1"),
            ('price(PRICE_VAT, "czk")', "1299.90 CZK"),
            ("PRICE_VAT * 2 - 0.80", "2599.00"),
            ("round(PRICE_VAT / 3, 2)", "433.30"),
            ("format_number(PRICE_VAT, 1, \",\")", "1299,9"),
            ("EMPTY + 1", ""),  # arithmetic on nothing gives nothing
            ('if(PRICE_VAT > 1000, "drahé", "levné")', "drahé"),
            ('if(EMPTY, "yes", "no")', "no"),
            ('PRICE_VAT = "1299.9"', "true"),  # equal as numbers
            ('ITEM_ID = "a-1"', "true"),  # text ignoring case, as MQL
            ('contains(PRODUCTNAME, "žluté") and not starts_with(ITEM_ID, "B")', "true"),
            ("category(CATEGORYTEXT)", "Oblečení > Trička"),
            ("strip_html(DESCRIPTION)", "Měkké\na pohodlné & levné"),
            ("truncate(\"jedna dva tři\", 9)", "jedna dva"),
            ('regex_replace(ITEM_ID, "(\\\\w)-(\\\\d)", "\\\\2\\\\1")', "1A"),
            ('matches(ITEM_ID, "^A-\\\\d$")', "true"),
            ('coalesce(EMPTY, [MISSING], "fallback")', "fallback"),
            ("count(IMGURL_ALTERNATIVE)", "3"),
            ("length(ITEM_ID)", "3"),
            ('split("a, b,,c", ",")', ["a", "b", "c"]),
            ("today()", "2026-12-01"),
            ("add_days(today(), 30)", "2026-12-31"),
            ('days_between(today(), "2027-01-01")', "31"),
            ("-PRICE_VAT", "-1299.90"),
            ("1" + "+1" * 999, "1000"),  # a long chain is one node: no recursion
            ("'it\\'s'", "it's"),
        ],
    )
    def test_value(self, text: str, expected: object) -> None:
        assert value(text) == expected

    def test_when_type_is_a_bool(self) -> None:
        assert compile_expression("EMPTY", "bool").evaluate(SHIRT) is False
        assert compile_expression("ITEM_ID", "bool").evaluate(SHIRT) is True

    def test_number_type(self) -> None:
        assert compile_expression("PRICE_VAT", "number").evaluate(SHIRT) == Decimal("1299.90")


class TestPerProductFailures:
    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("PRODUCTNAME * 2", "not a number"),
            ("PRICE_VAT / 0", "division by zero"),
            ('add_days("yesterday", 1)', "not a date"),
            ('split(ITEM_ID, "")', "non-empty separator"),
            ("truncate(ITEM_ID, -1)", "whole number"),
        ],
    )
    def test_failure_is_a_value_failure(self, text: str, reason: str) -> None:
        with pytest.raises(ValueFailure, match=reason):
            value(text)

    def test_huge_number_refused(self) -> None:
        with pytest.raises(ValueFailure, match="too large"):
            value("PRICE_VAT" + " * PRICE_VAT" * 40)


class TestSyntaxErrors:
    @pytest.mark.parametrize(
        ("text", "position", "reason"),
        [
            ("upper(", 7, "expected a value"),
            ("prise(PRICE_VAT)", 1, "unknown function 'prise'"),
            ("upper(ITEM_ID, 2)", 1, "upper() takes 1 argument, not 2"),
            ("join()", 1, "join() takes 1 to 2 arguments, not 0"),
            ("1 = 2 = 3", 7, "comparisons do not chain"),
            ("'open", 1, "no closing '"),
            ("[PARAM { PARAM_NAME = }]", 1, "invalid element path"),
            ('matches(ITEM_ID, ITEM_ID)', 18, "must be a quoted text"),
            ('matches(ITEM_ID, "(")', 18, "invalid regular expression"),
            ('"abc" * 2', 1, "not a number"),  # no string repetition
            ("ITEM_ID PRODUCTNAME", 9, "expected an operator or the end"),
        ],
    )
    def test_error_names_position(self, text: str, position: int, reason: str) -> None:
        with pytest.raises(ExpressionError) as caught:
            compile_expression(text)
        assert caught.value.position == position
        assert reason in caught.value.reason


class TestSandbox:
    """Jinja-style escapes and resource attacks: each refused with a clear error, never run."""

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ("__class__", "not a name of this language"),
            ("''.__class__.__mro__", "attribute access is not part of the template language"),
            ("{{ cycler.__init__.__globals__ }}", "without {{ }}"),
            ("ITEM_ID.__class__", "attribute access"),
            ("range(10**9)", "expected a value"),  # no ** and no range()
            ("range(10)", "unknown function 'range'"),
            ("__import__('os')", "unknown function '__import__'"),
            ("open('/etc/passwd')", "unknown function 'open'"),
            ("lipsum()", "unknown function 'lipsum'"),
            ('"a" * 1000000000', "not a number"),  # no string multiplication
            ("ITEM_ID[0]", "expected an operator"),  # no indexing
            ("(" * 1000 + "1" + ")" * 1000, "nest at most 32 deep"),
            ("trim(" * 200 + "ITEM_ID" + ")" * 200, "nest at most 32 deep"),
            ("-" * 1000 + "1", "nest at most 32 deep"),
            ("not " * 500 + "true", "nest at most 32 deep"),
            ("upper(" * 1000 + "x" + ")" * 1000, "at most 4000 characters"),
        ],
    )
    def test_refused(self, text: str, reason: str) -> None:
        with pytest.raises(ExpressionError, match=reason.replace("(", r"\(").replace("*", r"\*")):
            compile_expression(text)

    def test_bracketed_dunder_is_just_an_element_name(self) -> None:
        assert value("[__class__]") == []

    @pytest.mark.parametrize(
        "text",
        [
            "ITEM_ID" + " & PRODUCTNAME & DESCRIPTION" * 100,
            "replace(BIG, \"a\", BIG)",
            "join(split(BIG, \"a\"), BIG)",
            "upper(BIG & BIG)",
            'regex_replace(BIG, "(a)", "\\\\1\\\\1\\\\1")',
        ],
    )
    def test_values_cannot_grow_past_the_cap(self, text: str) -> None:
        big = product(("BIG", "ab" * (MAX_VALUE_CHARS // 4 + 1)), ("ITEM_ID", "x"),
                      ("PRODUCTNAME", "y" * 5000), ("DESCRIPTION", "z" * 5000))
        with pytest.raises(ValueFailure, match="longer than|out of time"):  # a regex may first run out of time
            compile_expression(text).evaluate(big)

    def test_catastrophic_regex_runs_out_of_time(self) -> None:
        slow = product(("TEXT", "a" * 40 + "!"))
        with pytest.raises(ValueFailure, match="took longer than"):
            compile_expression('matches(TEXT, "(a|aa)+$")').evaluate(slow)
