"""MQL: parsing (with positioned errors) and evaluation on products."""

from __future__ import annotations

import pytest

from feeds.errors import QuerySyntaxError
from feeds.transforms.failure import ProductFailure
from feeds.transforms.query import Query, count_selected
from feeds.transforms.query.ast import And, Compare, Literal, Not, Or
from tests.feeds.transforms.factory import item

PRODUCT = item(
    {"id": "7"},
    ITEM_ID="A1",
    PRODUCTNAME="  Žluťoučký kůň  ",
    PRICE_VAT="433.00 CZK",
    PRICE_RETAIL="1 299,90",
    EAN="4006381333931",
    CATEGORY="Doplňky",
    IMGURL_ALTERNATIVE=["https://x/1.jpg", "https://x/2.png"],
    PARAM=[{"PARAM_NAME": "Barva", "VAL": "červená"}],
    EMPTY_ONE="",
    **{"g:price": "15.00 USD"},
)


class TestParseQuery:
    def test_and_binds_tighter_than_or(self):
        query = Query.parse("A = 1 OR B = 2 AND C = 3")
        assert query.node == Or(
            (
                Compare("A", "=", Literal("1")),
                And((Compare("B", "=", Literal("2")), Compare("C", "=", Literal("3")))),
            )
        )

    def test_not_with_parentheses(self):
        query = Query.parse('NOT ( PRODUCTNAME CONTAINS "boty" OR CATEGORY = "Doplňky" )')
        assert isinstance(query.node, Not) and isinstance(query.node.part, Or)

    @pytest.mark.parametrize(
        ("text", "position", "expected"),
        [
            ("PRICE_VAT >", 12, 'a value: "text", a number or a word'),
            ("(A = 1", 7, "')'"),
            ("A = 1 B = 2", 7, "AND, OR, SORT BY, ')' or the end of the query"),
            ("A ! 1", 3, "an element, a value or an operator"),
            ("[PRICE_VAT", 11, "']' closing the '[' at position 1"),
            ('A = "open', 10, 'a closing " for the string at 5'),
            ("A < cheap", 5, "a number after < > <= >="),
            ("A IS FULL", 6, "EMPTY"),
            ("A NOT = 1", 7, "CONTAINS or IN after NOT"),
            ("A IN (1, 2", 11, "',' or ')' in the list"),
            ("SELECT * FROM x", 8, "an element, a value or an operator"),  # not SQL
            ("SELECT x", 8, "an operator (=, !=, <, >, <=, >=, ~, !~, CONTAINS, IN, IS EMPTY, EXISTS)"),
        ],
    )
    def test_syntax_error_names_position_and_expectation(self, text, position, expected):
        with pytest.raises(QuerySyntaxError) as caught:
            Query.parse(text)
        assert (caught.value.position, caught.value.expected) == (position, expected)

    def test_nesting_is_bounded_with_a_syntax_error_not_a_recursion_error(self):
        deep = "(" * 100 + "[PRICE_VAT] > 1" + ")" * 100
        assert Query.parse(deep).matches(item(PRICE_VAT="5"))
        for text, position in (("(" + deep + ")", 101), ("NOT " * 1000 + "[PRICE_VAT] > 1", 401)):
            with pytest.raises(QuerySyntaxError) as caught:
                Query.parse(text)
            assert caught.value.position == position
            assert caught.value.expected == "a condition: NOT and parentheses nest at most 100 deep"

    def test_refused_regex_is_a_syntax_error_when_saved(self):
        with pytest.raises(QuerySyntaxError, match="valid regular expression"):
            Query.parse('PRODUCTNAME ~ "(unclosed"')


class TestSortBy:
    PRODUCTS = [item(ITEM_ID=i, SIZE=s) for i, s in (("a", "size 10"), ("b", "size 9"), ("c", "Size 100"))]

    def test_orders_without_changing_the_selection(self) -> None:
        query = Query.parse('SIZE CONTAINS size SORT BY [SIZE] DESC AS NATURAL')
        assert query.order is not None and (query.order.descending, query.order.natural) == (True, True)
        selected = [p for p in self.PRODUCTS if query.matches(p)]
        assert selected == self.PRODUCTS  # SORT BY selects nothing away
        ordered = sorted(selected, key=query.sort_key, reverse=query.order.descending)
        assert [p.get("ITEM_ID") for p in ordered] == ["c", "a", "b"]  # 100, 10, 9

    def test_plain_order_is_by_text_and_sort_alone_selects_everything(self) -> None:
        query = Query.parse("SORT BY SIZE")
        assert all(query.matches(p) for p in self.PRODUCTS)
        assert [p.get("ITEM_ID") for p in sorted(self.PRODUCTS, key=query.sort_key)] == ["a", "c", "b"]

    @pytest.mark.parametrize(("text", "first", "expected"), [
        ("SORT BY RANK", None, ["b", "d", "a", "c"]),
        ("SORT BY RANK DESC", None, ["a", "c", "b", "d"]),  # equal keys stay in the order given, also descending
        ("SORT BY RANK", 3, ["b", "d", "a"]),
        ("SORT BY RANK DESC", 3, ["a", "c", "b"]),
        ("SORT BY RANK DESC", 0, []),
    ])
    def test_in_order_keeps_equal_keys_in_the_order_given_and_can_stop_early(
        self, text: str, first: int | None, expected: list[str]
    ) -> None:
        query = Query.parse(text)
        products = [item(ITEM_ID=i, RANK=r) for i, r in (("a", "2"), ("b", "1"), ("c", "2"), ("d", "1"))]
        keyed = ((query.sort_key(p), p.get("ITEM_ID")) for p in products)
        assert query.in_order(keyed, first=first) == expected

    @pytest.mark.parametrize(("text", "expected"), [
        ("ITEM_ID = a SORT SIZE", "expected BY after SORT"),
        ("ITEM_ID = a SORT BY SIZE AS", "expected NATURAL after AS"),
        ("ITEM_ID = a SORT BY SIZE ASC b", "expected AND, OR, SORT BY"),
    ])
    def test_a_broken_sort_names_what_was_expected(self, text: str, expected: str) -> None:
        with pytest.raises(QuerySyntaxError, match=expected):
            Query.parse(text)


class TestBetweenTwoElements:
    """`CONTAINS` and `~` with another element of the same product on the right (its first value)."""

    PRODUCTS = [
        item(ITEM_ID="1", PRODUCTNAME="Arche kolo 26", MANUFACTURER="ARCHE", PATTERN=r"\d+$"),
        item(ITEM_ID="2", PRODUCTNAME="Kolo", MANUFACTURER="Acme", PATTERN="^Acme"),
        item(ITEM_ID="3", PRODUCTNAME="Kolo", MANUFACTURER="", PATTERN=""),  # empty: contains nothing
    ]

    @pytest.mark.parametrize(("text", "expected"), [
        ("[PRODUCTNAME] CONTAINS [MANUFACTURER]", ["1"]),  # case-insensitive, as with text
        ("[PRODUCTNAME] NOT CONTAINS [MANUFACTURER]", ["2", "3"]),
        ("[PRODUCTNAME] ~ [PATTERN]", ["1"]),
        ("[PRODUCTNAME] !~ [PATTERN]", ["2", "3"]),
    ])
    def test_selects(self, text: str, expected: list[str]) -> None:
        query = Query.parse(text)
        assert [p.get("ITEM_ID") for p in self.PRODUCTS if query.matches(p)] == expected

    def test_a_bad_pattern_in_one_product_is_that_products_error(self) -> None:
        query = Query.parse("[PRODUCTNAME] ~ [PATTERN]")
        with pytest.raises(ProductFailure, match="invalid regular expression"):
            query.matches(item(PRODUCTNAME="x", PATTERN="(unclosed"))
        assert query.matches(item(PRODUCTNAME="x", PATTERN="^x$"))


class TestEvaluateQuery:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ('PRODUCTNAME = "žluťoučký KŮŇ"', True),  # trimmed, case-insensitive
            ('PRODUCTNAME != "žluťoučký kůň"', False),
            ("[PRICE_VAT] >= 433", True),  # "433.00 CZK" is numeric
            ("PRICE_VAT < 433", False),
            ("PRICE_RETAIL > 1299.8", True),  # "1 299,90"
            ("[g:price] <= 15", True),
            ("[PRICE_VAT] < [PRICE_RETAIL]", True),  # one element against another
            ("[PRICE_RETAIL] < [PRICE_VAT]", False),
            ("[ITEM_ID] = [ITEM_ID]", True),
            ("PRODUCTNAME CONTAINS KŮŇ", True),
            ('PRODUCTNAME NOT CONTAINS "kůň"', False),
            ('PRODUCTNAME ~ "^\\s*\\w+ \\w+\\s*$"', True),  # Unicode \w: two Czech words
            ('PRODUCTNAME ~ "^kůň"', False),  # unanchored unless ^...$, case-sensitive
            ('PRODUCTNAME ~ "(?i)ŽLUŤ"', True),
            ('PRODUCTNAME !~ "kůň"', False),
            ("ITEM_ID IN (b2, a1, c3)", True),
            ('ITEM_ID IN ("b2"; "a1")', True),  # semicolons work too
            ("ITEM_ID NOT IN (b2, c3)", True),
            ('EAN = ""', False),
            ('MISSING = ""', True),  # a missing element reads as empty
            ('MISSING != ""', False),
            ("EMPTY_ONE IS EMPTY", True),
            ("EMPTY_ONE EXISTS", True),  # present, though empty
            ("MISSING EXISTS", False),
            ("PRODUCTNAME IS NOT EMPTY", True),
            ('IMGURL_ALTERNATIVE ~ "png$"', True),  # any value of a multi-valued element
            ('IMGURL_ALTERNATIVE != "https://x/2.png"', False),  # negation: no value equals it
            ('[PARAM { PARAM_NAME = "Barva" } | VAL] = "Červená"', True),
            ("[PARAM|Barva] = červená", True),
            ("[@id] = 7", True),
            ("GTIN_VALID([EAN])", True),
            ("GTIN_VALID(ITEM_ID)", False),
            ("", True),  # the empty query selects everything
            ("CATEGORY = Doplňky AND (PRICE_VAT > 1000 OR ITEM_ID = A1)", True),
            ("not (CATEGORY = doplňky)", False),  # keywords in any case
            ("category = doplňky", False),  # element names are case-sensitive, as in Mergado 2
        ],
    )
    def test_condition(self, text, expected):
        assert Query.parse(text).matches(PRODUCT) is expected

    def test_select_gives_a_mask_over_the_chunk(self):
        chunk = [item(PRICE_VAT="10"), item(PRICE_VAT="200"), item(PRICE_VAT="abc")]
        assert Query.parse("PRICE_VAT > 100").select(chunk) == [False, True, False]

    def test_catastrophic_regex_fails_the_product_instead_of_hanging(self):
        query = Query.parse('NAME ~ "(a|aa)+$"')  # exponential backtracking without a time budget
        with pytest.raises(ProductFailure, match="took longer than"):
            query.matches(item(NAME="a" * 40 + "!"))

    def test_nested_quantifier_pattern_finishes(self):
        assert Query.parse('NAME ~ "(a+)+$"').matches(item(NAME="aaaaaaaaaaaaaaaaaaaaaaaaaaaa!")) is False

    def test_saved_queries_report_how_many_products_they_select(self):
        queries = {"cheap": Query.parse("PRICE_VAT < 100"), "all": Query.parse("")}
        chunks = [[item(PRICE_VAT="10"), item(PRICE_VAT="200")], [item(PRICE_VAT="50")]]
        assert count_selected(queries, chunks) == {"cheap": 2, "all": 3}
