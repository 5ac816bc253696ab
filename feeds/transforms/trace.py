"""Trace: for chosen products, rule by rule, which values changed (before -> after) and why one is hidden.

It drives the same RuleSet, one rule at a time (`RuleSet.run_rule`), so a trace can never
disagree with a real run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from feeds.model import Product, product_id
from feeds.transforms.rules import RuleSet
from feeds.transforms.snapshot import diff, snapshot


@dataclass
class TraceStep:
    """What one rule did to one product."""

    rule_index: int
    rule_type: str
    rule_name: str
    query: str
    selected: bool
    changes: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    error: str | None = None
    hidden: bool = False
    by_else: bool = False  # not selected, and the rule's ELSE part ran on it instead
    export: str = ""  # "" for the project's shared rules, else the export whose own rule this is


@dataclass
class ProductTrace:
    """Every rule's effect on one product, in the order rules ran."""

    product_id: str
    steps: list[TraceStep] = field(default_factory=list)

    @property
    def hidden_by(self) -> TraceStep | None:
        """The shared hide rule that dropped this product from every export, if any (an export's own hide rule
        drops it from that export only: its step says so)."""
        return next((step for step in self.steps if step.hidden and not step.export), None)


def trace_product(ruleset: RuleSet, product: Product, *, exports: Mapping[str, RuleSet] | None = None) -> ProductTrace:
    """Apply the rule set to this one product (in place), recording each rule's effect; then each export's own
    rules (`exports`, by export name) on a copy of what the shared rules made, as a run applies them."""
    result = ProductTrace(product_id(product))
    hidden: dict[int, int] = {}
    ruleset.capture_inputs([product])
    _trace(ruleset, product, hidden, result, "")
    if id(product) not in hidden:
        for name, own in (exports or {}).items():
            copy = product.copy()
            own.capture_inputs([copy])
            _trace(own, copy, {}, result, name)
    return result


def _trace(ruleset: RuleSet, product: Product, hidden: dict[int, int], result: ProductTrace, export: str) -> None:
    for bound, stats in zip(ruleset.rules, ruleset.stats, strict=True):
        if id(product) in hidden:
            break
        before, selected_before, errors_before = snapshot(product), stats.selected, len(ruleset.errors)
        ruleset.run_rule(bound, [product], hidden)
        selected = stats.selected > selected_before
        step = TraceStep(bound.index, bound.type, bound.name, bound.query_text, selected,
                         by_else=not selected and bound.else_rule is not None, export=export)
        step.changes = diff(before, snapshot(product))
        step.hidden = id(product) in hidden
        if len(ruleset.errors) > errors_before:
            step.error = ruleset.errors[-1].reason
        result.steps.append(step)
