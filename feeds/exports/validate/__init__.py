"""Validation of output products per target format: it reports problems, it never drops a product.

`make_validator(target_key)` returns a callable `product -> list[str]`; the pipeline decides what
an invalid product means, by the export's policy: keep it, drop it (the default of channel formats,
`default_invalid_policy`), or fail (drop it, and hold the run above a share of invalid products).
Generic targets (csv, tsv, xml) have no rules and always answer [].
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from feeds.exports.validate.engine import FieldRule, FormatRules, GroupRule, Validator
from feeds.exports.validate.rules import google_rules, heureka_rules, mergado_rules, zbozi_rules
from feeds.exports.values import HEUREKA_DELIVERY_IDS
from feeds.formats import get_format
from feeds.model import Product

ProductCheck = Callable[[Product], list[str]]

RULES: dict[str, Callable[[Collection[str]], FormatRules]] = {
    "heureka": heureka_rules,
    "zbozi": lambda ids: zbozi_rules(),
    "google": lambda ids: google_rules(),
    "google-atom": lambda ids: google_rules(),
    "meta": lambda ids: google_rules(meta=True),
    "meta-csv": lambda ids: google_rules(prefix="", meta=True, flat=True),
    "mergado": lambda ids: mergado_rules(),
}
"""Target format -> its rules, built from the accepted DELIVERY_ID list."""


INVALID_POLICIES = ("keep", "drop", "fail")


def default_invalid_policy(target_key: str) -> str:
    """What an export does with invalid products unless told: a channel's export leaves them out (the
    channel would reject them, or the whole feed); generic and Mergado XML keep them."""
    return "drop" if target_key in RULES and target_key != "mergado" else "keep"


def _no_problems(product: Product) -> list[str]:
    return []


def make_validator(target_key: str, *, delivery_ids: Collection[str] | None = None) -> ProductCheck:
    """The validator of a registered target format (a fresh one per run: it remembers ids for duplicates)."""
    get_format(target_key)
    build = RULES.get(target_key)
    if build is None:
        return _no_problems
    return Validator(build(HEUREKA_DELIVERY_IDS if delivery_ids is None else delivery_ids))


__all__ = ["INVALID_POLICIES", "RULES", "FieldRule", "FormatRules", "GroupRule", "Validator", "default_invalid_policy",
           "make_validator"]
