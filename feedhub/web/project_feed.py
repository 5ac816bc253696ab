"""A project's source feed on local disk for browsing (products, query counts, trace, preview).

Fetched with the same policy as runs (SSRF guard, size cap, deadline) into the project's browse
folder and reused for `BROWSE_MAX_AGE_S`, so paging through products does not download the feed
for every page. The file is replaced atomically: a reader never sees half a download.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from feedhub.settings import Settings
from feeds.fetch import fetch_source
from feeds.parsers import open_feed
from feeds.project import ProjectSpec
from feeds.transforms import RuleSet, prepare_groups
from flows.deps import RunDeps

BROWSE_MAX_AGE_S = 600


def project_feed(deps: RunDeps, project_id: int, spec: ProjectSpec) -> Path:
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


def project_rules(settings: Settings, spec: ProjectSpec, source: Path, rules: list | None = None) -> RuleSet:
    """The spec's rules (or draft `rules` with the spec's queries and variables), ready to apply to `source`."""
    ruleset = RuleSet.from_spec(
        spec.rules if rules is None else rules, spec.queries, spec.variables, group_by=spec.group_by,
        allow_private_urls=settings.allow_private_sources, allow_local_files=settings.allow_local_sources,
    )
    prepare_groups(ruleset, source, spec.source_format)
    return ruleset


def project_chunks(spec: ProjectSpec, source: Path):  # type: ignore[no-untyped-def]
    """The products of the fetched source, chunk by chunk."""
    return open_feed(source, spec.source_format).chunks()
