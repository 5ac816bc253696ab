"""The signal a rule or query raises when one product cannot be processed.

It never leaves the engine: the engine turns it into a per-product error (product id, rule index,
rule type, reason) and the product keeps the values it had before that rule.
"""

from __future__ import annotations


class ProductFailure(Exception):
    """This product cannot get this rule (bad number, division by zero, regex over its time budget...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
