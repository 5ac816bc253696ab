"""Element names a query reads that no product has: a query on `PRICE` over a feed of `PRICE_VAT` selects
nothing, and without a word about it the user takes the 0 for an answer."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable
from typing import Any

from feeds.model import Element
from feeds.transforms.query.ast import Node

_FILTER = re.compile(r"\{[^}]*\}")


def unknown_names(node: Node, products: Iterable[Element]) -> list[tuple[str, str | None]]:
    """Each element name the query reads that none of `products` has, with the closest name they do have."""
    seen: set[str] = set()
    for product in products:
        _names(product, seen)
    wanted = sorted({name for path in _paths(node) for name in _path_names(path)})
    return [(name, next(iter(difflib.get_close_matches(name, seen, n=1, cutoff=0.6)), None))
            for name in wanted if name not in seen]


def _paths(node: Any) -> Iterable[str]:
    """Every element path in the query's tree."""
    if isinstance(node, tuple):
        for part in node:
            yield from _paths(part)
    elif dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            if field.name == "path" and isinstance(value, str):
                yield value
            else:
                yield from _paths(value)


def _path_names(path: str) -> list[str]:
    """The element and attribute names of a path (`PARAM { PARAM_NAME = "x" } | VAL` -> PARAM, VAL)."""
    return [part.strip().lstrip("@") for part in _FILTER.sub("", path).split("|") if part.strip()]


def _names(element: Element, seen: set[str]) -> None:
    for name in element.attrs:
        seen.add(name)
    for child in element.children:
        seen.add(child.name)
        if child.children or child.attrs:
            _names(child, seen)
