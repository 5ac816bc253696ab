"""RuleSet: a whole rule list validated at once, compiled once, applied chunk by chunk.

Order of work: validate every variable, saved query and rule (collecting every problem) ->
raise one ConfigError listing them all -> only then I/O (data files) -> apply per chunk.
Rules run in list order, each seeing what earlier rules wrote; hide rules run after all others
whatever their place in the list, and a hidden product gets no further rules.
A rule set whose rules read item-group aggregates needs one pass over the feed first
(`prepare_groups`; why and what it sees: feeds.transforms.groups).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds.errors import ConfigError, QuerySyntaxError, RuleError
from feeds.model import Product
from feeds.paths import ElementPath
from feeds.transforms.failure import ProductFailure
from feeds.transforms.groups import GroupAggregates, GroupsNotPrepared
from feeds.transforms.query import Query, parse_path
from feeds.transforms.rules.base import (
    ProductError,
    Rule,
    RuleRun,
    RuleStats,
    SpecContext,
    SpecProblems,
    SpecReader,
)
from feeds.transforms.rules.registry import HIDING, RULE_TYPES
from feeds.transforms.safe_regex import PatternError
from feeds.transforms.template import Variable

COMMON_FIELDS = ("type", "name", "enabled", "query", "queries", "else", "id", "comment")
# A rule's time per run: 30 s plus 1 ms per product it saw. A sound rule costs microseconds a product,
# so it never comes near; a pattern that backtracks into its 50 ms timeout on every value does, after
# about 600 products, instead of costing 85 minutes over 100,000. It then stops for the rest of the run.
RULE_BUDGET_S = 30.0
RULE_BUDGET_PER_PRODUCT_S = 0.001
MAX_STORED_ERRORS = 1000
BATCH = 256  # products per slice in RuleSet.apply (64, 256 and 1000 measured alike, all ahead of whole chunks)


@dataclass(frozen=True, eq=False)
class BoundRule:
    """One enabled rule with its selection: `queries` (any of them; none = all products) and an ELSE rule."""

    index: int  # 1-based position in the user's list
    type: str
    name: str
    rule: Rule
    queries: tuple[Query, ...] = ()
    else_rule: Rule | None = None
    uses_groups: bool = False  # reads item-group aggregates (in its values or queries)

    @property
    def query_text(self) -> str:
        """The selection as the user wrote it, for traces."""
        return " OR ".join(f"({q.text})" for q in self.queries) if self.queries else "all products"


class RuleSet:
    """A validated, compiled rule list; `apply(chunk)` returns the products that stay visible."""

    def __init__(self, rules: list[BoundRule], groups: GroupAggregates | None = None) -> None:
        self.rules = [r for r in rules if r.type != HIDING] + [r for r in rules if r.type == HIDING]
        self.groups = groups if groups is not None else GroupAggregates(parse_path=parse_path)
        self.uses_groups = any(r.uses_groups for r in self.rules)
        self.stats = [RuleStats(r.index, r.type, r.name) for r in self.rules]
        self._stats_by_rule = {id(r): s for r, s in zip(self.rules, self.stats, strict=True)}
        self.errors: list[ProductError] = []
        self.error_count = 0
        self.hidden_count = 0
        self.cpu_seconds: list[float] | None = None  # per rule, in self.rules order, when a caller sets zeros
        self.budget_s, self.budget_per_product_s = RULE_BUDGET_S, RULE_BUDGET_PER_PRODUCT_S
        # rules that match on input values (data_import's match_by_input_values) and those values per chunk
        self._input_keys = {id(r): key for r in self.rules if (key := getattr(r.rule, "input_key", None)) is not None}
        self._inputs: dict[int, dict[int, str]] = {}
        self._position = {id(r): i for i, r in enumerate(self.rules)}

    @classmethod
    def from_file(cls, path: Path, *, allow_private_urls: bool = False) -> RuleSet:
        """A JSON file: a list of rules, or {"rules": [...], "queries": {...}, "variables": {...}}."""
        data = read_rules_file(path)
        return cls.from_spec(
            rules=data.get("rules", []),
            queries=data.get("queries", {}),
            variables=data.get("variables", {}),
            group_by=data.get("group_by"),
            base_dir=Path(path).parent,
            allow_private_urls=allow_private_urls,
        )

    @classmethod
    def from_spec(
        cls,
        rules: list[dict[str, Any]],
        queries: dict[str, str] | None = None,
        variables: dict[str, Any] | None = None,
        *,
        group_by: str | None = None,
        base_dir: Path | None = None,
        allow_private_urls: bool = False,
        allow_local_files: bool = True,
        allow_groups: bool = True,
    ) -> RuleSet:
        """Validate everything (raising one ConfigError with every problem), then prepare data files.

        `group_by` is the element path of the item-group key for GROUP_* aggregates (default: the
        product's ITEMGROUP_ID, else g:item_group_id, else item_group_id). An export's own rules run
        after the shared ones on copies, with no group pass of their own: `allow_groups=False`.
        """
        base = SpecContext(
            base_dir=base_dir or Path("."), allow_private_urls=allow_private_urls, allow_local_files=allow_local_files
        )
        bound, ctx = _bound(rules, queries, variables, group_by, base, allow_groups=allow_groups)
        return cls([_prepared(b, ctx) for b in bound], ctx.groups)

    @staticmethod
    def check_spec(
        rules: list[dict[str, Any]],
        queries: dict[str, str] | None = None,
        variables: dict[str, Any] | None = None,
        *,
        group_by: str | None = None,
        allow_groups: bool = True,
    ) -> None:
        """Raise one ConfigError with every problem, as `from_spec` does, without reading any data file.

        What a save checks first: it must not depend on a data file's server being up, nor read a
        large file under a lock; a run prepares the rules and names a data file it cannot read.
        """
        _bound(rules, queries, variables, group_by, SpecContext(), allow_groups=allow_groups)

    def prepare_groups(self, chunks: Iterable[list[Product]]) -> None:
        """The group pass: run the rules above the first rule reading aggregates, then aggregate per group.

        `chunks` is a fresh parse of the same feed; its products are changed and dropped. The rules
        run here on a RuleSet of their own, so this pass counts nothing in `stats` or `errors`.
        """
        first = next((i for i, r in enumerate(self.rules) if r.uses_groups), None)
        if first is None:
            return
        before = RuleSet(self.rules[:first])
        self.groups.collect(before.apply(chunk) for chunk in chunks)

    def apply(self, chunk: list[Product]) -> list[Product]:
        """Apply every rule to the chunk in place; return the products not hidden.

        The rules run over slices of BATCH products, all rules on one slice before the next: a product's
        elements are then still in the CPU cache for the next rule (measured: a pass of every rule over
        a whole chunk of 2000 products re-reads each product from memory, 3x slower per element lookup).
        A product sees the rules in the same order either way, and per-product errors are recorded in
        the order a whole-chunk pass gives (rule by rule, products in order).
        """
        if self.uses_groups and not self.groups.ready:
            raise GroupsNotPrepared("the rules read item-group aggregates: call prepare_groups() before apply()")
        hidden: dict[int, int] = {}
        errors: list[list[ProductError]] = [[] for _ in self.rules]
        self.capture_inputs(chunk)
        for start in range(0, len(chunk), BATCH):
            part = chunk[start : start + BATCH]
            for bound, found in zip(self.rules, errors, strict=True):
                live = [p for p in part if id(p) not in hidden] if hidden else part
                self._run(bound, live, hidden, found.append)
        for found in errors:
            for error in found:
                self._record(error)
        self.hidden_count += len(hidden)
        return [p for p in chunk if id(p) not in hidden] if hidden else chunk

    def capture_inputs(self, products: list[Product]) -> None:
        """Keep, before any rule runs, the key values the rules matching on input values will read."""
        if self._input_keys:
            self._inputs = {rule: {id(p): key.first(p) for p in products} for rule, key in self._input_keys.items()}

    def run_rule(self, bound: BoundRule, products: list[Product], hidden: dict[int, int]) -> None:
        """One rule over some products (trace and preview call this too: there is one engine)."""
        self._run(bound, products, hidden, self._record)

    def _run(
        self,
        bound: BoundRule,
        products: list[Product],
        hidden: dict[int, int],
        record: Callable[[ProductError], None],
    ) -> None:
        stats = self._stats_by_rule[id(bound)]
        if stats.stopped:
            stats.not_run += len(products)
            return
        # bench/bench_rules.py sets cpu_seconds: CPU time per rule, queries included
        start = time.process_time() if self.cpu_seconds is not None else 0.0
        started = time.perf_counter()  # once per slice of BATCH products: nothing next to the rule's work
        run = RuleRun(stats, record, hidden, self._inputs.get(id(bound)))
        try:
            selected, others = self._select(bound, products, run)
            stats.selected += len(selected)
            if selected:
                bound.rule.apply(selected, run)
            if bound.else_rule is not None and others:
                bound.else_rule.apply(others, run)
        finally:
            if self.cpu_seconds is not None:
                self.cpu_seconds[self._position[id(bound)]] += time.process_time() - start
            self._spend(stats, time.perf_counter() - started, len(products))

    def _spend(self, stats: RuleStats, seconds: float, products: int) -> None:
        """Charge a slice's time to the rule; past its budget it stops for the rest of the run."""
        stats.seconds += seconds
        stats.seen += products
        if stats.seconds > self.budget_s + stats.seen * self.budget_per_product_s:
            stats.stopped = (f"stopped after {stats.seconds:.1f} s on {stats.seen} products, past its budget of "
                             f"{self.budget_s:g} s + {self.budget_per_product_s * 1000:g} ms a product; "
                             "it did not run on the rest of this run (a slow regular expression?)")

    def _select(
        self, bound: BoundRule, products: list[Product], run: RuleRun
    ) -> tuple[list[Product], list[Product]]:
        if not bound.queries:
            return products, []
        selected: list[Product] = []
        others: list[Product] = []
        predicates = [q.predicate for q in bound.queries]
        only = predicates[0] if len(predicates) == 1 else None
        for product in products:
            try:
                if only is not None:
                    chosen = only(product, 0)  # Query.matches, without the call and the generator
                else:
                    chosen = any(predicate(product, 0) for predicate in predicates)
            except ProductFailure as exc:
                run.failed(product, f"query: {exc.reason}")
                continue
            (selected if chosen else others).append(product)
        return selected, others

    def summary(self, *, first: int = 3) -> list[str]:
        """One line per rule (selected, changed, errors), each error line after it for its first `first`
        errors kept: what a pass's user must see, since a failing product keeps its values silently."""
        lines = []
        for stats in self.stats:
            name = f" {stats.name!r}" if stats.name else ""
            lines.append(f"rule {stats.index} ({stats.type}{name}): {stats.selected} selected, {stats.changed} "
                         f"changed, {stats.errors} errors")
            if stats.stopped:
                lines.append(f"  {stats.stopped}; {stats.not_run} products not run")
            kept = [error for error in self.errors if error.rule_index == stats.index][:first]
            lines.extend(f"  product {error.product_id or '?'}: {error.reason}" for error in kept)
        return lines

    def _record(self, error: ProductError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(error)

    def __iter__(self) -> Iterator[BoundRule]:
        return iter(self.rules)


def _variables(specs: dict[str, Any], problems: list[str]) -> dict[str, Variable]:
    compiled = {}
    if not isinstance(specs, dict):
        problems.append("variables must be an object of name -> element or {element, regex, group}")
        return {}
    for name, spec in specs.items():
        try:
            compiled[name] = Variable.from_spec(name, spec)
        except (ValueError, QuerySyntaxError, PatternError) as exc:
            problems.append(f"variable {name!r}: {exc}")
    return compiled


def _group_key(text: Any, problems: list[str]) -> ElementPath | None:
    if text is None:
        return None
    if not isinstance(text, str):
        problems.append(f"group_by: must be an element path such as ITEMGROUP_ID, not {type(text).__name__}")
        return None
    try:
        return parse_path(text)
    except QuerySyntaxError as exc:
        problems.append(f"group_by: {exc}")
        return None


def _queries(specs: dict[str, str], groups: GroupAggregates, problems: list[str]) -> dict[str, Query]:
    compiled = {}
    if not isinstance(specs, dict):
        problems.append("queries must be an object of name -> MQL text")
        return {}
    for name, text in specs.items():
        try:
            compiled[name] = Query.parse(text if isinstance(text, str) else "", groups)
        except QuerySyntaxError as exc:
            problems.append(f"query {name!r}: {exc}")
    return compiled


def read_rules_file(path: Path) -> dict[str, Any]:
    """A rules file's JSON as {"rules": [...], "queries": ..., "variables": ..., "group_by": ...} (keys optional)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"cannot read rules file {str(path)!r}: {exc.strerror}"]) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"rules file {str(path)!r} is not valid JSON: {exc}"]) from exc
    except RecursionError:  # Python's JSON reader recurses once per [ or {
        raise ConfigError([f"rules file {str(path)!r} nests lists or objects too deep to read"]) from None
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, dict) or not set(data) <= {"rules", "queries", "variables", "group_by"}:
        raise ConfigError(["a rules file holds a list of rules or an object with rules, queries, variables, group_by"])
    return data


def _bound(
    rules: Any, queries: dict[str, str] | None, variables: dict[str, Any] | None, group_by: str | None,
    base: SpecContext, *, allow_groups: bool = True,
) -> tuple[list[BoundRule], SpecContext]:
    """Every rule validated and bound (ConfigError with every problem), and the context they were bound in."""
    problems: list[str] = []
    groups = GroupAggregates(_group_key(group_by, problems), parse_path=parse_path)
    compiled_variables = _variables(variables or {}, problems)
    compiled_queries = _queries(queries or {}, groups, problems)
    ctx = dataclasses.replace(base, variables=compiled_variables, queries=compiled_queries, groups=groups)
    if not isinstance(rules, list):
        problems.append("rules must be a list")
        rules = []
    bound = [b for i, spec in enumerate(rules, 1) if (b := _bind(i, spec, ctx, problems)) is not None]
    if not allow_groups:
        problems += [str(RuleError(b.index, b.type, "group functions (GROUP_*) work in the project's shared "
                                                   "rules only")) for b in bound if b.uses_groups]
    if problems:
        raise ConfigError(problems)
    return bound, ctx


def _bind(index: int, spec: Any, ctx: SpecContext, problems: list[str]) -> BoundRule | None:
    if not isinstance(spec, dict):
        problems.append(str(RuleError(index, "", "must be an object")))
        return None
    rule_type = spec.get("type")
    if rule_type not in RULE_TYPES:
        known = ", ".join(RULE_TYPES)
        problems.append(
            str(RuleError(index, str(rule_type or ""), f"unknown rule type; known types: {known}"))
        )
        return None
    local: list[str] = []
    reader = SpecReader(spec, ctx, "", local)
    group_requests = ctx.groups.requests
    for name in COMMON_FIELDS:
        reader.raw(name, None)
    rule = _compile(RULE_TYPES[rule_type], {k: v for k, v in spec.items() if k not in COMMON_FIELDS}, reader)
    enabled = reader.boolean("enabled", True)
    queries = _selection(spec, reader)
    else_rule = _else(rule_type, spec, reader, queries)
    problems.extend(str(RuleError(index, rule_type, problem)) for problem in local)
    if local or not enabled or rule is None:
        return None
    uses_groups = ctx.groups.requests > group_requests
    return BoundRule(index, rule_type, str(spec.get("name", "")), rule, queries, else_rule, uses_groups)


def _compile(rule_type: Any, spec: dict[str, Any], parent: SpecReader, where: str = "") -> Rule | None:
    reader = SpecReader(spec, parent.ctx, where, parent.problems)
    try:
        rule = rule_type.from_spec(reader)
        reader.finish()
    except SpecProblems:
        return None
    return rule  # type: ignore[no-any-return]


def _selection(spec: dict[str, Any], reader: SpecReader) -> tuple[Query, ...]:
    queries = []
    if spec.get("query") not in (None, ""):
        queries.append(reader.query("query"))
    names = spec.get("queries") or []
    if not isinstance(names, list):
        reader.problem("queries", "must be a list of saved query names")
        names = []
    for name in names:
        if name not in reader.ctx.queries:
            reader.problem("queries", f"no saved query called {name!r}")
        else:
            queries.append(reader.ctx.saved_query(name))
    return tuple(queries)


def _else(
    rule_type: str, spec: dict[str, Any], reader: SpecReader, queries: tuple[Query, ...]
) -> Rule | None:
    overrides = spec.get("else")
    if overrides is None:
        return None
    if not isinstance(overrides, dict) or rule_type == HIDING or not queries:
        reader.problem("else", "must be an object of fields, on a rule with a query (not on hiding)")
        return None
    merged = {k: v for k, v in spec.items() if k not in COMMON_FIELDS} | overrides
    return _compile(RULE_TYPES[rule_type], merged, reader, "else.")


def _prepared(bound: BoundRule, ctx: SpecContext) -> BoundRule:
    """Let rules that need I/O (data files) do it, after the whole list validated; an `else` part too."""
    try:
        rule, else_rule = _prepare(bound.rule, ctx), _prepare(bound.else_rule, ctx)
    except ConfigError as exc:
        raise ConfigError([str(RuleError(bound.index, bound.type, p)) for p in exc.problems]) from exc
    return dataclasses.replace(bound, rule=rule, else_rule=else_rule)


def _prepare(rule: Any, ctx: SpecContext) -> Any:
    prepare = getattr(rule, "prepare", None)
    return rule if prepare is None else prepare(ctx)
