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

from feeds.model import Element, Product
from feeds.numbers import parse_number
from feeds.paths import ElementPath, parse_path
from feeds.transforms.groups import GroupAggregates
from feeds.transforms.query.ast import And, Compare, Literal, Node, Sorted
from feeds.transforms.query.evaluate import Predicate, compile_node
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
        node = parse_query(text)
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


@dataclass(frozen=True, eq=False)
class PathFilter:
    """A compiled `{ MQL }` filter of an element path (see feeds.paths.NodeFilter)."""

    text: str
    predicate: Predicate
    creates: tuple[tuple[ElementPath, str], ...] | None

    def matches(self, node: Element, position: int) -> bool:
        """Does this candidate node (at this 1-based position among its namesakes) match?"""
        return self.predicate(node, position)


def compile_filter(text: str) -> PathFilter:
    """Compile the inside of `{ ... }`; `creates` is set when the filter is `=` conditions joined by AND."""
    node = parse_query(text)
    return PathFilter(text, _key_match(node) or compile_node(node, text), _creates(node))


def _key_match(node: Node) -> Predicate | None:
    """The common keyed-group filter `NAME = "value"` as one tight loop (the general path is 3x slower)."""
    if not (isinstance(node, Compare) and node.op == "=" and isinstance(node.value, Literal)):
        return None
    path = parse_path(node.path)
    if path.attr is not None or path.pseudo is not None or len(path.steps) != 1 or path.steps[0].filter:
        return None
    name, wanted = path.steps[0].name, node.value.text.strip().casefold()

    def matches(element: Element, position: int) -> bool:
        found = False
        for child in element.children:
            if child.name == name:
                found = True
                if child.text.strip().casefold() == wanted:
                    return True
        return not found and wanted == ""  # a missing element reads as one empty value

    return matches


def _creates(node: Node) -> tuple[tuple[ElementPath, str], ...] | None:
    parts = node.parts if isinstance(node, And) else (node,)
    pairs = []
    for part in parts:
        if not (isinstance(part, Compare) and part.op == "=" and isinstance(part.value, Literal)):
            return None
        path = parse_path(part.path)
        if path.pseudo is not None:
            return None
        pairs.append((path, part.value.text))
    return tuple(pairs)


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


__all__ = ["PathFilter", "Query", "compile_filter", "count_selected", "parse_query"]
