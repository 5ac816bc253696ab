"""The check of a project spec before it is saved: what a run of it, or the scheduler, would refuse.

Every door that saves a spec (the command line, the REST API, the pages) calls `check_spec` first, with
the limits of this server as plain values (`SpecLimits`, filled from the settings by the application),
so a spec refused by one is refused by all. The check looks local files up but never reads them, and
fetches nothing: a save runs under the project's lock and must neither wait for another server nor
read a large file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from accounts.targets import canonical_target
from feeds.channels import CHANNELS
from feeds.errors import ConfigError, FeedError, local_file_refused
from feeds.fetch import MAX_FEED_BYTES, names_a_url, unsupported_source
from feeds.netguard import refused_on_sight
from feeds.project import ExportSpec, ProjectSpec, output_type
from feeds.storage import FileStorage, Storage, for_shop, storage_for
from feeds.templates import template_problems
from feeds.transforms import RuleSet
from feeds.transforms.rules.dataimport import MAX_DATA_FILE_BYTES, local_data_files

SchedulerCheck = Callable[[str, str], str | None]


@dataclass(frozen=True)
class SpecLimits:
    """What this server lets a project do: the limits its runs apply, as plain values."""

    allow_local: bool = False  # sources and data files given as paths on the server
    allow_private: bool = False  # source URLs on loopback, private and reserved addresses
    max_source_bytes: int = MAX_FEED_BYTES
    exports_dir: Path | None = None  # file:// exports only inside it, `{shop}` is the shop id; None: anywhere
    s3_prefixes: tuple[str, ...] | None = None  # s3:// exports only under one, `{shop}` is the shop id; None: any
    # why the scheduler would refuse a cron and time zone, or None (flows.schedules.schedule_problem)
    schedule_problem: SchedulerCheck | None = None

    def storage(self, uri: str, shop_id: int) -> Storage:
        """Where a project of `shop_id` would publish `uri`; ExportError outside the publish folder or prefixes."""
        folder, prefixes = self.exports_dir, self.s3_prefixes
        return storage_for(
            uri,
            file_root=None if folder is None else Path(for_shop(str(folder), shop_id)),
            s3_prefixes=None if prefixes is None else tuple(for_shop(p, shop_id) for p in prefixes),
        )


def check_spec(spec: ProjectSpec, *, shop_id: int, limits: SpecLimits) -> None:
    """Refuse (ConfigError naming every problem) what a run of `spec` in shop `shop_id`, or the scheduler,
    would refuse: the source, the formats, the schedule, each export's target, local data files, the rules."""
    problems = _source_problems(spec.source, limits)
    if spec.source_format is not None and spec.source_format not in CHANNELS:
        problems.append(f"unknown source format {spec.source_format!r}; known: {', '.join(CHANNELS)}")
    if limits.schedule_problem is not None and (
        problem := limits.schedule_problem(spec.schedule.cron, spec.schedule.timezone)
    ):
        problems.append(f"schedule: {problem}")
    problems += _export_problems(spec.exports)
    problems += [problem for export in spec.exports for problem in _template_problems(export)]
    problems += [problem for export in spec.exports for problem in _target_problems(export, shop_id, limits)]
    for path in local_data_files([*spec.rules, *(rule for export in spec.exports for rule in export.rules)]):
        if not limits.allow_local:
            problems.append(str(local_file_refused("data file", str(path))))
        elif problem := _file_problem(path, max_bytes=MAX_DATA_FILE_BYTES):
            problems.append(f"data file {str(path)!r}: {problem}")
    try:
        RuleSet.check_spec(spec.rules, spec.queries, spec.variables, group_by=spec.group_by)
    except ConfigError as exc:
        problems += exc.problems
    for export in spec.exports:
        try:
            RuleSet.check_spec(export.rules, spec.queries, spec.variables, group_by=spec.group_by, allow_groups=False)
        except ConfigError as exc:
            problems += [f"export {export.name!r}: {problem}" for problem in exc.problems]
    if problems:
        raise ConfigError(problems)


def _source_problems(source: str, limits: SpecLimits) -> list[str]:
    """What fetching this source would refuse: an empty one, another scheme, an address on the server's own
    networks (as written: a save resolves nothing), a server path, a missing file."""
    if not source or "\x00" in source:
        return ["the source is empty: give a feed URL" if not source else "the source contains a NUL character"]
    if names_a_url(source):
        if problem := unsupported_source(source):
            return [problem]
        refused = refused_on_sight(source, allow_private=limits.allow_private)
        return [f"source {refused}"] if refused else []
    if not limits.allow_local:
        return [str(local_file_refused("source", source))]
    problem = _file_problem(Path(source), max_bytes=limits.max_source_bytes)
    return [f"source {source!r}: {problem}"] if problem else []


def _file_problem(path: Path, *, max_bytes: int) -> str | None:
    """Why a run could not read this local file, found by looking it up: a save never reads it."""
    try:
        if not path.exists():
            return "no such file"
        if not path.is_file():  # a folder, a pipe or a device: a read would fail, block or never end
            return "not a regular file"
        if path.stat().st_size > max_bytes:
            return f"larger than {max_bytes:,} bytes"
    except OSError as exc:  # a name longer than the file system allows (ENAMETOOLONG)
        return f"cannot be looked up: {exc.strerror}"
    return None


def _export_problems(exports: list[ExportSpec]) -> list[str]:
    """Names and targets used twice, and a gzip flag its URI contradicts."""
    names = [export.name for export in exports]
    problems = [f"two exports are named {name!r}" for name in sorted({n for n in names if names.count(n) > 1})]
    targets = [canonical_target(export.uri) for export in exports if export.uri]  # no URI: served only
    problems += [f"two exports publish to {uri!r}" for uri in sorted({t for t in targets if targets.count(t) > 1})]
    for export in exports:
        if export.uri and export.gzip != export.uri.lower().endswith(".gz"):
            wanted = "does not end in .gz" if export.gzip else "ends in .gz"
            problems.append(f"export {export.name!r}: gzip is {str(export.gzip).lower()} but its URI {wanted}")
    return problems


def _template_problems(export: ExportSpec) -> list[str]:
    """Every problem of the export's template, each naming the export and the template's field; and the settings
    a template export cannot honour (a product the template cannot write is always left out, and the channel
    defaults belong to the built-in conversions, which a template replaces)."""
    if export.template is None:
        return []
    where = f"export {export.name!r}: "
    problems = [where + (p if p.startswith("template") else f"template > {p}")
                for p in template_problems(export.template)]
    if not problems and (suffix := _uri_suffix(export.uri)) in _FILE_TYPES:
        writes = output_type(export)[0]
        if suffix != writes:
            problems.append(where + f"its template writes {writes} but its URI ends in {suffix}")
    if export.invalid == "keep":
        problems.append(where + "invalid products cannot be kept: a template leaves out a product it cannot write "
                                "(choose drop or fail)")
    channel_only = {"currency": export.currency, "country": export.country, "delivery": export.delivery,
                    "default_category": export.default_category}
    problems += [where + f"{name} is a channel default and does nothing for a template: write it in the template"
                 for name, value in channel_only.items() if value]
    return problems


_FILE_TYPES = (".xml", ".csv", ".tsv")


def _uri_suffix(uri: str) -> str:
    """The extension of a publish URI's file, without a trailing .gz (`feed.csv.gz` -> `.csv`)."""
    path = PurePosixPath(unquote(urlsplit(uri).path))
    return (path.with_suffix("") if path.suffix.lower() == ".gz" else path).suffix.lower()


def _target_problems(export: ExportSpec, shop_id: int, limits: SpecLimits) -> list[str]:
    """Why a run could not publish this export: a target outside the shop's folder or prefixes, a folder
    where the file should be, or a file where a folder should be."""
    if not export.uri:
        return []
    try:
        storage = limits.storage(export.uri, shop_id)
    except FeedError as exc:
        return [f"export {export.name!r}: {exc}"]
    if not isinstance(storage, FileStorage):
        return []
    if storage.path.is_dir():
        return [f"export {export.name!r}: {export.uri!r} is a folder; name a file in it"]
    in_the_way = next((p for p in storage.path.parents if p.exists() and not p.is_dir()), None)
    if in_the_way is not None:
        return [f"export {export.name!r}: {str(in_the_way)!r} is a file, not a folder"]
    return []
