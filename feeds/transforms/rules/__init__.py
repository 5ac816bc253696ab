"""The rule engine: one frozen dataclass per rule type, one registry, one RuleSet that applies them."""

from __future__ import annotations

from feeds.transforms.rules.base import ProductError, RuleStats
from feeds.transforms.rules.engine import BoundRule, RuleSet
from feeds.transforms.rules.registry import RULE_TYPES

__all__ = ["RULE_TYPES", "BoundRule", "ProductError", "RuleSet", "RuleStats"]
