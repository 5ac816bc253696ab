"""Small products for tests, written as keyword arguments, and their whole content back as plain data."""

from __future__ import annotations

from typing import Any

from feeds.model import Element, Product


def _elements(name: str, value: Any) -> list[Element]:
    if isinstance(value, list):
        return [e for item in value for e in _elements(name, item)]
    if isinstance(value, dict):
        return [Element(name, children=[e for k, v in value.items() for e in _elements(k, v)])]
    return [Element(name, str(value))]


def item(attrs: dict[str, str] | None = None, **fields: Any) -> Product:
    """item(ITEM_ID="1", IMGURL_ALTERNATIVE=["a", "b"], PARAM=[{"PARAM_NAME": "Barva", "VAL": "red"}])."""
    children = [e for name, value in fields.items() for e in _elements(name, value)]
    return Product("SHOPITEM", attrs=attrs, children=children, line=1)


def content(element: Element) -> list[tuple[str, Any]]:
    """The element's children as (name, text) or (name, [children...]) in order, for whole-result asserts."""
    return [(c.name, content(c) if c.children else c.text) for c in element.children]
