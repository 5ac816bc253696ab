"""Data file import: values from a CSV or XML file (path or URL), paired with products by a key element.

Validation checks the spec without touching the file; `prepare()` then reads it once per run
(before the first chunk), so a rules list reports every spec problem before any I/O happens.
The first column (or `key_column`) holds the key; every other column names an element whose value
the file sets. The run's counters report matched and unmatched products and duplicate file keys
(the first row of a duplicated key wins).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from feeds.errors import ConfigError, FeedError, QuerySyntaxError, SourceError, local_file_refused
from feeds.fetch import is_http, names_a_url, unsupported_source
from feeds.model import Product
from feeds.paths import ElementPath
from feeds.transforms.query import parse_path
from feeds.transforms.rules.base import RuleRun, SpecContext, SpecReader, write
from feeds.transforms.rules.download import download_text

MAX_DATA_FILE_BYTES = 25 * 1024 * 1024  # Mergado's upload limit
MAX_REPORTED_KEYS = 20


@dataclass(frozen=True, eq=False)
class DataTable:
    """The file's rows by folded key, the element each column writes, and the duplicated keys."""

    rows: dict[str, tuple[str, ...]]
    columns: tuple[ElementPath, ...]
    duplicates: tuple[str, ...] = ()
    finder: regex.Pattern[str] | None = None  # for "contains" matching: every key, longest first

    @classmethod
    def build(
        cls, header: list[str], records: list[list[str]], key_index: int, *, contains: bool
    ) -> DataTable:
        columns = [i for i in range(len(header)) if i != key_index]
        problems, paths = [], []
        for i in columns:
            try:
                paths.append(parse_path(header[i].strip()))
            except QuerySyntaxError as exc:
                problems.append(f"column {header[i]!r} is not an element path: {exc}")
        if problems:
            raise ConfigError(problems)
        rows: dict[str, tuple[str, ...]] = {}
        duplicates: list[str] = []
        for record in records:
            key = record[key_index].strip() if key_index < len(record) else ""
            if not key:
                continue
            if key.casefold() in rows:
                duplicates.append(key)
                continue
            rows[key.casefold()] = tuple(record[i] if i < len(record) else "" for i in columns)
        finder = None
        if contains and rows:
            alternatives = sorted(rows, key=len, reverse=True)
            finder = regex.compile("|".join(regex.escape(k) for k in alternatives), regex.IGNORECASE)
        return cls(rows, tuple(paths), tuple(duplicates), finder)

    def find(self, key: str) -> tuple[str, ...] | None:
        """The row for a product's key value (exact, or the longest file key it contains)."""
        if self.finder is None:
            return self.rows.get(key.strip().casefold())
        match = self.finder.search(key)
        return self.rows.get(match.group().casefold()) if match else None


def with_absolute_data_files(rules: list[dict[str, Any]], base_dir: Path) -> list[dict[str, Any]]:
    """The rules with every `data_import` file named by a relative path made absolute against `base_dir`.

    Why: a rules file names its data files relative to itself, but a project saves only the rules;
    its scheduled runs start in another folder, where the relative path finds nothing (or another file).
    A rule's `else` part may name a file of its own.
    """
    out = []
    for rule in rules:
        if _is_data_import(rule):
            rule = _absolute_source(rule, base_dir)
            if isinstance(rule.get("else"), dict):
                rule = {**rule, "else": _absolute_source(rule["else"], base_dir)}
        out.append(rule)
    return out


def local_data_files(rules: list[dict[str, Any]]) -> list[Path]:
    """The data files the rules name by a path on this machine (a project run reads them only if allowed)."""
    found = []
    for rule in rules:
        if _is_data_import(rule):
            parts = [rule, rule["else"]] if isinstance(rule.get("else"), dict) else [rule]
            found += [path for part in parts if (path := _local_file(part.get("source"))) is not None]
    return found


def _is_data_import(rule: Any) -> bool:
    return isinstance(rule, dict) and rule.get("type") == "data_import"


def _absolute_source(part: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    path = _local_file(part.get("source"))
    if path is None:
        return part
    absolute = str(path if path.is_absolute() else (base_dir / path).resolve())
    return part if absolute == part["source"] else {**part, "source": absolute}


def _local_file(source: Any) -> Path | None:
    """The path a data file source names, `~` expanded; None for a URL (any scheme) or no usable text.

    A path with a NUL is None too: no file has such a name, and rule validation refuses it.
    """
    if not isinstance(source, str) or not source.strip() or "\x00" in source or names_a_url(source.strip()):
        return None
    try:
        return Path(source.strip()).expanduser()
    except RuntimeError:  # ~someone who has no home here: an ordinary folder name, as the run reads it
        return Path(source.strip())


@dataclass(frozen=True)
class DataImportRule:
    """`data_import`: set elements from a data file matched by key; empty cells keep old values."""

    source: str
    key: ElementPath
    key_column: str | None
    contains: bool
    delimiter: str | None
    empty_clears: bool
    table: DataTable | None = field(default=None)
    match_input: bool = False  # Mergado's match_by_input_values: match on the key as the feed had it

    @classmethod
    def from_spec(cls, r: SpecReader) -> DataImportRule:
        source = r.text("source")
        if not source.strip() or "\x00" in source or unsupported_source(source.strip()):
            r.problem("source", "must be a file path or an http(s) URL")
        key = r.path("key")
        key_column = r.text("key_column", None) or None
        contains = r.choice("match", ("exact", "contains"), "exact") == "contains"
        delimiter = r.choice("delimiter", ("", ",", ";", "|", "\t"), "") or None
        r.choice("format", ("", "csv", "xml"), "")
        return cls(source.strip(), key, key_column, contains, delimiter, r.boolean("empty_clears", False),
                   match_input=r.boolean("match_by_input_values", False))

    @property
    def input_key(self) -> ElementPath | None:
        """The path whose input value (before any rule) the engine keeps for this rule, if it matches on it."""
        return self.key if self.match_input else None

    def prepare(self, ctx: SpecContext) -> DataImportRule:
        """Read the file once; SourceError (or TransientFeedError) when it cannot be read."""
        text = self._read(ctx)
        header, records = _parse_table(text, self.delimiter)
        if not header:
            raise SourceError(f"data file {self.source!r} is empty")
        key_column = self.key_column or header[0]
        if key_column not in header:
            raise ConfigError([f"data file {self.source!r} has no column {key_column!r} (columns: {header})"])
        table = DataTable.build(header, records, header.index(key_column), contains=self.contains)
        return dataclasses.replace(self, table=table)

    def _read(self, ctx: SpecContext) -> str:
        if is_http(self.source):
            return download_text(
                self.source, allow_private=ctx.allow_private_urls, max_bytes=MAX_DATA_FILE_BYTES
            )
        if not ctx.allow_local_files:
            raise local_file_refused("data file", self.source)
        path = Path(self.source)
        path = path if path.is_absolute() else ctx.base_dir / path
        try:
            if path.exists() and not path.is_file():  # a pipe or a device would block or never end
                raise SourceError(f"data file {str(path)!r} is not a regular file")
            with open(path, "rb") as handle:
                data = handle.read(MAX_DATA_FILE_BYTES + 1)
            if len(data) > MAX_DATA_FILE_BYTES:
                raise SourceError(f"data file {str(path)!r} is larger than {MAX_DATA_FILE_BYTES} bytes")
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError(f"data file {str(path)!r} is not UTF-8", hint="save it as UTF-8") from exc
        except OSError as exc:
            raise SourceError(f"cannot read data file {str(path)!r}: {exc.strerror}") from exc

    def apply(self, products: list[Product], run: RuleRun) -> None:
        """Write the matched row's values; count matched and unmatched products."""
        if self.table is None:
            raise FeedError("data_import rule used before prepare()")
        extra = run.stats.extra
        extra.setdefault("duplicate_keys", list(self.table.duplicates[:MAX_REPORTED_KEYS]))
        inputs = run.inputs
        for product in products:
            key = inputs.get(id(product), "") if inputs is not None else self.key.first(product)
            row = self.table.find(key)
            counter = "matched" if row is not None else "unmatched"
            extra[counter] = extra.get(counter, 0) + 1
            if row is not None and self._write(product, row):
                run.changed(product)

    def _write(self, product: Product, row: tuple[str, ...]) -> bool:
        changed = False
        assert self.table is not None
        for path, value in zip(self.table.columns, row, strict=True):
            if value.strip() or self.empty_clears:
                changed = write(path, product, value.strip()) or changed
        return changed


def _parse_table(text: str, delimiter: str | None) -> tuple[list[str], list[list[str]]]:
    if text.lstrip().startswith("<"):
        return _parse_xml(text)
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "|", "\t"), key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    return (rows[0], rows[1:]) if rows else ([], [])


def _parse_xml(text: str) -> tuple[list[str], list[list[str]]]:
    """An XML data file: each repeating item is a row, its direct children the columns."""
    import tempfile

    from feeds.parsers import open_feed

    with tempfile.NamedTemporaryFile("wb", suffix=".xml") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        products = [p for chunk in open_feed(Path(handle.name), "xml").chunks() for p in chunk]
    header: list[str] = []
    for product in products:
        header.extend(child.name for child in product.children if child.name not in header)
    return header, [[product.get(name) for name in header] for product in products]
