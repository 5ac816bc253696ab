"""Hide product: the rule that drops products from the output (always run last by the engine)."""

from __future__ import annotations

from dataclasses import dataclass

from feeds.model import Product
from feeds.transforms.rules.base import RuleRun, SpecReader


@dataclass(frozen=True)
class HideRule:
    """`hiding`: every product its query selects leaves the output; it needs no other field."""

    @classmethod
    def from_spec(cls, r: SpecReader) -> HideRule:
        return cls()

    def apply(self, products: list[Product], run: RuleRun) -> None:
        """Hide each selected product (counted as changed)."""
        for product in products:
            run.hide(product)
            run.changed(product)
