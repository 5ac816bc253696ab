"""Item-group aggregates: GROUP_MIN, GROUP_MAX, GROUP_SUM over an element and GROUP_COUNT, per item group.

Rules read them as values (`%GROUP_MIN(PRICE_VAT)%`, `%GROUP_COUNT%`) and in queries
(`[PRICE_VAT] = GROUP_MIN([PRICE_VAT])`, `GROUP_COUNT() > 1`).

Why a separate pass. Rules run chunk by chunk on a streamed feed, but an aggregate needs every
member of its group, and variants are not always adjacent. Holding chunks back until a group is
complete would need the whole feed in memory when groups interleave. Instead the rule set makes one
cheap pass over the feed before the real one (`RuleSet.prepare_groups`, `prepare_groups(rules,
source)` below): it parses the feed again, runs the rules that come before the first rule using an
aggregate, and keeps, per group key, one accumulator per aggregate the rules ask for. Memory is
O(number of groups x aggregates used), never O(products); the price is one more parse of the feed
(plus the preceding rules), paid only by rule sets that use aggregates.

What an aggregate sees: the values as the FIRST rule using an aggregate sees them, i.e. after every
rule above it (so a `product_grouping` or a price `calc` above it counts), over every product not
hidden at that point, whatever the rule's own query selects. It is computed once per run: rules
between the first aggregate rule and a later one do not move it. Computing it again for each
aggregate rule would cost one more pass per rule, and a saved query used by several rules would
need several values.

Numbers use the tolerant parser (`1 299,90 Kč`), in Decimal; values holding no number are ignored
by min, max and sum (a group without any number gives an empty value), and GROUP_COUNT counts
products. A product without a group key is a group of one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol, runtime_checkable

from feeds.decimal_text import parse_number
from feeds.errors import EmptyFeedError, QuerySyntaxError
from feeds.model import Element, Product
from feeds.paths import ElementPath
from feeds.transforms.failure import ProductFailure

COUNT = "GROUP_COUNT"
AGGREGATES: dict[str, Callable[[Decimal, Decimal], Decimal] | None] = {
    "GROUP_MIN": min,
    "GROUP_MAX": max,
    "GROUP_SUM": lambda total, number: total + number,
    COUNT: None,
}
DEFAULT_GROUP_KEYS = ("ITEMGROUP_ID", "g:item_group_id", "item_group_id")
_CALL = re.compile(r"\s*(GROUP_\w*)\s*(?:\((.*)\))?\s*", re.IGNORECASE | re.DOTALL)

Row = list[Decimal | int | None]  # [product count, one accumulator per site]


class GroupsNotPrepared(RuntimeError):
    """A rule reading a group aggregate ran before the group pass (a caller forgot `prepare_groups`)."""


@dataclass(frozen=True)
class Site:
    """One aggregate some rule reads over an element (GROUP_COUNT needs none: it is the row's count)."""

    function: str
    path: ElementPath


def parse_call(text: str) -> tuple[str, str] | None:
    """`GROUP_MIN(PRICE_VAT)` -> ("GROUP_MIN", "PRICE_VAT"); None when `text` is not a group function.

    A bare `GROUP_...` name other than GROUP_COUNT stays an element name. ValueError for an unknown
    function or a malformed call, so the rule is refused when it is saved.
    """
    match = _CALL.fullmatch(text)
    if match is None:
        return None
    function, argument = match.group(1).upper(), match.group(2)
    if argument is None and function != COUNT:
        if function in AGGREGATES:
            raise ValueError(f"{function} needs an element in brackets, e.g. {function}(PRICE_VAT)")
        return None
    return check_call(function, (argument or "").strip().removeprefix("[").removesuffix("]").strip())


def check_call(function: str, path: str) -> tuple[str, str]:
    """Refuse unknown functions, GROUP_COUNT with an element and the others without one."""
    if function not in AGGREGATES:
        raise ValueError(f"unknown group function {function}; known: {', '.join(AGGREGATES)}")
    if function == COUNT and path:
        raise ValueError("GROUP_COUNT takes no element: GROUP_COUNT() counts the products of the group")
    if function != COUNT and not path:
        raise ValueError(f"{function} needs an element, e.g. {function}(PRICE_VAT)")
    return function, path


def format_aggregate(value: Decimal | None) -> str:
    """How an aggregate reads as text: plain digits with a `.` decimal point, "" when there was no number."""
    return "" if value is None else f"{value:f}"


class GroupAggregates:
    """The aggregates one rule set reads, and after the group pass, their value for every group."""

    def __init__(self, key: ElementPath | None = None, *, parse_path: Callable[[str], ElementPath]) -> None:
        self.key_path = key
        self._parse_path = parse_path  # feeds.transforms.query.parse_path: passed in, as MQL reads groups
        self.sites: list[Site] = []
        self.requests = 0  # aggregates compiled so far: the engine compares it to see which rules use them
        self.ready = False
        self._index: dict[tuple[str, str], int] = {}
        self._table: dict[str, Row] = {}

    def number(self, function: str, path: str) -> Callable[[Element], Decimal | None]:
        """A reader of one aggregate for a product (registering it for the group pass)."""
        function, path = check_call(function.upper(), path.strip())
        slot = self._site(function, path)
        self.requests += 1

        def read(product: Element) -> Decimal | None:
            value = self._row(product)[slot]
            return Decimal(value) if isinstance(value, int) else value

        return read

    def text(self, function: str, path: str) -> Callable[[Element], str]:
        """The same reader, giving text for values and formulas."""
        read = self.number(function, path)
        return lambda product: format_aggregate(read(product))

    def note_use(self) -> None:
        """Count a use that compiled nothing new (a saved query with aggregates, referenced by name)."""
        self.requests += 1

    def key(self, product: Element) -> str:
        """The product's group key: `group_by`, else the first of DEFAULT_GROUP_KEYS it carries."""
        if self.key_path is not None:
            return self.key_path.first(product).strip()
        for name in DEFAULT_GROUP_KEYS:
            value = product.get(name).strip()
            if value:
                return value
        return ""

    def collect(self, chunks: Iterable[list[Product]]) -> None:
        """The group pass: accumulate every product of every chunk, then mark the aggregates ready."""
        self._table, self.ready = {}, False
        for chunk in chunks:
            for product in chunk:
                key = self.key(product)
                if key:
                    self._add(self._table.setdefault(key, self._empty_row()), product)
        self.ready = True

    @property
    def groups(self) -> int:
        """How many groups the pass saw (products without a key are not stored)."""
        return len(self._table)

    def _site(self, function: str, path: str) -> int:
        if function == COUNT:
            return 0
        slot = self._index.get((function, path))
        if slot is None:
            self.sites.append(Site(function, self._parse(path)))
            slot = self._index[(function, path)] = len(self.sites)
        return slot

    def _parse(self, path: str) -> ElementPath:
        try:
            return self._parse_path(path)
        except QuerySyntaxError as exc:
            raise ValueError(f"group function over {path!r}: {exc}") from exc

    def _row(self, product: Element) -> Row:
        if not self.ready:
            raise GroupsNotPrepared("a rule reads a group aggregate: call prepare_groups() before apply()")
        key = self.key(product)
        if not key:
            row = self._empty_row()
            self._add(row, product)
            return row
        found = self._table.get(key)
        if found is None:  # a rule between the group pass and this one wrote the key
            raise ProductFailure(f"item group {key!r} was not in the feed when its aggregates were computed")
        return found

    def _empty_row(self) -> Row:
        return [0] + [None] * len(self.sites)

    def _add(self, row: Row, product: Element) -> None:
        row[0] = int(row[0] or 0) + 1
        for slot, site in enumerate(self.sites, 1):
            number = parse_number(site.path.first(product))
            if number is not None:
                current = row[slot]
                combine = AGGREGATES[site.function]
                assert combine is not None
                row[slot] = number if current is None else combine(Decimal(current), number)


@runtime_checkable
class GroupedRules(Protocol):
    """What `prepare_groups` needs from a rule set (feeds.transforms.RuleSet)."""

    @property
    def uses_groups(self) -> bool: ...

    def prepare_groups(self, chunks: Iterable[list[Product]]) -> None: ...


def prepare_groups(rules: object, source: Path, source_format: str | None = None) -> None:
    """The pipeline's hook: run the group pass over `source` if `rules` reads group aggregates, else nothing."""
    if not (isinstance(rules, GroupedRules) and rules.uses_groups):
        return
    from feeds.parsers import open_feed  # imported here: transforms must not load the parsers for nothing

    try:
        rules.prepare_groups(open_feed(source, source_format).chunks())
    except EmptyFeedError:
        return  # no products, no groups: the main pass meets the same feed and decides what empty means
