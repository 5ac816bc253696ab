"""A project's catalogue, for the API and the pages alike: saved queries with product counts, a page of
products before and after the rules, the trace of one product, and the preview of a draft rule list.

Each reads the project's source as a run would and applies the rules through the one engine in
feeds.transforms; nothing here is saved. The source is fetched with the same policy as runs (SSRF
guard, size cap, deadline) into the project's browse folder and reused for `BROWSE_MAX_AGE_S`, so
paging through products does not download the feed for every page. The file is replaced
atomically: a reader never sees half a download.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from feedhub.settings import Settings
from feedhub.web.context import WebContext
from feeds.errors import ConfigError
from feeds.fetch import fetch_source
from feeds.model import product_id
from feeds.parsers import open_feed
from feeds.project import ProjectSpec
from feeds.transforms import Query, RuleSet, prepare_groups
from feeds.transforms.browse import ProductPage, count_queries, product_page
from feeds.transforms.preview import PreviewReport, preview
from feeds.transforms.query.unknown import unknown_names
from feeds.transforms.trace import ProductTrace, trace_product
from flows.deps import RunDeps

BROWSE_MAX_AGE_S = 600


def _project_feed(deps: RunDeps, project_id: int, spec: ProjectSpec) -> Path:
    """The project's source, fetched now or at most BROWSE_MAX_AGE_S ago from the same source."""
    folder = deps.runs_dir / f"project-{project_id}" / "browse"
    cached, stamp = folder / "source", folder / "source.from"
    if cached.is_file() and stamp.is_file() and stamp.read_text() == spec.source:
        if time.time() - cached.stat().st_mtime < BROWSE_MAX_AGE_S:
            return cached
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix="fetch-") as workspace:
        fetched = fetch_source(spec.source, Path(workspace), policy=deps.fetch_policy)
        path = fetched.path
        if not path.is_relative_to(workspace):  # a local source is read in place: copy it, so the view stays put
            path = Path(shutil.copyfile(path, Path(workspace) / "copy"))
        os.replace(path, cached)
    stamp.write_text(spec.source)
    return cached


def _project_rules(
    settings: Settings, spec: ProjectSpec, source: Path, rules: list | None = None, *, allow_groups: bool = True
) -> RuleSet:
    """The spec's rules (or draft `rules`, or an export's own, with the spec's queries and variables), ready to
    apply to `source`."""
    ruleset = RuleSet.from_spec(
        spec.rules if rules is None else rules, spec.queries, spec.variables, group_by=spec.group_by,
        allow_private_urls=settings.allow_private_sources, allow_local_files=settings.allow_local_sources,
        allow_groups=allow_groups,
    )
    prepare_groups(ruleset, source, spec.source_format)
    return ruleset


def _project_chunks(spec: ProjectSpec, source: Path):  # type: ignore[no-untyped-def]
    """The products of the fetched source, chunk by chunk."""
    return open_feed(source, spec.source_format).chunks()


def _source_and_rules(context: WebContext, project_id: int, spec: ProjectSpec) -> tuple[Path, RuleSet]:
    """The project's fetched source and its saved rules, ready to apply to it."""
    source = _project_feed(context.deps, project_id, spec)
    return source, _project_rules(context.settings, spec, source)


def saved_query_counts(
    context: WebContext, project_id: int, spec: ProjectSpec
) -> tuple[int, dict[str, int], dict[str, list[str]]]:
    """How many products the source has, how many each saved query selects, and for each query that selects
    none, the elements it reads that no product has (with the closest one they do have), in words."""
    source, ruleset = _source_and_rules(context, project_id, spec)
    compiled = {name: Query.parse(text, ruleset.groups) for name, text in spec.queries.items()}
    products, counts = count_queries(_project_chunks(spec, source), compiled)
    first = next(_project_chunks(spec, source), []) if 0 in counts.values() else []
    unknown = {name: [f"no product has an element {element}" + (f"; did you mean {closest}?" if closest else "")
                      for element, closest in unknown_names(compiled[name].node, first)]
               for name, count in counts.items() if count == 0}
    return products, counts, {name: words for name, words in unknown.items() if words}


def browse(context: WebContext, project_id: int, spec: ProjectSpec, *, query: str | None, offset: int,
           limit: int) -> ProductPage:
    """`limit` products after `offset` of those `query` (MQL, on input values) selects, before and after, in
    feed order or the query's SORT BY order."""
    source, ruleset = _source_and_rules(context, project_id, spec)
    selection = Query.parse(query, ruleset.groups) if query and query.strip() else None
    return product_page(lambda: _project_chunks(spec, source), ruleset, query=selection, offset=offset, limit=limit)


def trace(context: WebContext, project_id: int, spec: ProjectSpec, product: str) -> ProductTrace | None:
    """Rule by rule, what the rules do to the product with this id (None: the source has no such product)."""
    source, ruleset = _source_and_rules(context, project_id, spec)
    exports = {export.name: _project_rules(context.settings, spec, source, export.rules, allow_groups=False)
               for export in spec.exports if export.rules}
    for chunk in _project_chunks(spec, source):
        found = next((p for p in chunk if product_id(p) == product), None)
        if found is not None:
            return trace_product(ruleset, found, exports=exports)
    return None


def preview_draft(context: WebContext, project_id: int, spec: ProjectSpec, rules: list[dict[str, Any]],
                  export: str | None = None) -> PreviewReport:
    """What the draft `rules` would change against the saved ones, over the whole source; with `export`, the
    draft is that export's own rule list, compared with its saved one after the shared rules."""
    source, shared = _source_and_rules(context, project_id, spec)
    if export is None:
        return preview(_project_chunks(spec, source), _project_rules(context.settings, spec, source, rules), shared)
    own = next((e.rules for e in spec.exports if e.name == export), None)
    if own is None:
        raise ConfigError([f"export: the project has no export {export!r}"])
    current = _project_rules(context.settings, spec, source, own, allow_groups=False)
    draft = _project_rules(context.settings, spec, source, rules, allow_groups=False)
    return preview(_project_chunks(spec, source), draft, current, shared=shared)
