"""The validation engine: rules as data (FieldRule, GroupRule, FormatRules) run over one product at a time.

Each channel's rules live with the channel (feeds.channels.rules); feeds.channels.validate picks them.
"""

from __future__ import annotations

from feeds.exports.validate.engine import FieldRule, FormatRules, GroupRule, Validator

__all__ = ["FieldRule", "FormatRules", "GroupRule", "Validator"]
