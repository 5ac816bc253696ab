"""Syntax tree -> a predicate over one element, built once per query.

Semantics (documented for users in docs/rules.md):

* a missing element reads as one empty value, so `[EAN] = ""` holds when EAN is absent;
* values are trimmed and compared case-insensitively (`=`, `!=`, `CONTAINS`, `IN`);
* `< > <= >=` are numeric on both sides, tolerant of `433.00 CZK` and `1 299,90`; a value that
  holds no number never satisfies them;
* `~` is a regular-expression search (unanchored unless `^...$`, case-sensitive unless `(?i)`);
* on a multi-valued element a positive condition holds when ANY value satisfies it, and each
  negative operator is exactly the negation of its positive twin (`A != x` is `NOT (A = x)`,
  so it holds when NO value equals x);
* the right-hand side `[OTHER]` compares with the first value of another element;
* a group function (`GROUP_MIN([PRICE_VAT])`, `GROUP_COUNT()`) is a number, so a comparison with it
  is numeric, `=` included (`1 299,90 Kč` equals 1299.9); no number on either side never matches.
  It reads the rule set's GroupAggregates, which only a rule set has: a query compiled without one
  (an element path filter, `feedhub query`) refuses group functions.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from feeds.decimal_text import parse_number
from feeds.errors import QuerySyntaxError
from feeds.gtin import gtin_valid
from feeds.model import Element
from feeds.paths import ElementPath, parse_path_with
from feeds.transforms.failure import ProductFailure
from feeds.transforms.groups import GroupAggregates
from feeds.transforms.plain import plain_name
from feeds.transforms.query.ast import (
    Aggregate,
    And,
    Compare,
    Empty,
    Everything,
    Exists,
    FieldRef,
    Function,
    GroupCompare,
    In,
    Literal,
    Node,
    Not,
    Or,
    Sorted,
)
from feeds.transforms.query.parser import parse_query
from feeds.transforms.safe_regex import PatternError, SafePattern, compile_pattern

Predicate = Callable[[Element, int], bool]
Number = Callable[[Element], Decimal | None]
_NUMERIC: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_NEGATIVE = {"!=": "=", "!~": "~", "NOT CONTAINS": "CONTAINS"}


def _norm(text: str) -> str:
    return text.strip().casefold()


def _reader(path: ElementPath) -> Callable[[Element, int], list[str]]:
    def read(element: Element, position: int) -> list[str]:
        return path.values(element, position) or [""]

    return read


def compile_node(node: Node, text: str = "", groups: GroupAggregates | None = None) -> Predicate:
    """Build the predicate for a syntax tree (`text` is the query, for error messages; `groups` of the rule set)."""
    if isinstance(node, Everything):
        return lambda element, position: True
    if isinstance(node, Sorted):  # an order for listings: the selection is its part's
        return compile_node(node.part, text, groups)
    if isinstance(node, And):
        parts = [compile_node(part, text, groups) for part in node.parts]
        return lambda element, position: all(part(element, position) for part in parts)
    if isinstance(node, Or):
        parts = [compile_node(part, text, groups) for part in node.parts]
        return lambda element, position: any(part(element, position) for part in parts)
    if isinstance(node, Not):
        inner = compile_node(node.part, text, groups)
        return lambda element, position: not inner(element, position)
    if isinstance(node, GroupCompare) or (isinstance(node, Compare) and isinstance(node.value, Aggregate)):
        return _group_compare(node, text, groups)
    if isinstance(node, Compare):
        return _compare(node, text)
    return _simple(node)


def _simple(node: In | Empty | Exists | Function) -> Predicate:
    path = parse_path(node.path)
    read = _reader(path)
    if isinstance(node, In):
        wanted = frozenset(_norm(item) for item in node.items)
        if node.negated:
            return lambda element, position: not any(_norm(v) in wanted for v in read(element, position))
        return lambda element, position: any(_norm(v) in wanted for v in read(element, position))
    if isinstance(node, Empty):
        empty: Predicate = lambda element, position: all(not v.strip() for v in read(element, position))  # noqa: E731
        return (lambda element, position: not empty(element, position)) if node.negated else empty
    if isinstance(node, Exists):
        return lambda element, position: path.exists(element)
    return lambda element, position: any(gtin_valid(v) for v in read(element, position))


def _compare(node: Compare, text: str) -> Predicate:
    if node.op in _NEGATIVE:
        positive = _compare(Compare(node.path, _NEGATIVE[node.op], node.value), text)
        return lambda element, position: not positive(element, position)
    path = parse_path(node.path)
    read = _reader(path)
    assert not isinstance(node.value, Aggregate)  # compile_node sends those to _group_compare
    if isinstance(node.value, FieldRef):
        return _compare_fields(node.op, read, parse_path(node.value.path))
    literal = node.value.text
    name = plain_name(path)
    if name is not None:
        return _plain_compare(node.op, name, literal, text)
    if node.op in _NUMERIC:
        return _numeric(node.op, read, _number_literal(literal, text))
    if node.op == "~":
        return _regex(read, literal, text)
    wanted = _norm(literal)
    if node.op == "CONTAINS":
        return lambda element, position: any(wanted in _norm(v) for v in read(element, position))
    return lambda element, position: any(_norm(v) == wanted for v in read(element, position))


def _plain_compare(op: str, name: str, literal: str, text: str) -> Predicate:
    """`NAME op literal` on a plain path: the same answers as the general form, in one pass over the children.

    A missing element reads as one empty value: the answer then is the comparison with "".
    """
    if op in _NUMERIC:
        compare, right = _NUMERIC[op], _number_literal(literal, text)

        def numeric(element: Element, position: int) -> bool:
            for child in element.children:
                if child.name == name:
                    number = parse_number(child.text)
                    if number is not None and compare(number, right):
                        return True
            return False  # "" holds no number

        return numeric
    if op == "~":
        pattern = _pattern(literal, text)

        def search(element: Element, position: int) -> bool:
            found = False
            for child in element.children:
                if child.name == name:
                    if pattern.search(child.text) is not None:
                        return True
                    found = True
            return not found and pattern.search("") is not None

        return search
    wanted = _norm(literal)
    if op == "CONTAINS":
        if_missing = wanted in ""

        def contains(element: Element, position: int) -> bool:
            found = False
            for child in element.children:
                if child.name == name:
                    if wanted in child.text.strip().casefold():
                        return True
                    found = True
            return not found and if_missing

        return contains
    if_missing = wanted == ""

    def equals(element: Element, position: int) -> bool:
        found = False
        for child in element.children:
            if child.name == name:
                if child.text.strip().casefold() == wanted:
                    return True
                found = True
        return not found and if_missing

    return equals


def _number_literal(literal: str, text: str) -> Decimal:
    number = parse_number(literal)
    if number is None:
        position = max(text.find(literal), 0) + 1
        raise QuerySyntaxError(text, position=position, expected="a number after < > <= >=", found=literal)
    return number


def _numeric(op: str, read: Callable[[Element, int], list[str]], right: Decimal) -> Predicate:
    compare = _NUMERIC[op]

    def holds(element: Element, position: int) -> bool:
        for value in read(element, position):
            number = parse_number(value)
            if number is not None and compare(number, right):
                return True
        return False

    return holds


def _regex(read: Callable[[Element, int], list[str]], source: str, text: str) -> Predicate:
    pattern = _pattern(source, text)
    return lambda element, position: any(pattern.search(v) is not None for v in read(element, position))


def _pattern(source: str, text: str) -> SafePattern:
    try:
        return compile_pattern(source)
    except PatternError as exc:
        position = max(text.find(source), 0) + 1
        raise QuerySyntaxError(
            text, position=position, expected=f"a valid regular expression ({exc})", found=source
        ) from exc


def _compare_fields(op: str, read: Callable[[Element, int], list[str]], other: ElementPath) -> Predicate:
    if op in _NUMERIC:
        compare = _NUMERIC[op]

        def numeric(element: Element, position: int) -> bool:
            right = parse_number(other.first(element))
            if right is None:
                return False
            return any(
                (n := parse_number(v)) is not None and compare(n, right) for v in read(element, position)
            )

        return numeric
    if op == "~":  # the pattern is the other element's value, product by product

        def search(element: Element, position: int) -> bool:
            source = other.first(element)
            if not source:
                return False
            pattern = _product_pattern(source)
            return any(pattern.search(v) is not None for v in read(element, position))

        return search
    if op == "CONTAINS":  # an empty or missing other element contains nothing worth finding

        def contains(element: Element, position: int) -> bool:
            part = _norm(other.first(element))
            return bool(part) and any(part in _norm(v) for v in read(element, position))

        return contains

    def equal(element: Element, position: int) -> bool:
        right = _norm(other.first(element))
        return any(_norm(v) == right for v in read(element, position))

    return equal


@functools.lru_cache(maxsize=1024)
def _product_pattern(source: str) -> SafePattern:
    """A pattern read from a product's element (`~ [ELEMENT]`): refused as that product's error, not the query's."""
    try:
        return compile_pattern(source)
    except PatternError as exc:
        raise ProductFailure(str(exc)) from None


def _group_compare(node: Compare | GroupCompare, text: str, groups: GroupAggregates | None) -> Predicate:
    """A comparison with a group function on either side: numeric, any value of a left-hand element."""
    if node.op == "!=":
        positive = _group_compare(dataclasses.replace(node, op="="), text, groups)
        return lambda element, position: not positive(element, position)
    compare = _NUMERIC.get(node.op, operator.eq)
    right = _number_operand(node.value, text, groups)
    if isinstance(node, GroupCompare):
        left = _number_operand(node.left, text, groups)
        lefts: Callable[[Element, int], list[Decimal | None]] = lambda element, position: [left(element)]  # noqa: E731
    else:
        read = _reader(parse_path(node.path))
        lefts = lambda element, position: [parse_number(v) for v in read(element, position)]  # noqa: E731

    def holds(element: Element, position: int) -> bool:
        wanted = right(element)
        return wanted is not None and any(n is not None and compare(n, wanted) for n in lefts(element, position))

    return holds


def _number_operand(operand: Literal | FieldRef | Aggregate, text: str, groups: GroupAggregates | None) -> Number:
    if isinstance(operand, Literal):
        number = _number_literal(operand.text, text)
        return lambda element: number
    if isinstance(operand, FieldRef):
        other = parse_path(operand.path)
        return lambda element: parse_number(other.first(element))
    if groups is None:
        position = max(text.find(operand.name), 0) + 1
        raise QuerySyntaxError(
            text,
            position=position,
            expected="no group function here: only rule queries and values have item groups",
            found=operand.name,
        )
    return groups.number(operand.name, operand.path)


def parse_path(text: str) -> ElementPath:
    """An element path whose `{ MQL }` filters are compiled by `compile_filter` (cached: see parse_path_with)."""
    return parse_path_with(text, compile_filter)


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
    node = parse_query(text, parse_path)
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
