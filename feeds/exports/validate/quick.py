"""The quick pass of validation: one walk over a product that proves it valid, or gives up.

Why: nearly every product of a real feed is valid, and the exact pass (index every child by name,
then run each rule over the index) spends most of its time building indexes nobody reads. The quick
pass looks each child up in a table by element name and checks its value on the spot. It checks a
superset of what the exact pass checks (every alternative name, not only the first present one),
so when it says "valid" the exact pass would report nothing; on any doubt the caller runs the exact
pass, which alone words the problems and decides their order.
"""

from __future__ import annotations

from typing import NamedTuple

from feeds.exports.validate.checks import Check
from feeds.model import Element

Values = dict[str, list[str]]


class Leaf(NamedTuple):
    """What the rules ask of one element name."""

    label: str
    bit: int  # the bit of the required rule this name satisfies, 0 when the rule is optional
    max_len: int  # -1: no limit
    max_count: int  # -1: no limit
    checks: tuple[Check, ...]


class Level:
    """The field rules of one level (a product, or one element of a group) as a table by element name."""

    def __init__(self, fields: tuple[Leaf, ...], names: tuple[tuple[str, ...], ...]) -> None:
        self.leaves: dict[str, Leaf] = {}
        self.required = 0
        self.usable = True  # False when two rules share a name: only the exact pass can tell them apart
        for leaf, rule_names in zip(fields, names, strict=True):
            self.required |= leaf.bit
            for name in rule_names:
                self.usable = self.usable and name not in self.leaves
                self.leaves[name] = leaf

    def passes(self, children: list[Element]) -> bool:
        """Whether a group element's children satisfy every rule (elements with children are not values)."""
        seen, leaves = 0, self.leaves
        counts: dict[str, int] = {}
        for child in children:
            if child.children:
                continue
            value = child.text.strip()
            if not value and child.attrs:
                value = child.attrs.get("href", "").strip()
            if not value:
                continue
            leaf = leaves.get(child.name)
            if leaf is not None:
                if not value_passes(leaf, value) or not counted(leaf, child.name, counts):
                    return False
                seen |= leaf.bit
        return seen & self.required == self.required


def value_passes(leaf: Leaf, value: str) -> bool:
    """Whether one value is within the length limit and passes every check."""
    if 0 <= leaf.max_len < len(value):
        return False
    label = leaf.label
    for check in leaf.checks:
        if check(label, value):
            return False
    return True


def counted(leaf: Leaf, name: str, counts: dict[str, int]) -> bool:
    """Count one more value of `name`; False once it exceeds the rule's max_count."""
    if leaf.max_count < 0:
        return True
    count = counts[name] = counts.get(name, 0) + 1
    return count <= leaf.max_count
