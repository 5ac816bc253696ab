"""Values with placeholders: `%PRODUCTNAME% | %MANUFACTURER%`, `%g:price% CZK`, `%volume% ml`.

`%NAME%` is a named variable when one is defined, otherwise an element path whose first value is
used (Mergado reads the first value of a multi-valued element), trimmed of surrounding whitespace.
`%%` writes one `%`. A `%` that does not open a placeholder (`50 % off`: a space follows it) stays.
Named variables either mirror an element or take one capture group of a regex over it.
`%GROUP_MIN(PRICE_VAT)%`, `%GROUP_MAX(...)%`, `%GROUP_SUM(...)%` and `%GROUP_COUNT%` read item-group
aggregates (feeds.transforms.groups); those names are reserved, and only rule sets provide them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from feeds.model import Element
from feeds.paths import ElementPath
from feeds.transforms.groups import GroupAggregates, parse_call
from feeds.transforms.plain import plain_name
from feeds.transforms.query import parse_path
from feeds.transforms.safe_regex import SafePattern, compile_pattern

_PLACEHOLDER = re.compile(r"%%|%([^%\s][^%]*?)%")

Getter = Callable[[Element], str]


@dataclass(frozen=True, eq=False)
class Variable:
    """A named variable: the first value of `path`, or one capture group of `pattern` over it."""

    name: str
    path: ElementPath
    pattern: SafePattern | None = None
    group: int | str = 1
    _first: Getter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name = plain_name(self.path)
        object.__setattr__(self, "_first", self.path.first if name is None else lambda e: e.get(name))

    @classmethod
    def from_spec(cls, name: str, spec: str | dict[str, Any]) -> Variable:
        """`"ELEMENT"` or `{"element": ..., "regex": ..., "group": 1}`; ValueError says what is wrong."""
        if isinstance(spec, str):
            return cls(name, parse_path(spec))
        if not isinstance(spec, dict) or not isinstance(spec.get("element"), str):
            raise ValueError(f"variable {name!r} needs an 'element' (an element path)")
        unknown = set(spec) - {"element", "regex", "group"}
        if unknown:
            raise ValueError(f"variable {name!r} has unknown fields: {', '.join(sorted(unknown))}")
        regex = spec.get("regex")
        pattern = compile_pattern(regex) if isinstance(regex, str) and regex else None
        group = spec.get("group", 1)
        if pattern is not None and isinstance(group, int) and group > pattern.compiled.groups:
            raise ValueError(f"variable {name!r}: the regex has no group {group}")
        return cls(name, parse_path(spec["element"]), pattern, group)

    def read(self, element: Element) -> str:
        """The variable's value for one product ("" when the regex does not match)."""
        value = self._first(element).strip()
        if self.pattern is None:
            return value
        match = self.pattern.search(value)
        return (match.group(self.group) or "") if match is not None else ""


@dataclass(frozen=True, eq=False)
class Template:
    """A parsed value; literal parts and getters, rendered per product."""

    text: str
    parts: tuple[str | Getter, ...]
    render: Getter = field(init=False, repr=False)  # chosen once: a constant, one getter, or the general join

    def __post_init__(self) -> None:
        object.__setattr__(self, "render", _renderer(self.parts))

    @property
    def constant(self) -> str | None:
        """The value when the template has no placeholder (the same for every product), else None."""
        if not self.parts:
            return ""
        only = self.parts[0]
        return only if len(self.parts) == 1 and isinstance(only, str) else None

    @classmethod
    def parse(cls, text: str, variables: dict[str, Variable], groups: GroupAggregates | None = None) -> Template:
        """Split into literals and placeholders; an invalid element path raises QuerySyntaxError.

        A bad group function (`%GROUP_AVG(X)%`, `%GROUP_MIN%`) raises ValueError.
        """
        parts: list[str | Getter] = []
        last = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[last : match.start()])
            name = match.group(1)
            parts.append("%" if name is None else getter(name, variables, groups))
            last = match.end()
        parts.append(text[last:])
        merged = _merge_literals(parts)
        return cls(text, tuple(merged))



def _renderer(parts: tuple[str | Getter, ...]) -> Getter:
    """`render` without a per-product generator in the common shapes (constant, one placeholder)."""
    if not parts:
        return lambda element: ""
    if len(parts) == 1:
        only = parts[0]
        if isinstance(only, str):
            return lambda element: only
        return only
    getters = [(part, None) if isinstance(part, str) else ("", part) for part in parts]

    def render(element: Element) -> str:
        return "".join([text if read is None else read(element) for text, read in getters])

    return render


def getter(name: str, variables: dict[str, Variable], groups: GroupAggregates | None = None) -> Getter:
    """How to read `%name%`: a named variable, a group aggregate, else an element path's first value."""
    variable = variables.get(name)
    if variable is not None:
        return variable.read
    call = parse_call(name)
    if call is not None:
        if groups is None:
            raise ValueError(f"%{name}% reads an item group: group functions work only in rules")
        return groups.text(*call)
    path = parse_path(name.strip())
    plain = plain_name(path)
    if plain is None:
        return lambda element: path.first(element).strip()  # CDATA padding is not part of the value

    def read_plain(element: Element) -> str:
        for child in element.children:
            if child.name == plain:
                return child.text.strip()
        return ""

    return read_plain


def _merge_literals(parts: list[str | Getter]) -> list[str | Getter]:
    merged: list[str | Getter] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif part != "":
            merged.append(part)
    return merged
