"""In-memory form of a product: a small ordered tree that mirrors the feed's own elements.

Why a tree and not a flat row: it is lossless by construction (order, repeats, nesting,
attributes all survive an import/export round trip) and it is what users address with element
paths (`DELIVERY|DELIVERY_PRICE`, `PARAM { PARAM_NAME = "Barva" } | VAL`, `IMAGE|@description`).

Names are the ones users see: local names for un-prefixed and default-namespace elements
(`PRICE_VAT`, `title` in Atom), `prefix:local` for prefixed ones (`g:price`). The namespace
URIs live once per feed in `FeedInfo.nsmap`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field


class Element:
    """One XML element (or CSV cell): name, text, attributes, children, in source order.

    The XML parser's hot loop (`xmlfeed._ProductReader._children`) fills these four slots itself,
    without `__init__`: a new slot must be set there too.
    """

    __slots__ = ("name", "text", "attrs", "children")

    def __init__(
        self,
        name: str,
        text: str = "",
        attrs: dict[str, str] | None = None,
        children: list[Element] | None = None,
    ) -> None:
        self.name = name
        self.text = text
        self.attrs = attrs if attrs is not None else {}
        self.children = children if children is not None else []

    def __repr__(self) -> str:
        inner = f" {len(self.children)} children" if self.children else f" {self.text!r}"
        return f"<{self.name}{inner}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Element):
            return NotImplemented
        return (
            self.name == other.name
            and self.text == other.text
            and self.attrs == other.attrs
            and self.children == other.children
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def find(self, name: str) -> Element | None:
        """First direct child called `name`, or None."""
        for child in self.children:
            if child.name == name:
                return child
        return None

    def find_all(self, name: str) -> list[Element]:
        """All direct children called `name`, in order."""
        return [child for child in self.children if child.name == name]

    def get(self, name: str, default: str = "") -> str:
        """Text of the first direct child called `name`."""
        child = self.find(name)
        return child.text if child is not None else default

    def get_all(self, name: str) -> list[str]:
        """Texts of all direct children called `name`."""
        return [child.text for child in self.children if child.name == name]

    def add(self, name: str, text: str = "", attrs: dict[str, str] | None = None) -> Element:
        """Append a new child and return it."""
        child = Element(name, text, attrs)
        self.children.append(child)
        return child

    def set(self, name: str, text: str) -> Element:
        """Set the text of the first child called `name`, creating it at the end if missing."""
        child = self.find(name)
        if child is None:
            return self.add(name, text)
        child.text = text
        return child

    def remove_all(self, name: str) -> None:
        """Drop every direct child called `name`."""
        self.children = [child for child in self.children if child.name != name]

    def copy(self) -> Element:
        """Deep copy."""
        return Element(self.name, self.text, dict(self.attrs), [c.copy() for c in self.children])

    def walk_paths(self, prefix: str = "") -> Iterator[tuple[str, Element]]:
        """Yield (element path, element) for every descendant, attributes as `path|@name`."""
        for child in self.children:
            path = f"{prefix}|{child.name}" if prefix else child.name
            yield path, child
            for attr in child.attrs:
                yield f"{path}|@{attr}", child
            if child.children:
                yield from child.walk_paths(path)


class Product(Element):
    """The item element of a feed (SHOPITEM, item, entry, ITEM, a CSV row)."""

    __slots__ = ("line",)

    def __init__(
        self,
        name: str,
        text: str = "",
        attrs: dict[str, str] | None = None,
        children: list[Element] | None = None,
        *,
        line: int | None = None,
    ) -> None:
        super().__init__(name, text, attrs, children)
        self.line = line

    def copy(self) -> Product:
        """Deep copy, keeping the source line."""
        children = [child.copy() for child in self.children]
        return Product(self.name, self.text, dict(self.attrs), children, line=self.line)


@dataclass
class FeedInfo:
    """What a parser learned about a feed besides its products; writers use it to rebuild the envelope."""

    format: str
    encoding: str = "utf-8"
    root: str = ""  # user-visible name of the root element, e.g. "SHOP", "rss", "feed"
    root_attrs: dict[str, str] = field(default_factory=dict)
    nsmap: dict[str | None, str] = field(default_factory=dict)
    container: list[str] = field(default_factory=list)  # names between root and items, e.g. ["channel"]
    item: str = ""  # user-visible name of the item element
    header: list[Element] = field(default_factory=list)  # non-item elements before the first item
    columns: list[str] = field(default_factory=list)  # CSV/TSV header in source order
    delimiter: str = ","
    warnings: list[str] = field(default_factory=list)


CHUNK_SIZE = 2000
"""Products per chunk between stages: amortises per-chunk work, keeps memory flat."""


def product_id(product: Element) -> str:
    """Best-effort identifier of a product for messages, in any format."""
    for name in ("ITEM_ID", "g:id", "id", "ID", "CODE", "SKU", "g:ID"):
        value = product.get(name)
        if value:
            return value.strip()
    return ""


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while products stream through.

    Product trees hold no reference cycles, so reference counting frees every chunk; the cyclic
    collector would only rescan the live nodes over and over (measured: half of the parse time).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
