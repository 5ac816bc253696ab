"""The one registry of rule types, keyed by the names users type (Mergado's API ids where they exist)."""

from __future__ import annotations

from typing import Protocol

from feeds.transforms.rules.base import Rule, SpecReader
from feeds.transforms.rules.calc_rules import BiddingRule, CalcRule, RoundRule
from feeds.transforms.rules.dataimport import DataImportRule
from feeds.transforms.rules.dates import AddDaysRule
from feeds.transforms.rules.hiding import HideRule
from feeds.transforms.rules.lookup import CategoryRule, LookupRule, QueryTableRule
from feeds.transforms.rules.params import RemoveParamsRule, SetParamsRule, ShippingRule
from feeds.transforms.rules.text import (
    FindReplaceRule,
    LetterCaseRule,
    RemoveDiacriticsRule,
    RewriteRule,
    StripHtmlRule,
    TruncateRule,
)
from feeds.transforms.rules.values import AddValueRule, BulkCopyRule, ItemGroupRule, UtmRule


class RuleType(Protocol):
    """A rule class: validates and compiles its spec."""

    def from_spec(self, r: SpecReader) -> Rule: ...


RULE_TYPES: dict[str, RuleType] = {
    "rewriting": RewriteRule,
    "replacing": FindReplaceRule,
    "batch_copy_values": BulkCopyRule,
    "create_product_value": AddValueRule,
    "data_import": DataImportRule,
    "utm": UtmRule,
    "hiding": HideRule,
    "batch_param": SetParamsRule,
    "params_remove_by_value": RemoveParamsRule,
    "tagstripping": StripHtmlRule,
    "remove_diacritics": RemoveDiacriticsRule,
    "casechanging": LetterCaseRule,
    "truncating": TruncateRule,
    "calc": CalcRule,
    "rounding": RoundRule,
    "batch_rewriting_values": LookupRule,
    "batch_rewriting": QueryTableRule,
    "batch_delivery": ShippingRule,
    "product_grouping": ItemGroupRule,
    "categories": CategoryRule,
    "batch_set_datetime": AddDaysRule,
    "bidding": BiddingRule,
}
HIDING = "hiding"
