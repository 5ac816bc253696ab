"""The quality gate: whether a finished pass may replace the published exports.

A failed or truncated import never gets here (the pipeline raises, nothing is written). What gets
here is a complete pass whose product count looks wrong: none at all (also a well-formed source
without products, after a good run: a shop that sold out, or a generator that broke), a drop against
the last good run larger than the project allows, or an export with the `fail` policy and too many
invalid products. Such a run is held, not failed: its outputs are kept so an owner or writer who knows
the drop is real (end of season, a cleaned catalogue, nothing left to sell) can publish them. Once empty
exports are published so, the next run without products changes nothing and publishes by itself.
"""

from __future__ import annotations


def hold_reason(
    products: int, baseline: int | None, *, max_drop_ratio: float, too_many_invalid: list[str] | None = None,
    empty_source: str = "",
) -> str | None:
    """Why the run must not publish by itself, or None when it may. `too_many_invalid`: the exports whose
    policy is `fail` and which had more invalid products than their limit, each in words; `empty_source`:
    why the source itself has no products, when it has none."""
    if products == 0 and baseline == 0:
        return None  # the last good run published no products either (confirmed by a person): nothing falls
    if empty_source:
        before = f"; the last good run had {baseline} products" if baseline else ""
        return (f"{empty_source}{before}. The last good exports stay published; if the shop really has nothing "
                "to offer, confirm the run to publish empty exports")
    if products == 0:
        return "the feed yielded 0 products after rules; the last good exports stay published"
    if too_many_invalid:
        return "; ".join(too_many_invalid) + "; confirm the run to publish it anyway"
    if not baseline:
        return None
    drop = 1 - products / baseline
    if drop > max_drop_ratio:
        return (
            f"the product count fell by {drop:.0%} ({baseline} -> {products}), more than the project's "
            f"{max_drop_ratio:.0%} limit; confirm the run to publish it anyway"
        )
    return None
