"""The MQL syntax tree: frozen nodes, no behaviour (evaluation lives in `evaluate.py`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Literal:
    """A value written in the query: `"červená"`, `100`, `Electronics`."""

    text: str


@dataclass(frozen=True)
class FieldRef:
    """Another element as the right-hand side: `[PRICE_VAT] < [PRICE_RETAIL]`."""

    path: str


@dataclass(frozen=True)
class Aggregate:
    """An item-group aggregate as an operand: `GROUP_MIN([PRICE_VAT])`, `GROUP_COUNT()` (path "")."""

    name: str
    path: str


@dataclass(frozen=True)
class Compare:
    """`[path] op value` with op one of = != < > <= >= ~ !~ CONTAINS, NOT CONTAINS."""

    path: str
    op: str
    value: Literal | FieldRef | Aggregate


@dataclass(frozen=True)
class GroupCompare:
    """`GROUP_COUNT() > 1`: an aggregate on the left, compared as a number with = != < > <= >=."""

    left: Aggregate
    op: str
    value: Literal | FieldRef | Aggregate


@dataclass(frozen=True)
class In:
    """`[path] IN (a, b)` or `NOT IN`; the negation is kept on the node for messages and traces."""

    path: str
    items: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Empty:
    """`[path] IS EMPTY` / `IS NOT EMPTY`."""

    path: str
    negated: bool = False


@dataclass(frozen=True)
class Exists:
    """`[path] EXISTS`: the node is there, even if empty."""

    path: str


@dataclass(frozen=True)
class Function:
    """A predicate function over one element, e.g. `GTIN_VALID([EAN])`."""

    name: str
    path: str


@dataclass(frozen=True)
class And:
    """All of the parts hold."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Any of the parts holds."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The part does not hold."""

    part: Node


@dataclass(frozen=True)
class Everything:
    """The empty query: every product."""


@dataclass(frozen=True)
class Sorted:
    """`... SORT BY [ELEMENT] ASC|DESC [AS NATURAL]`: an order for listing what `part` selects; it never
    changes which products are selected (rules ignore it)."""

    part: Node
    path: str
    descending: bool = False
    natural: bool = False  # numbers inside values compare as numbers ("size 9" before "size 10")


Node = Compare | GroupCompare | In | Empty | Exists | Function | And | Or | Not | Everything | Sorted
