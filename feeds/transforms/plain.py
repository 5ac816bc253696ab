"""Plain element paths (one child name: `PRICE_VAT`, `g:price`), the paths almost every rule and query uses.

ElementPath handles every shape of path; the functions here do exactly what it does for the plain
shape, without a path walk or intermediate lists (the rules run on every product of big feeds).
`Slot` picks one or the other once, when a rule is compiled. tests/feeds/transforms/test_fast_paths.py
checks that both give the same result.
"""

from __future__ import annotations

from collections.abc import Callable

from feeds.model import Element
from feeds.paths import ElementPath


def plain_name(path: ElementPath) -> str | None:
    """The child name when the path is one step with no filter and no attribute, else None."""
    if path.attr is None and path.pseudo is None and len(path.steps) == 1 and path.steps[0].filter is None:
        return path.steps[0].name
    return None


def set_value(product: Element, name: str, value: str) -> bool:
    """ElementPath.set for a plain path: leave exactly one value ("" removes), create it when missing."""
    found: Element | None = None
    more = False
    for child in product.children:
        if child.name == name:
            if found is not None:
                more = True
                break
            found = child
    if value == "":
        if found is None:
            return False
        product.children = [child for child in product.children if child.name != name]
        return True
    if found is None:
        product.children.append(Element(name, value))  # no namesake: insert_child appends
        return True
    changed = found.text != value
    found.text = value
    if more:
        product.children = [child for child in product.children if child.name != name or child is found]
        changed = True
    return changed


def transform(product: Element, name: str, change: Callable[[str], str]) -> bool:
    """ElementPath.transform for a plain path: rewrite every value of child `name`."""
    changed = False
    for child in product.children:
        if child.name == name:
            new = change(child.text)
            if new != child.text:
                child.text = new
                changed = True
    return changed


class Slot:
    """An element path as a rule reads and writes it: the plain fast path when it applies, ElementPath otherwise."""

    __slots__ = ("path", "name")

    def __init__(self, path: ElementPath) -> None:
        self.path = path
        self.name = plain_name(path)

    def first(self, product: Element) -> str:
        """The first value, or ""."""
        name = self.name
        if name is None:
            return self.path.first(product)
        for child in product.children:
            if child.name == name:
                return child.text
        return ""

    def values(self, product: Element) -> list[str]:
        """Every value, in document order."""
        name = self.name
        if name is None:
            return self.path.values(product)
        return [child.text for child in product.children if child.name == name]

    def set(self, product: Element, value: str) -> bool:
        """Leave exactly one value (see ElementPath.set)."""
        if self.name is None:
            return self.path.set(product, value)
        return set_value(product, self.name, value)

    def set_all(self, product: Element, value: str) -> bool:
        """Every existing value becomes `value`, as Mergado's rules write all values of a repeated element;
        none: one is created; "": all are removed. A path pinning one value (`{ @@POSITION = 2 }`) writes it."""
        name = self.name
        if value == "" or name is None and not self.path.values(product):
            return self.set(product, value)
        if name is None:
            return self.path.transform(product, lambda _old: value)
        found = changed = False
        for child in product.children:
            if child.name == name:
                found = True
                if child.text != value:
                    child.text, changed = value, True
        if not found:
            product.children.append(Element(name, value))
            return True
        return changed

    def transform(self, product: Element, change: Callable[[str], str]) -> bool:
        """Rewrite every value (see ElementPath.transform)."""
        if self.name is None:
            return self.path.transform(product, change)
        return transform(product, self.name, change)
