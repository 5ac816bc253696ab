"""Browse a project's catalogue: each product's input and output values side by side, and query counts.

What the product grid and the saved-query list show. One pass over the feed, rules applied chunk by
chunk on copies, so memory stays flat; a page keeps only the products it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    chunks: Iterable[list[Product]], rules: RuleSet | None, *, query: Query | None, offset: int, limit: int
) -> ProductPage:
    """The `limit` products after the first `offset` that `query` selects (on input values), before and after."""
    page = ProductPage()
    for chunk in chunks:
        wanted = []
        for product in chunk:
            position = page.products
            page.products += 1
            if query is not None and not _selects(query, product, page):
                continue
            if offset <= page.matched < offset + limit:
                wanted.append((position, product))
            page.matched += 1
        if wanted:
            page.rows += _rows(wanted, rules)
    return page


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
