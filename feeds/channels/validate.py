"""Validation of output products per target channel: it reports problems, it never drops a product.

`make_validator(target_key)` returns a callable `product -> list[str]`; the pipeline decides what
an invalid product means, by the export's policy: keep it, drop it (the channel's own default,
`default_invalid_policy`), or fail (drop it, and hold the run above a share of invalid products).
Generic targets (csv, tsv, xml) have no rules and always answer [].
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from feeds.channels import get_channel
from feeds.exports.validate.engine import Validator
from feeds.exports.values import HEUREKA_DELIVERY_IDS
from feeds.model import Product

ProductCheck = Callable[[Product], list[str]]
INVALID_POLICIES = ("keep", "drop", "fail")


def default_invalid_policy(target_key: str) -> str:
    """What an export does with invalid products unless told: a channel's export leaves them out (the
    channel would reject them, or the whole feed); generic and Mergado XML keep them."""
    return get_channel(target_key).invalid_policy


def _no_problems(product: Product) -> list[str]:
    return []


def make_validator(target_key: str, *, delivery_ids: Collection[str] | None = None) -> ProductCheck:
    """The validator of a target channel (a fresh one per run: it remembers ids for duplicates)."""
    build = get_channel(target_key).rules
    if build is None:
        return _no_problems
    return Validator(build(HEUREKA_DELIVERY_IDS if delivery_ids is None else delivery_ids))


__all__ = ["INVALID_POLICIES", "ProductCheck", "default_invalid_policy", "make_validator"]
