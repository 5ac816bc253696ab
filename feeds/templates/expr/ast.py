"""Syntax tree of template expressions: small frozen nodes, built by `parser`, compiled by `compile`.

Nodes compare equal whatever their position, so the same subexpression written twice in a template is
recognised (the compiler computes it once per product). Chains of one operator (`a & b & c`,
`1 + 2 - 3`, `x or y or z`) are one n-ary node, not a left-leaning tree: evaluating a long chain is a
loop, never a deep recursion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Literal:
    """A string, number or boolean written in the expression (`kind` keeps `1` and `true` apart)."""

    value: str | Decimal | bool
    kind: str  # text, number or bool
    position: int = field(compare=False)


@dataclass(frozen=True)
class Ref:
    """An element path (`PRODUCTNAME`, `g:price`, `[PARAM|Barva]`), read from the current node."""

    path: str
    position: int = field(compare=False)


@dataclass(frozen=True)
class Call:
    """`name(arg, ...)`: one of the whitelisted functions."""

    name: str
    args: tuple[Node, ...]
    position: int = field(compare=False)


@dataclass(frozen=True)
class Chain:
    """`first op item op item ...` for one precedence level: or, and, & (join), + -, * /."""

    kind: str  # "or", "and", "&", "+", "*"
    items: tuple[Node, ...]
    ops: tuple[str, ...]  # the operator before each item after the first
    position: int = field(compare=False)


@dataclass(frozen=True)
class Compare:
    """`left op right` with = != < <= > >= (not chained)."""

    op: str
    left: Node
    right: Node
    position: int = field(compare=False)


@dataclass(frozen=True)
class Unary:
    """`not x` or `-x`."""

    op: str  # "not" or "-"
    operand: Node
    position: int = field(compare=False)


Node = Literal | Ref | Call | Chain | Compare | Unary
