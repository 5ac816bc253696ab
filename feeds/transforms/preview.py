"""Preview: apply a draft rule list to a whole feed, against the current one, without publishing.

For each element path it counts the products whose values differ between the two runs and keeps a
few samples (product id, current -> draft); it also counts products the draft newly hides or shows.
Both sides run through the same RuleSet engine on their own copy of each product.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from feeds.model import Product, product_id
from feeds.transforms.rules import RuleSet
from feeds.transforms.snapshot import diff, snapshot

SAMPLES_PER_ELEMENT = 5
MAX_LISTED_IDS = 50


@dataclass
class ElementDiff:
    """How one element differs between the current and the draft rules."""

    path: str
    products: int = 0
    samples: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)


@dataclass
class PreviewReport:
    """The whole-catalogue difference between two rule lists."""

    products: int = 0
    changed_products: int = 0
    newly_hidden: int = 0
    newly_shown: int = 0
    newly_hidden_ids: list[str] = field(default_factory=list)  # the first MAX_LISTED_IDS, or all when asked
    newly_shown_ids: list[str] = field(default_factory=list)
    elements: dict[str, ElementDiff] = field(default_factory=dict)
    all_ids: bool = False  # keep every newly hidden and shown id (`preview --json`), not only the first


def preview(
    chunks: Iterable[list[Product]], draft: RuleSet, current: RuleSet | None = None, *, all_ids: bool = False,
    shared: RuleSet | None = None,
) -> PreviewReport:
    """Run both rule lists over every chunk and collect the differences per element; `all_ids` keeps every
    newly hidden and shown id (one string per such product), not only the first MAX_LISTED_IDS. `shared`:
    the project's rules, run first on both sides, when the draft is an export's own rule list."""
    report = PreviewReport(all_ids=all_ids)
    for chunk in chunks:
        if shared is not None:
            chunk = shared.apply(chunk)
        baseline = [product.copy() for product in chunk]
        kept_current = {id(p) for p in (current.apply(baseline) if current is not None else baseline)}
        kept_draft = {id(p) for p in draft.apply(chunk)}
        for old, new in zip(baseline, chunk, strict=True):
            _compare(report, old, id(old) in kept_current, new, id(new) in kept_draft)
    return report


def _compare(report: PreviewReport, old: Product, old_kept: bool, new: Product, new_kept: bool) -> None:
    report.products += 1
    ident = product_id(new) or product_id(old)
    if old_kept and not new_kept:
        report.newly_hidden += 1
        _note(report, report.newly_hidden_ids, ident)
    elif new_kept and not old_kept:
        report.newly_shown += 1
        _note(report, report.newly_shown_ids, ident)
    changes = diff(snapshot(old), snapshot(new))
    if changes:
        report.changed_products += 1
    for path, before, after in changes:
        entry = report.elements.setdefault(path, ElementDiff(path))
        entry.products += 1
        if len(entry.samples) < SAMPLES_PER_ELEMENT:
            entry.samples.append((ident, before, after))


def _note(report: PreviewReport, ids: list[str], ident: str) -> None:
    if report.all_ids or len(ids) < MAX_LISTED_IDS:
        ids.append(ident)
