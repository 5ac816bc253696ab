"""Run one rule spec over products through the real RuleSet."""

from __future__ import annotations

from typing import Any

from feeds.model import Product
from feeds.transforms import RuleSet


def apply_rule(spec: dict[str, Any], *products: Product, **kwargs: Any) -> RuleSet:
    """Apply a one-rule RuleSet to the products (in place) and return it for its stats and errors."""
    ruleset = RuleSet.from_spec([spec], **kwargs)
    ruleset.apply(list(products))
    return ruleset


def value_after(spec: dict[str, Any], product: Product, path: str) -> list[str]:
    """The values of `path` after the rule ran."""
    from feeds.transforms.query import parse_path

    apply_rule(spec, product)
    return parse_path(path).values(product)
