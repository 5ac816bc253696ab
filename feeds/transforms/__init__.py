"""Queries (MQL) and rules: select products and change their values, compiled once, applied per chunk."""

from __future__ import annotations

from feeds.transforms.groups import GroupsNotPrepared, prepare_groups
from feeds.transforms.query import Query
from feeds.transforms.rules import RULE_TYPES, ProductError, RuleSet, RuleStats

__all__ = ["RULE_TYPES", "GroupsNotPrepared", "ProductError", "Query", "RuleSet", "RuleStats", "prepare_groups"]
