"""What every rule type shares: reading its spec, the run it reports to, and safe writes.

A rule type is a frozen dataclass with `from_spec(reader)` (validation, compiling paths, regexes,
templates) and `apply(products, run)` over the products its query selected. Most rules work
product by product (`PerProductRule`), which measured faster than a columnar form once frame
conversion is counted (ARCHITECTURE.md, "Fast"); a rule may choose otherwise inside its `apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from feeds.errors import QuerySyntaxError
from feeds.model import Product, product_id
from feeds.paths import ElementPath
from feeds.transforms.failure import ProductFailure
from feeds.transforms.groups import GroupAggregates
from feeds.transforms.plain import Slot
from feeds.transforms.query import Query, parse_path
from feeds.transforms.safe_regex import PatternError, SafePattern, compile_pattern
from feeds.transforms.template import Template, Variable

MAX_VALUE_CHARS = 100_000
MAX_ROWS = 50_000
_MISSING: Any = object()


@dataclass
class RuleStats:
    """Counters of one rule over a whole run."""

    index: int
    type: str
    name: str
    selected: int = 0
    changed: int = 0
    errors: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    seen: int = 0  # products the rule was given (selected or not)
    seconds: float = 0.0  # wall time spent in the rule, its queries included
    stopped: str = ""  # why the rule stopped before the end of the run (its time budget), if it did
    not_run: int = 0  # products it did not see because it had stopped


@dataclass(frozen=True)
class ProductError:
    """One product that one rule could not process; the product kept its previous values."""

    product_id: str
    line: int | None
    rule_index: int
    rule_type: str
    reason: str

    def __str__(self) -> str:
        return f"product {self.product_id or '?'}: rule {self.rule_index} ({self.rule_type}): {self.reason}"


class RuleRun:
    """What a rule reports to while it runs over one chunk."""

    def __init__(
        self, stats: RuleStats, errors: Callable[[ProductError], None], hidden: dict[int, int],
        inputs: dict[int, str] | None = None,
    ) -> None:
        self.stats = stats
        self._errors = errors
        self.hidden = hidden  # id(product) -> index of the hiding rule
        self.inputs = inputs  # id(product) -> the rule's key as the feed had it, for rules matching on input

    def changed(self, product: Product) -> None:
        """Count one product this rule changed."""
        self.stats.changed += 1

    def changed_many(self, count: int) -> None:
        """Count several changed products at once (per-product loops count locally: one call per chunk)."""
        self.stats.changed += count

    def failed(self, product: Product, reason: str) -> None:
        """Record a per-product error (the rule must not have written a partial value)."""
        self.stats.errors += 1
        error = ProductError(product_id(product), product.line, self.stats.index, self.stats.type, reason)
        self._errors(error)

    def hide(self, product: Product) -> None:
        """Drop the product from the output; later rules skip it."""
        self.hidden.setdefault(id(product), self.stats.index)


class Rule(Protocol):
    """The interface of every rule type."""

    def apply(self, products: list[Product], run: RuleRun) -> None: ...


class PerProductRule:
    """Mixin: `apply` loops over the products and calls `apply_one`, which returns whether it changed one."""

    def apply(self, products: list[Product], run: RuleRun) -> None:
        """Apply to each product; a ProductFailure becomes that product's error."""
        apply_one = self.apply_one
        changed = 0
        for product in products:
            try:
                if apply_one(product):
                    changed += 1
            except ProductFailure as exc:
                run.failed(product, exc.reason)
        run.changed_many(changed)

    def apply_one(self, product: Product) -> bool:
        """Change one product; True if anything changed."""
        raise NotImplementedError


def checked(value: str) -> str:
    """Refuse a value above the per-value size limit, so no rule can blow up an export."""
    if len(value) > MAX_VALUE_CHARS:
        raise too_long(value)
    return value


def too_long(value: str) -> ProductFailure:
    """The error for a value above the size limit."""
    return ProductFailure(f"the new value has {len(value)} characters, more than the limit of {MAX_VALUE_CHARS}")


def write(path: ElementPath | Slot, product: Product, value: str) -> bool:
    """Write a value through a path, within the size limit: every value of a repeated element becomes it
    (Slot.set_all), as a Mergado rule "writes all values"."""
    if len(value) > MAX_VALUE_CHARS:
        raise too_long(value)
    return (path if isinstance(path, Slot) else Slot(path)).set_all(product, value)


def rewrite_each(path: ElementPath | Slot, product: Product, change: Callable[[str], str]) -> bool:
    """Rewrite every value of the path, each within the size limit (checked even when unchanged)."""
    name = path.name if isinstance(path, Slot) else None
    if name is None:
        return path.transform(product, lambda value: checked(change(value)))
    changed = False
    for child in product.children:  # plain path: ElementPath.transform without the walk and the lambda
        if child.name == name:
            new = change(child.text)
            if len(new) > MAX_VALUE_CHARS:
                raise too_long(new)
            if new != child.text:
                child.text = new
                changed = True
    return changed


class SpecProblems(Exception):
    """All problems of one rule spec (internal: the engine turns them into RuleErrors)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SpecContext:
    """What rule specs may refer to: named variables, saved queries, where data files live."""

    variables: dict[str, Variable] = field(default_factory=dict)
    queries: dict[str, Query] = field(default_factory=dict)
    base_dir: Path = Path(".")
    allow_private_urls: bool = False
    groups: GroupAggregates = field(  # what templates and queries aggregate
        default_factory=lambda: GroupAggregates(parse_path=parse_path))
    allow_local_files: bool = True  # data files given as paths; project runs follow FEEDHUB_ALLOW_LOCAL_SOURCES

    def saved_query(self, name: str) -> Query:
        """A saved query by name; one reading group aggregates counts as a use by the rule referring to it."""
        query = self.queries[name]
        if query.uses_groups:
            self.groups.note_use()
        return query


class SpecReader:
    """Reads one rule's JSON fields, collecting every problem instead of stopping at the first."""

    def __init__(
        self, spec: dict[str, Any], ctx: SpecContext, where: str = "", problems: list[str] | None = None
    ):
        self.spec = spec
        self.ctx = ctx
        self.where = where
        self.problems: list[str] = problems if problems is not None else []
        self._used: set[str] = set()
        self._children: list[SpecReader] = []

    def problem(self, key: str, reason: str) -> None:
        """Record a problem with one field."""
        self.problems.append(f"{self.where}{key}: {reason}")

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        """The field as given, or the default; a required field that is missing is a problem."""
        self._used.add(key)
        if key in self.spec:
            return self.spec[key]
        if default is _MISSING:
            self.problem(key, "is required")
        return default

    def text(self, key: str, default: Any = _MISSING) -> str:
        """A string field (numbers are accepted and turned into text)."""
        value = self.raw(key, default)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if value is not None and not isinstance(value, str):
            self.problem(key, f"must be text, not {type(value).__name__}")
            return ""
        return value if value is not None else ""

    def path(self, key: str, default: Any = _MISSING) -> ElementPath:
        """An element path field, parsed now."""
        text = self.text(key, default)
        try:
            return parse_path(text)
        except QuerySyntaxError as exc:
            self.problem(key, str(exc))
            return parse_path("_")

    def slot(self, key: str, default: Any = _MISSING) -> Slot:
        """An element path field, parsed now, with the plain-path fast path chosen now."""
        return Slot(self.path(key, default))

    def template(self, key: str, default: Any = _MISSING) -> Template:
        """A value with `%ELEMENT%` / `%variable%` placeholders."""
        text = self.text(key, default)
        try:
            return Template.parse(text, self.ctx.variables, self.ctx.groups)
        except (QuerySyntaxError, ValueError) as exc:
            self.problem(key, str(exc))
            return Template.parse("", {})

    def pattern(self, key: str, *, ignore_case: bool = False, default: Any = _MISSING) -> SafePattern:
        """A regular expression, compiled now so a refused pattern is reported when the rule is saved."""
        text = self.text(key, default)
        try:
            return compile_pattern(text, ignore_case=ignore_case)
        except PatternError as exc:
            self.problem(key, str(exc))
            return compile_pattern("")

    def decimal(self, key: str, default: Any = _MISSING) -> Decimal:
        """An exact number field."""
        value = self.raw(key, default)
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            self.problem(key, f"must be a number, not {value!r}")
            return Decimal(0)
        if not number.is_finite():
            self.problem(key, "must be a finite number")
            return Decimal(0)
        return number

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int | None = None) -> int:
        """A whole-number field, optionally bounded below."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"must be a whole number, not {value!r}")
            return minimum or 0
        if minimum is not None and value < minimum:
            self.problem(key, f"must be at least {minimum}")
        return value

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        """A true/false field."""
        value = self.raw(key, default)
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {value!r}")
            return False
        return value

    def choice(self, key: str, options: tuple[str, ...], default: Any = _MISSING) -> str:
        """One of a fixed set of words."""
        value = self.text(key, default)
        if value not in options:
            self.problem(key, f"must be one of {', '.join(options)}, not {value!r}")
            return options[0]
        return value

    def query(self, key: str, default: Any = _MISSING) -> Query:
        """An MQL query, or the name of a saved query."""
        text = self.text(key, default)
        if text in self.ctx.queries:
            return self.ctx.saved_query(text)
        try:
            return Query.parse(text, self.ctx.groups)
        except QuerySyntaxError as exc:
            self.problem(key, str(exc))
            return Query.parse("")

    def rows(self, key: str, *, shorthand: tuple[str, ...] = ()) -> list[SpecReader]:
        """A list of row objects; with `shorthand`, those top-level fields form a single row instead."""
        if key not in self.spec and shorthand and any(name in self.spec for name in shorthand):
            single = {name: self.spec[name] for name in shorthand if name in self.spec}
            self._used.update(single)
            return [self._child(single, "")]
        value = self.raw(key)
        if not isinstance(value, list) or not value:
            if value is not None:
                self.problem(key, "must be a non-empty list of rows")
            return []
        if len(value) > MAX_ROWS:
            self.problem(key, f"has {len(value)} rows, more than {MAX_ROWS}")
        readers = []
        for number, row in enumerate(value):
            if not isinstance(row, dict):
                self.problem(f"{key}[{number}]", "must be an object")
                continue
            readers.append(self._child(row, f"{key}[{number}]."))
        return readers

    def _child(self, spec: dict[str, Any], where: str) -> SpecReader:
        child = SpecReader(spec, self.ctx, self.where + where, self.problems)
        self._children.append(child)
        return child

    def finish(self) -> None:
        """Report unknown fields (typos) and raise if anything was wrong."""
        self._unknown()
        if self.problems:
            raise SpecProblems(self.problems)

    def _unknown(self) -> None:
        for key in self.spec:
            if key not in self._used:
                self.problem(key, "is not a field of this rule type")
        for child in self._children:
            child._unknown()
