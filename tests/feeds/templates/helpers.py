"""Small products and a writer run for the template tests."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from feeds.model import Element, Product
from feeds.templates import TemplateWriter, load_template

TODAY = date(2026, 12, 1)


def product(*children: tuple[str, Any], name: str = "SHOPITEM") -> Product:
    """A product from (name, text) pairs; a list value makes a group element of pairs."""
    return Product(name, children=[_element(n, v) for n, v in children])


def _element(name: str, value: Any) -> Element:
    if isinstance(value, list):
        return Element(name, children=[_element(n, v) for n, v in value])
    return Element(name, value)


def render(template: dict[str, Any], products: list[Product], **options: Any) -> tuple[bytes, TemplateWriter]:
    """The whole output of a template over products, and the writer (for its errors)."""
    out = io.BytesIO()
    writer = TemplateWriter(out, load_template(template), today=TODAY, **options)
    writer.begin()
    writer.write(products)
    writer.end()
    return out.getvalue(), writer


def xml_template(*elements: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A minimal XML template around some elements."""
    return {"kind": "xml", "root": "SHOP", "item": "SHOPITEM", "elements": list(elements), **fields}
