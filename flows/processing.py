"""The work of a run's process step, as one pure function of plain values: parse the fetched feed once,
apply the saved rules, write every export into the workspace, and count everything.

Plain values in and out (no database, no run row) so that it runs the same in the worker's thread or in
a child process under limits (`flows.isolation`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from feeds.channels import CHANNELS, ConvertOptions
from feeds.channels.google_taxonomy import read_taxonomy
from feeds.pipeline import ExportTarget, process
from feeds.project import ExportSpec, ProjectSpec
from feeds.templates import load_template

if TYPE_CHECKING:
    from feeds.transforms import RuleSet


@dataclass(frozen=True)
class Processed:
    """What processing found: the exports written, the counts and the report."""

    outputs: dict[str, Path]
    products_in: int
    products_out: int
    report: dict[str, Any]
    warnings: list[str]


def process_feed(
    feed: Path, spec: ProjectSpec, out_dir: Path, *, allow_empty: bool, allow_private_urls: bool,
    allow_local_files: bool, google_taxonomy: Path | None = None,
) -> Processed:
    """Write the project's exports of `feed` into `out_dir`. `allow_empty`: a feed without products is an
    export to hold, not a failure (a project with a good run before: the shop may have sold out).
    `google_taxonomy`: Google's taxonomy file, which names bare google_product_category ids."""
    from feeds.transforms import RuleSet  # the rule engine is heavy to import; only runs that process need it

    def ruleset(rules: list[dict[str, Any]], *, allow_groups: bool = True) -> RuleSet:
        return RuleSet.from_spec(
            rules, spec.queries, spec.variables, group_by=spec.group_by, allow_groups=allow_groups,
            allow_private_urls=allow_private_urls, allow_local_files=allow_local_files,
        )

    rules = ruleset(spec.rules)
    own = {export.name: ruleset(export.rules, allow_groups=False) for export in spec.exports if export.rules}
    taxonomy = read_taxonomy(google_taxonomy) if google_taxonomy else MappingProxyType({})
    targets = [dataclasses.replace(_target(out_dir, export, taxonomy), rules=own.get(export.name),
                                   mapping=dict(export.mapping)) for export in spec.exports]
    report = process(feed, targets, source_format=spec.source_format, rules=rules, allow_empty=allow_empty)
    found = report.to_dict()
    found["hidden"] = report.products_in - report.products_kept
    found["rules"] = [asdict(stats) for stats in rules.stats]
    found["rule_errors"] = _errors(rules)
    for export in found["exports"]:  # each export's own rules, beside its counts
        if export["name"] in own:
            export["rules"] = [asdict(stats) for stats in own[export["name"]].stats]
            export["rule_errors"] = _errors(own[export["name"]])
    return Processed({target.name: target.path for target in targets}, report.products_in, report.products_kept,
                     found, list(report.warnings))


def _errors(rules: RuleSet) -> dict[str, Any]:
    return {"count": rules.error_count, "first": [str(e) for e in rules.errors[:20]]}


def output_paths(workspace: Path, spec: ProjectSpec) -> dict[str, Path]:
    """Where a run in `workspace` writes each export (a held run's outputs are found again here)."""
    return {export.name: _target(workspace / "out", export).path for export in spec.exports}


def _target(out_dir: Path, export: ExportSpec, taxonomy: Mapping[str, str] = MappingProxyType({})) -> ExportTarget:
    options = ConvertOptions(
        currency=export.currency, escape_formulas=export.escape_formulas, default_category=export.default_category,
        default_delivery=tuple((row.id, row.price, row.price_cod) for row in export.delivery), google_taxonomy=taxonomy,
    )
    if export.country:
        options = dataclasses.replace(options, country=export.country.upper())
    template = None if export.template is None else load_template(export.template)  # checked when saved
    extension = CHANNELS[export.format].extension if template is None else template.extension
    return ExportTarget(export.name, export.format, out_dir / f"{export.name}{extension}", options,
                        invalid=export.invalid, max_invalid_percent=export.max_invalid_percent, template=template)

