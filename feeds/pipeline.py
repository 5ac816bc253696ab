"""One pass over a feed: parse -> rules -> (convert -> validate -> write) per export.

The source is parsed once and every chunk goes through the rules once, whatever the number of
exports; each export converts, validates and writes the chunk on its own. Outputs are written to
temporary files and only replace their targets when the whole pass succeeded, so a broken feed
never leaves a half-written export behind.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from feeds.atomic import atomic_path, atomic_text
from feeds.channels import ConvertOptions, get_channel
from feeds.channels.convert import make_converter
from feeds.channels.envelope import target_info
from feeds.channels.validate import default_invalid_policy, make_validator
from feeds.errors import ConfigError, EmptyFeedError
from feeds.exports import writer_for
from feeds.exports.validate.engine import DUPLICATE
from feeds.model import FeedInfo, Product, cyclic_gc_paused, product_id
from feeds.parsers import open_feed
from feeds.templates import CsvTemplate, TemplateWriter, XmlTemplate
from feeds.transforms.groups import prepare_groups

MAX_REPORTED_PROBLEMS = 50
MAX_REPORTED_DUPLICATES = 200  # ids listed with their lines; more are counted
MAX_DUPLICATE_LINES = 10


class RuleApplier(Protocol):
    """What the pipeline needs from a rule set (feeds.transforms.RuleSet)."""

    def apply(self, chunk: list[Product]) -> list[Product]: ...


@dataclass(frozen=True)
class ExportTarget:
    """One output of a pass: format, local file it replaces on success, conversion options."""

    name: str
    format: str
    path: Path
    options: ConvertOptions = field(default_factory=ConvertOptions)
    invalid: str | None = None  # keep, drop or fail (feeds.channels.validate); None: the format's default
    max_invalid_percent: float = 5.0  # fail: more invalid products than this share hold the run
    rules: RuleApplier | None = None  # this export's own rules, after the shared ones, on copies
    mapping: dict[str, str] = field(default_factory=dict)  # source element -> the name the converter reads
    # a custom template writes this export (format "template"): it reads the source's elements after the rules,
    # so no conversion and no channel validation; a product it cannot write is left out and reported
    template: XmlTemplate | CsvTemplate | None = None


@dataclass
class ExportReport:
    """Counts and problems of one export."""

    name: str
    format: str
    path: str
    products_out: int = 0
    invalid: int = 0
    invalid_policy: str = "keep"
    left_out_invalid: int = 0  # invalid products not written (policy drop or fail)
    duplicates: list[str] = field(default_factory=list)  # "123: 3 occurrences, 2 left out (lines 40, 77)"
    duplicate_ids: int = 0  # ids that occurred more than once (all of them, listed or not)
    too_many_invalid: str = ""  # why the export must not replace the last good one: policy fail over its limit,
    # or every product left out as invalid (an empty feed would take the shop off the channel)
    dropped: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # "id: reason", the first MAX_REPORTED_PROBLEMS
    warnings: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


@dataclass
class RunReport:
    """What one pass did, for people (CLI summary) and for the run history."""

    source_format: str = ""
    encoding: str = ""
    products_in: int = 0
    products_kept: int = 0  # after hide rules
    empty_source: str = ""  # why the source has no products, when `process` was allowed an empty feed
    exports: list[ExportReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class _Export:
    """An export being written: converter, validator, writer and counters."""

    def __init__(self, target: ExportTarget, source: FeedInfo, handle: Any) -> None:
        self.converter = make_converter(source.format, target.format, target.options)
        self.validate = make_validator(target.format)
        info = target_info(target.format, source, target.options)
        self.writer = writer_for(get_channel(target.format).kind, handle, info,
                                 escape_formulas=target.options.escape_formulas)
        policy = target.invalid or default_invalid_policy(target.format)
        self.report = ExportReport(target.name, target.format, str(target.path), invalid_policy=policy)
        self.leave_out_invalid = policy != "keep"
        self.max_invalid_percent = target.max_invalid_percent
        self.repeated: dict[str, list[int | None]] = {}  # id -> lines of its later occurrences
        self.rules = target.rules
        self.mapping = target.mapping

    def write(self, chunk: list[Product]) -> None:
        chunk = _own_copies(chunk, self.rules, self.mapping)
        convert, validate = self.converter.convert, self.validate
        out: list[Product] = []
        for product in chunk:
            converted = convert(product)
            if converted is None:
                continue
            problems = validate(converted)
            if problems:
                if any(problem.startswith(DUPLICATE) for problem in problems):
                    self._repeated(product_id(converted), product.line)
                self._invalid(converted, problems, position=self.report.products_out + len(out) + 1)
                if self.leave_out_invalid:
                    self.report.left_out_invalid += 1
                    continue
            out.append(converted)
        self.report.products_out += len(out)
        self.writer.write(out)

    def _repeated(self, ident: str, line: int | None) -> None:
        """Note a later occurrence of an id: each duplicate id is listed with its lines, not lost in the
        first MAX_REPORTED_PROBLEMS problems."""
        lines = self.repeated.get(ident)
        if lines is None:
            self.report.duplicate_ids += 1
            if len(self.repeated) >= MAX_REPORTED_DUPLICATES:
                return
            lines = self.repeated[ident] = []
        lines.append(line)

    def _invalid(self, product: Product, problems: list[str], *, position: int) -> None:
        report = self.report
        report.invalid += 1
        if len(report.problems) < MAX_REPORTED_PROBLEMS:
            label = product_id(product) or f"product #{position}"
            report.problems.append(f"{label}: {'; '.join(problems)}")

    def finish(self) -> None:
        self.writer.end()
        report = self.report
        report.dropped = dict(Counter(self.converter.dropped))
        report.warnings = dict(Counter(self.converter.warnings))
        fate = "left out" if self.leave_out_invalid else "kept"
        for ident, lines in self.repeated.items():
            shown = ", ".join(str(line) for line in lines[:MAX_DUPLICATE_LINES] if line is not None)
            report.duplicates.append(f"{ident}: {len(lines) + 1} occurrences, {len(lines)} {fate} after the first"
                                     + (f" (lines {shown})" if shown else ""))
        report.too_many_invalid = _over_limit(report, self.max_invalid_percent)


class _TemplateExport:
    """An export a user's template writes: the products after the rules (and this export's own rules and
    mapping) go to the template as they are; a product it cannot write is left out and counted as invalid,
    its problem reported as the product id, the template's field and the reason."""

    def __init__(self, target: ExportTarget, template: XmlTemplate | CsvTemplate, handle: Any) -> None:
        if target.invalid == "keep":
            raise ConfigError([f"export {target.name!r}: a template leaves out a product it cannot write; "
                               "invalid products cannot be kept"])
        self.writer = TemplateWriter(handle, template)
        self.report = ExportReport(target.name, target.format, str(target.path),
                                   invalid_policy=target.invalid or "drop")
        self.max_invalid_percent = target.max_invalid_percent
        self.rules = target.rules
        self.mapping = target.mapping

    def write(self, chunk: list[Product]) -> None:
        self.writer.write(_own_copies(chunk, self.rules, self.mapping))

    def finish(self) -> None:
        writer, report = self.writer, self.report
        writer.end()
        report.products_out = writer.products_out
        report.invalid = report.left_out_invalid = writer.failed
        report.problems = [f"{error.product_id}: {error.field}: {error.reason}" for error in writer.errors]
        report.too_many_invalid = _over_limit(report, self.max_invalid_percent)


def _over_limit(report: ExportReport, max_invalid_percent: float) -> str:
    """Why the export must not replace the last good one, or "": every product left out as invalid, or policy
    fail over its limit."""
    converted = report.products_out + report.left_out_invalid
    if converted and not report.products_out:
        return (f"export {report.name!r}: all {converted} products are invalid for {report.format} and were left "
                f"out (first: {report.problems[0]})")
    if report.invalid_policy == "fail" and report.invalid * 100 > max_invalid_percent * converted:
        return (f"export {report.name!r}: {report.invalid} of {converted} products ({report.invalid / converted:.0%}) "
                f"are invalid for {report.format}, more than its {max_invalid_percent:g} % limit; they were left out")
    return ""


def _own_copies(chunk: list[Product], rules: RuleApplier | None, mapping: dict[str, str]) -> list[Product]:
    """The chunk as one export sees it: with its own rules or mapping, copies (other exports see the shared
    rules' products), changed by its rules in the source's names, then renamed by its mapping."""
    if rules is None and not mapping:
        return chunk
    chunk = [product.copy() for product in chunk]
    if rules is not None:
        chunk = rules.apply(chunk)
    if mapping:
        chunk = [_renamed(product, mapping) for product in chunk]
    return chunk


def _renamed(product: Product, mapping: dict[str, str]) -> Product:
    """The product with its direct children renamed by the export's element mapping (in place)."""
    for child in product.children:
        new = mapping.get(child.name)
        if new is not None:
            child.name = new
    return product


def process(
    source: Path,
    targets: list[ExportTarget],
    *,
    source_format: str | None = None,
    rules: RuleApplier | None = None,
    progress: Callable[[int], None] | None = None,
    check: Callable[[RunReport], None] | None = None,
    allow_empty: bool = False,
) -> RunReport:
    """Parse `source` once, apply `rules`, and write every target; targets change only if all succeed.
    `check` sees the finished report before any target is replaced; raising there replaces nothing.
    `allow_empty`: a well-formed feed without products (EmptyFeedError) writes each target as its
    envelope without products, and the report's `empty_source` says why, instead of raising."""
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        stack.enter_context(cyclic_gc_paused())  # from the first chunk on: GC running doubles the parse
        prepare_groups(rules, source, source_format)  # a first pass, only when the rules read group aggregates
        info, chunks, empty_source = _opened(source, source_format, allow_empty=allow_empty)
        report = RunReport(source_format=info.format, encoding=info.encoding, empty_source=empty_source)
        exports = [_opened_export(stack, target, info) for target in targets]
        for export in exports:
            export.writer.begin()
        for chunk in _counted(chunks, report, progress):
            kept = rules.apply(chunk) if rules is not None else chunk
            report.products_kept += len(kept)
            for export in exports:
                export.write(kept)
        for export in exports:
            export.finish()
            report.exports.append(export.report)
        if check is not None:
            check(report)
    for target, export in zip(targets, exports, strict=True):
        export.report.bytes = target.path.stat().st_size
    report.warnings = list(info.warnings)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _opened_export(stack: contextlib.ExitStack, target: ExportTarget, info: FeedInfo) -> _Export | _TemplateExport:
    """The export's writer on a temporary file that replaces the target when the stack closes without an error;
    binary for a template (it chooses the encoding), text for the built-in writers."""
    if target.template is None:
        return _Export(target, info, stack.enter_context(atomic_text(target.path)))
    handle = stack.enter_context(open(stack.enter_context(atomic_path(target.path)), "wb"))
    return _TemplateExport(target, target.template, handle)


def _opened(
    source: Path, source_format: str | None, *, allow_empty: bool
) -> tuple[FeedInfo, Iterator[list[Product]], str]:
    """(envelope, chunks, "") of the feed; a feed without products, when allowed: its envelope, no chunks, and
    why it is empty."""
    parser = open_feed(source, source_format)
    chunks = parser.chunks()
    try:
        first = next(chunks)  # fills parser.info, which the writers' envelopes need
    except EmptyFeedError as exc:
        if not allow_empty:
            raise
        return parser.info, iter(()), str(exc)
    return parser.info, chain([first], chunks), ""


def _counted(
    chunks: Iterator[list[Product]], report: RunReport, progress: Callable[[int], None] | None
) -> Iterator[list[Product]]:
    for chunk in chunks:
        report.products_in += len(chunk)
        if progress is not None:
            progress(report.products_in)
        yield chunk
