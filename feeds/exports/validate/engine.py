"""Runs a format's rules over one product: required elements, lengths, counts, value checks, groups.

Rules are data (`FieldRule`, `GroupRule`, `FormatRules`), so each format's requirements read as a
table in feeds/channels/rules.py and the per-product work is one pass to index the children plus the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from feeds.exports.validate.checks import Check
from feeds.exports.validate.quick import Leaf, Level, Values, counted, value_test
from feeds.exports.validate.seen import SeenKeys
from feeds.model import Element, Product

DUPLICATE = "duplicate "
"""How a duplicate-id problem begins: the pipeline lists those per id with their lines."""


@dataclass(frozen=True)
class FieldRule:
    """One element: its names (alternatives, first present wins), whether required, limits and checks."""

    label: str
    names: tuple[str, ...] = ()
    required: bool = False
    max_len: int | None = None
    max_count: int | None = None
    checks: tuple[Check, ...] = ()

    def element_names(self) -> tuple[str, ...]:
        """The names to look for: the label itself unless alternatives are given."""
        return self.names or (self.label,)


@dataclass(frozen=True)
class GroupRule:
    """A repeated element with children (DELIVERY, PARAM, g:shipping), checked child by child."""

    name: str
    fields: tuple[FieldRule, ...]
    required: bool = False
    max_count: int | None = None


@dataclass(frozen=True)
class CrossCheck:
    """A check across elements (availability needs availability_date); `reads` names the elements it looks at."""

    reads: tuple[str, ...]
    check: Callable[[Values], list[str]]


@dataclass(frozen=True)
class FormatRules:
    """Everything one target format requires of a product."""

    id_label: str
    fields: tuple[FieldRule, ...]
    groups: tuple[GroupRule, ...] = ()
    cross: tuple[CrossCheck, ...] = ()


RuleRun = Callable[[Values, list[str]], None]
"""A compiled field rule: appends the problems of one product's indexed values."""


def index_values(children: list[Element]) -> tuple[Values, dict[str, list[Element]]]:
    """Non-empty values by element name, and elements with children by name, in one pass.

    A value is the element's trimmed text, or an Atom link's href. The hot loop of validation (once
    per element of every product): written inline, and a list is only allocated for a name's first value.
    """
    values: Values = {}
    nested: dict[str, list[Element]] = {}
    for child in children:
        if child.children:
            found = nested.get(child.name)
            if found is None:
                nested[child.name] = [child]
            else:
                found.append(child)
            continue
        value = child.text.strip()
        if not value and child.attrs:
            value = child.attrs.get("href", "").strip()
        if value:
            texts = values.get(child.name)
            if texts is None:
                values[child.name] = [value]
            else:
                texts.append(value)
    return values, nested


def compile_rule(rule: FieldRule) -> RuleRun:
    """The rule as a closure: names, limits and messages resolved once, not once per product."""
    names, label, checks = rule.element_names(), rule.label, rule.checks
    missing = f"missing {rule.label}" if rule.required else ""
    max_count = rule.max_count if rule.max_count is not None else -1
    max_len = rule.max_len if rule.max_len is not None else -1
    too_many = f"more than {rule.max_count} {label}"
    too_long = f"{label} longer than {rule.max_len} characters"

    def run(values: Values, problems: list[str]) -> None:
        found = _first_found(values, names)
        if not found:
            if missing:
                problems.append(missing)
            return
        if max_count >= 0 and len(found) > max_count:
            problems.append(too_many)
        for value in found:
            if max_len >= 0 and len(value) > max_len:
                problems.append(too_long)
            for check in checks:
                problem = check(label, value)
                if problem:
                    problems.append(problem)

    return run


def _first_found(values: Values, names: tuple[str, ...]) -> list[str] | None:
    """The values of the first of `names` that has any."""
    for name in names:
        found = values.get(name)
        if found:
            return found
    return None


class _CompiledGroup:
    """A GroupRule with its field rules compiled."""

    def __init__(self, group: GroupRule) -> None:
        self.name = group.name
        self.fields = tuple(compile_rule(rule) for rule in group.fields)
        self.missing = f"missing {group.name}" if group.required else ""
        self.max_count = group.max_count if group.max_count is not None else -1
        self.too_many = f"more than {group.max_count} {group.name}"
        self.prefix = f"{group.name}: "

    def check(self, elements: list[Element], problems: list[str]) -> None:
        """Append the problems of a product's `elements` of this group."""
        if not elements and self.missing:
            problems.append(self.missing)
        if self.max_count >= 0 and len(elements) > self.max_count:
            problems.append(self.too_many)
        for element in elements:
            found: list[str] = []
            values = index_values(element.children)[0]
            for run in self.fields:
                run(values, found)
            if found:
                problems.extend(self.prefix + problem for problem in found)


def quick_level(fields: tuple[FieldRule, ...]) -> Level:
    """The field rules of one level as the quick pass's table (bit i stands for required rule i)."""
    leaves = tuple(
        Leaf(
            1 << index if rule.required else 0,
            value_test(rule.label, -1 if rule.max_len is None else rule.max_len, rule.checks),
            -1 if rule.max_count is None else rule.max_count,
        )
        for index, rule in enumerate(fields)
    )
    return Level(leaves, tuple(rule.element_names() for rule in fields))


class Validator:
    """Checks products against one format's rules; also reports ids seen before in the same run.

    Each product first goes through the quick pass (quick.py); only a product it cannot prove
    valid goes through the exact pass, which words its problems.
    """

    def __init__(self, rules: FormatRules) -> None:
        self.rules = rules
        self._seen = SeenKeys()
        self._id_names = next((f.element_names() for f in rules.fields if f.label == rules.id_label), ())
        self._fields = tuple(compile_rule(rule) for rule in rules.fields)
        self._groups = tuple(_CompiledGroup(group) for group in rules.groups)
        self._level = quick_level(rules.fields)
        self._quick_groups = {group.name: quick_level(group.fields) for group in rules.groups}
        self._counted_groups = tuple(g for g in rules.groups if g.required or g.max_count is not None)
        self._collect = frozenset(self._id_names).union(*(cross.reads for cross in rules.cross))
        levels = [self._level, *self._quick_groups.values()]
        self._quick = len(self._quick_groups) == len(rules.groups) and all(level.usable for level in levels)

    def __call__(self, product: Product) -> list[str]:
        """The product's problems; empty when it is valid."""
        if self._quick:
            values = self._scan(product.children)
            if values is not None and self._cross_and_id_pass(values):
                return []
        return self._exact(product)

    def _scan(self, children: list[Element]) -> Values | None:
        """The quick pass over a product: None on any doubt, else the values cross checks and ids need.

        The hot loop of validation, once per element of every product: written inline. Elements that
        no rule names and no cross check reads are passed over without touching their text.
        """
        leaves, groups, collect = self._level.leaves, self._quick_groups, self._collect
        values: Values = {}
        seen = 0
        counts: dict[str, int] | None = None
        for child in children:
            name = child.name
            if child.children:
                group = groups.get(name)
                if group is not None:
                    if not group.passes(child.children):
                        return None
                    if self._counted_groups:
                        counts = {} if counts is None else counts
                        counts[name] = counts.get(name, 0) + 1
                continue
            leaf = leaves.get(name)
            if leaf is None and name not in collect:
                continue
            value = child.text.strip()
            if not value and child.attrs:
                value = child.attrs.get("href", "").strip()
            if not value:
                continue
            if leaf is not None:
                bit, test, max_count = leaf
                if test is not None and not test(value):
                    return None
                if max_count >= 0:
                    counts = {} if counts is None else counts
                    if not counted(max_count, name, counts):
                        return None
                seen |= bit
            if name in collect:
                found = values.get(name)
                if found is None:
                    values[name] = [value]
                else:
                    found.append(value)
        required = self._level.required
        return values if seen & required == required and self._groups_pass(counts or {}) else None

    def _groups_pass(self, counts: dict[str, int]) -> bool:
        """Every required group present, none over its max_count."""
        for group in self._counted_groups:
            count = counts.get(group.name, 0)
            if (group.required and not count) or (group.max_count is not None and count > group.max_count):
                return False
        return True

    def _cross_and_id_pass(self, values: Values) -> bool:
        """No cross check objects and the id is new (then it is remembered); else the exact pass decides."""
        for cross in self.rules.cross:
            if cross.check(values):
                return False
        for name in self._id_names:
            if name in values:
                return not self._seen.seen_before(values[name][0])
        return True

    def _exact(self, product: Product) -> list[str]:
        """Every problem of the product, worded, in rule order."""
        values, nested = index_values(product.children)
        problems: list[str] = []
        for run in self._fields:
            run(values, problems)
        for group in self._groups:
            group.check(nested.get(group.name, []), problems)
        for cross in self.rules.cross:
            problems.extend(cross.check(values))
        self._check_duplicate(values, problems)
        return problems

    def _check_duplicate(self, values: Values, problems: list[str]) -> None:
        """Ids are remembered compactly (seen.py): flat memory on million-product feeds."""
        for name in self._id_names:
            if name in values:
                if self._seen.seen_before(values[name][0]):
                    problems.append(f"{DUPLICATE}{self.rules.id_label} '{values[name][0]}'")
                return
