"""Browse a project's catalogue: each product's input and output values side by side, and query counts.

What the product grid and the saved-query list show. One pass over the feed, rules applied on copies of
the page's products only, so memory stays flat; a page keeps only the products it returns. A query's
`SORT BY` takes a second pass: the first keeps the sort keys of the page and the products before it
(never the products themselves), the second reads the page's products again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from feeds.model import Product, product_id
from feeds.transforms.failure import ProductFailure
from feeds.transforms.query import Query
from feeds.transforms.rules import RuleSet
from feeds.transforms.snapshot import Snapshot, snapshot


@dataclass(frozen=True)
class ProductRow:
    """One product as the feed has it and as the rules make it."""

    position: int  # 0-based, in feed order
    product_id: str
    line: int | None
    hidden: bool
    before: Snapshot
    after: Snapshot


@dataclass
class ProductPage:
    """The products a query selects, from `offset` on; `matched` counts all of them in the feed."""

    rows: list[ProductRow] = field(default_factory=list)
    matched: int = 0
    products: int = 0
    errors: int = 0  # products the query could not be evaluated on (e.g. a number that is no number)


def product_page(
    open_chunks: Callable[[], Iterable[list[Product]]], rules: RuleSet | None, *, query: Query | None, offset: int,
    limit: int,
) -> ProductPage:
    """The `limit` products after the first `offset` that `query` selects (on input values), before and after,
    in feed order or the query's `SORT BY` order; `open_chunks` reads the feed from its start."""
    page = ProductPage()
    selected = _selected(open_chunks(), query, page)
    if query is not None and query.order is not None:
        keyed = ((query.sort_key(product), position) for position, product in selected)
        positions = query.in_order(keyed, first=offset + limit)[offset:]
        page.rows = _rows(_at(open_chunks(), positions), rules)
    else:
        page.rows = _rows([found for n, found in enumerate(selected) if offset <= n < offset + limit], rules)
    return page


def _selected(chunks: Iterable[list[Product]], query: Query | None, page: ProductPage) -> Iterator[tuple[int, Product]]:
    """(feed position, product) of each product `query` selects, counted into `page` as they go by."""
    for chunk in chunks:
        for product in chunk:
            position = page.products
            page.products += 1
            if query is None or _selects(query, product, page):
                page.matched += 1
                yield position, product


def _at(chunks: Iterable[list[Product]], positions: list[int]) -> list[tuple[int, Product]]:
    """The products at these feed positions, in the order given, read up to the last of them (one that is
    no longer there, the source having changed between two reads, is left out)."""
    wanted, found, position, last = set(positions), {}, 0, max(positions, default=-1)
    for chunk in chunks if positions else ():
        for product in chunk:
            if position in wanted:
                found[position] = product
            position += 1
        if position > last:
            break
    return [(position, found[position]) for position in positions if position in found]


def _selects(query: Query, product: Product, page: ProductPage) -> bool:
    try:
        return query.matches(product)
    except ProductFailure:
        page.errors += 1
        return False


def _rows(wanted: list[tuple[int, Product]], rules: RuleSet | None) -> list[ProductRow]:
    before = [snapshot(product) for _, product in wanted]
    products = [product.copy() for _, product in wanted]
    kept = {id(p) for p in (rules.apply(products) if rules is not None else products)}
    return [
        ProductRow(position, product_id(original), original.line, id(copy) not in kept, values, snapshot(copy))
        for (position, original), copy, values in zip(wanted, products, before, strict=True)
    ]


def count_queries(chunks: Iterable[list[Product]], queries: dict[str, Query]) -> tuple[int, dict[str, int]]:
    """How many products each named query selects, and how many products there are."""
    counts = dict.fromkeys(queries, 0)
    products = 0
    for chunk in chunks:
        products += len(chunk)
        for name, query in queries.items():
            counts[name] += sum(1 for product in chunk if _quietly(query, product))
    return products, counts


def _quietly(query: Query, product: Product) -> bool:
    try:
        return query.matches(product)
    except ProductFailure:
        return False
