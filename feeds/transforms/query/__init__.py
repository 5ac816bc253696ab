"""MQL, the query language: parse once into a syntax tree, compile once into a predicate, run per chunk.

`Query.parse(text)` for product selections; `compile_filter(text)` for the `{ ... }` filters of
element paths (where `@@VALUE` and `@@POSITION` also work).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from feeds.decimal_text import parse_number
from feeds.model import Element, Product
from feeds.transforms.groups import GroupAggregates
from feeds.transforms.query.ast import Node, Sorted
from feeds.transforms.query.evaluate import PathFilter, Predicate, compile_filter, compile_node, parse_path
from feeds.transforms.query.parser import parse_query

_DIGITS = re.compile(r"(\d+)")
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Query:
    """A parsed and compiled MQL query."""

    text: str
    node: Node
    predicate: Predicate
    uses_groups: bool = False  # reads item-group aggregates, so its rule set needs the group pass

    @classmethod
    def parse(cls, text: str, groups: GroupAggregates | None = None) -> Query:
        """Parse and compile; QuerySyntaxError names the position and what was expected.

        Group functions compile only with the rule set's `groups`; without them they are a syntax error.
        """
        node = parse_query(text, parse_path)
        before = groups.requests if groups is not None else 0
        predicate = compile_node(node, text, groups)
        return cls(text, node, predicate, groups is not None and groups.requests > before)

    @property
    def order(self) -> Sorted | None:
        """`SORT BY`, when the query gives one (listings use it; selection never does)."""
        return self.node if isinstance(self.node, Sorted) else None

    def sort_key(self, product: Element) -> tuple[Any, ...]:
        """The product's place in the query's order (call only when `order` is set): its first value of the
        element as text; AS NATURAL: a number as a number (`1 500,00` after `900`), and in other text each
        run of digits as a number (`size 9` before `size 10`), numbers first."""
        assert self.order is not None
        value = parse_path(self.order.path).first(product).strip().casefold()
        if not self.order.natural:
            return (value,)
        number = parse_number(value)
        if number is not None:
            return (0, number, ())
        return (1, 0, tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                            for part in _DIGITS.split(value) if part))

    def in_order(self, keyed: Iterable[tuple[tuple[Any, ...], T]], *, first: int | None = None) -> list[T]:
        """The values of (`sort_key`, value) pairs in the query's order, equal keys in the order given; with
        `first`, only that many from the front, and never more than that many held (a page of a big feed)."""
        assert self.order is not None
        descending = self.order.descending
        numbered = ((key, -n if descending else n, value) for n, (key, value) in enumerate(keyed))

        def rank(entry: tuple[tuple[Any, ...], int, T]) -> tuple[tuple[Any, ...], int]:
            return entry[0], entry[1]

        if first is None:
            chosen = sorted(numbered, key=rank, reverse=descending)
        else:
            chosen = (heapq.nlargest if descending else heapq.nsmallest)(first, numbered, key=rank)
        return [value for _, _, value in chosen]

    def matches(self, product: Element) -> bool:
        """Does this product satisfy the query? (A regex over its time budget raises ProductFailure.)"""
        return self.predicate(product, 0)

    def select(self, products: Iterable[Product]) -> list[bool]:
        """The selection mask over a chunk."""
        predicate = self.predicate
        return [predicate(product, 0) for product in products]


def count_selected(queries: dict[str, Query], chunks: Iterable[list[Product]]) -> dict[str, int]:
    """How many products each saved query selects (a regex over its time budget counts as not selected)."""
    from feeds.transforms.failure import ProductFailure

    counts = dict.fromkeys(queries, 0)
    for chunk in chunks:
        for name, query in queries.items():
            for product in chunk:
                try:
                    counts[name] += query.matches(product)
                except ProductFailure:
                    continue
    return counts


__all__ = ["PathFilter", "Query", "compile_filter", "count_selected", "parse_path", "parse_query"]
