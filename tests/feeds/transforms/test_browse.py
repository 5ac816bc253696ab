"""Browsing a catalogue: pages of products before and after the rules, and saved-query counts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feeds.model import Product
from feeds.transforms import Query, RuleSet
from feeds.transforms.browse import count_queries, product_page
from tests.feeds.transforms.factory import item

RULES = RuleSet.from_spec([
    {"type": "rewriting", "element": "NAME", "value": "%BRAND% %NAME%"},
    {"type": "hiding", "query": "STOCK = 0"},
])


def catalogue() -> list[list[Product]]:
    """Ten products in three chunks: every third out of stock, brands alternating."""
    products = [
        item(ITEM_ID=f"P{n}", NAME=f"Kolo {n}", BRAND="Acme" if n % 2 else "Other", STOCK="0" if n % 3 == 0 else "5")
        for n in range(1, 11)
    ]
    return [products[:4], products[4:8], products[8:]]


class TestProductPage:
    def test_pages_follow_feed_order_across_chunks(self) -> None:
        pages = [product_page(catalogue, RULES, query=None, offset=offset, limit=3) for offset in (0, 3, 6, 9)]
        assert [[row.product_id for row in page.rows] for page in pages] == [
            ["P1", "P2", "P3"], ["P4", "P5", "P6"], ["P7", "P8", "P9"], ["P10"]
        ]
        assert {(page.matched, page.products) for page in pages} == {(10, 10)}
        assert [row.position for row in pages[1].rows] == [3, 4, 5]

    def test_input_and_output_side_by_side_and_hidden_products_marked(self) -> None:
        rows = product_page(catalogue, RULES, query=None, offset=0, limit=4).rows
        assert [(r.before["NAME"], r.after["NAME"], r.hidden) for r in rows] == [
            (("Kolo 1",), ("Acme Kolo 1",), False),
            (("Kolo 2",), ("Other Kolo 2",), False),
            (("Kolo 3",), ("Acme Kolo 3",), True),
            (("Kolo 4",), ("Other Kolo 4",), False),
        ]

    def test_a_query_filters_on_input_values_and_counts_all_matches(self) -> None:
        page = product_page(catalogue, RULES, query=Query.parse('BRAND = "Acme"'), offset=2, limit=2)
        assert [row.product_id for row in page.rows] == ["P5", "P7"]
        assert (page.matched, page.products) == (5, 10)

    def test_the_feed_is_left_as_it_was(self) -> None:
        chunks = catalogue()
        product_page(lambda: chunks, RULES, query=None, offset=0, limit=10)
        assert [p.get("NAME") for chunk in chunks for p in chunk] == [f"Kolo {n}" for n in range(1, 11)]

    def test_a_query_that_fails_on_a_product_counts_as_an_error_not_a_match(self) -> None:
        # a catastrophic pattern runs out of its time budget on A's long value; B's short one matches
        chunks = [[item(ITEM_ID="A", NAME="a" * 30 + "!"), item(ITEM_ID="B", NAME="aaa")]]
        page = product_page(lambda: chunks, None, query=Query.parse('NAME ~ "(a|aa)+$"'), offset=0, limit=10)
        assert [row.product_id for row in page.rows] == ["B"]
        assert (page.errors, page.matched, page.products) == (1, 1, 2)


class TestSortedPages:
    def test_pages_follow_the_querys_order_across_chunks(self) -> None:
        query = Query.parse("SORT BY NAME DESC AS NATURAL")
        pages = [product_page(catalogue, RULES, query=query, offset=offset, limit=3) for offset in (0, 3, 6, 9)]
        assert [[row.product_id for row in page.rows] for page in pages] == [
            ["P10", "P9", "P8"], ["P7", "P6", "P5"], ["P4", "P3", "P2"], ["P1"]
        ]
        assert {(page.matched, page.products) for page in pages} == {(10, 10)}
        first = pages[0].rows
        assert [(row.position, row.after["NAME"], row.hidden) for row in first] == [
            (9, ("Other Kolo 10",), False), (8, ("Acme Kolo 9",), True), (7, ("Other Kolo 8",), False)
        ]

    @pytest.mark.parametrize(("order", "expected"), [
        ("DESC", ["P1", "P5", "P7", "P3", "P9"]),  # in stock first; equal keys stay in feed order
        ("ASC", ["P3", "P9", "P1", "P5", "P7"]),
    ])
    def test_products_with_equal_keys_keep_feed_order(self, order: str, expected: list[str]) -> None:
        query = Query.parse(f'BRAND = "Acme" SORT BY STOCK {order}')
        pages = [product_page(catalogue, None, query=query, offset=offset, limit=2) for offset in (0, 2, 4)]
        assert [row.product_id for page in pages for row in page.rows] == expected
        assert {(page.matched, page.products) for page in pages} == {(5, 10)}

    def test_the_second_read_stops_after_the_pages_last_product(self) -> None:
        read: list[int] = []

        def opened() -> Iterator[list[Product]]:
            for n, chunk in enumerate(catalogue()):
                read.append(n)
                yield chunk

        page = product_page(opened, None, query=Query.parse("SORT BY NAME AS NATURAL"), offset=0, limit=2)
        assert [row.product_id for row in page.rows] == ["P1", "P2"]
        assert read == [0, 1, 2, 0]  # every chunk for the keys, then only the first for P1 and P2


class TestCountQueries:
    def test_each_saved_query_counts_its_products(self) -> None:
        queries = {"acme": Query.parse('BRAND = "Acme"'), "sold out": Query.parse("STOCK = 0"),
                   "none": Query.parse('BRAND = "Nobody"')}
        assert count_queries(catalogue(), queries) == (10, {"acme": 5, "sold out": 3, "none": 0})
