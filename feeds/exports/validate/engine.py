"""Runs a format's rules over one product: required elements, lengths, counts, value checks, groups.

Rules are data (`FieldRule`, `GroupRule`, `FormatRules`), so each format's requirements read as a
table in rules.py and the per-product work is one pass to index the children plus the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from feeds.exports.validate.checks import Check
from feeds.model import Element, Product


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


CrossCheck = Callable[[dict[str, list[str]]], list[str]]


@dataclass(frozen=True)
class FormatRules:
    """Everything one target format requires of a product."""

    id_label: str
    fields: tuple[FieldRule, ...]
    groups: tuple[GroupRule, ...] = ()
    cross: tuple[CrossCheck, ...] = ()


def _value(element: Element) -> str:
    """The value of an element: its trimmed text, or an Atom link's href."""
    text = element.text.strip()
    return text if text or not element.attrs else element.attrs.get("href", "").strip()


def index_values(children: list[Element]) -> tuple[dict[str, list[str]], dict[str, list[Element]]]:
    """Non-empty values by element name, and elements with children by name, in one pass."""
    values: dict[str, list[str]] = {}
    nested: dict[str, list[Element]] = {}
    for child in children:
        if child.children:
            nested.setdefault(child.name, []).append(child)
        else:
            value = _value(child)
            if value:
                values.setdefault(child.name, []).append(value)
    return values, nested


def check_fields(fields: tuple[FieldRule, ...], values: dict[str, list[str]], problems: list[str]) -> None:
    """Append the problems of every field rule."""
    for rule in fields:
        found: list[str] = []
        for name in rule.element_names():
            found = values.get(name, found)
            if found:
                break
        if not found:
            if rule.required:
                problems.append(f"missing {rule.label}")
            continue
        if rule.max_count is not None and len(found) > rule.max_count:
            problems.append(f"more than {rule.max_count} {rule.label}")
        for value in found:
            if rule.max_len is not None and len(value) > rule.max_len:
                problems.append(f"{rule.label} longer than {rule.max_len} characters")
            for check in rule.checks:
                problem = check(rule.label, value)
                if problem:
                    problems.append(problem)


class Validator:
    """Checks products against one format's rules; also reports ids seen before in the same run."""

    def __init__(self, rules: FormatRules) -> None:
        self.rules = rules
        self._seen: set[int] = set()
        self._id_names = next((f.element_names() for f in rules.fields if f.label == rules.id_label), ())

    def __call__(self, product: Product) -> list[str]:
        """The product's problems; empty when it is valid."""
        values, nested = index_values(product.children)
        problems: list[str] = []
        check_fields(self.rules.fields, values, problems)
        for group in self.rules.groups:
            self._check_group(group, nested.get(group.name, []), problems)
        for cross in self.rules.cross:
            problems.extend(cross(values))
        self._check_duplicate(values, problems)
        return problems

    def _check_group(self, group: GroupRule, elements: list[Element], problems: list[str]) -> None:
        if not elements and group.required:
            problems.append(f"missing {group.name}")
        if group.max_count is not None and len(elements) > group.max_count:
            problems.append(f"more than {group.max_count} {group.name}")
        for element in elements:
            found: list[str] = []
            check_fields(group.fields, index_values(element.children)[0], found)
            problems.extend(f"{group.name}: {problem}" for problem in found)

    def _check_duplicate(self, values: dict[str, list[str]], problems: list[str]) -> None:
        """Hashes, not ids, are kept: flat memory on million-product feeds, collisions negligible."""
        for name in self._id_names:
            if name in values:
                key = hash(values[name][0])
                if key in self._seen:
                    problems.append(f"duplicate {self.rules.id_label} '{values[name][0]}'")
                self._seen.add(key)
                return
