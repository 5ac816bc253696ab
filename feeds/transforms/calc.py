"""Calculation formulas: our own tokenizer and recursive-descent evaluator over Decimal.

Grammar::

    expr   := term ( ("+" | "-") term )*
    term   := factor ( ("*" | "/") factor )*
    factor := ("+" | "-") factor | NUMBER | %VARIABLE% | "(" expr ")"

No `eval`, no names besides `%variables%`, no attribute access, no exponent, at most
MAX_FORMULA_CHARS characters and MAX_DEPTH nested brackets. Arithmetic is exact decimal
(`0.1 + 0.2` is `0.3`); division by zero, an invalid operation or an overflow is a ProductFailure
for that product, so no broken value ever reaches an export.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from feeds.decimal_text import parse_number
from feeds.errors import QuerySyntaxError
from feeds.model import Element
from feeds.transforms.failure import ProductFailure
from feeds.transforms.groups import GroupAggregates
from feeds.transforms.template import Variable, getter

MAX_FORMULA_CHARS = 500
MAX_DEPTH = 32
_CONTEXT = decimal.Context(
    prec=28, traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow], Emax=999_999
)
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:[.,]\d+)?)|(?P<var>%[^%]+%)|(?P<op>[-+*/()]))")


def _divide(left: Decimal, right: Decimal) -> Decimal:
    if right == 0:  # 0 / 0 is "undefined", not "by zero", to decimal; users should read the same message
        raise ZeroDivisionError
    return _CONTEXT.divide(left, right)


_OPS: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": _CONTEXT.add,
    "-": _CONTEXT.subtract,
    "*": _CONTEXT.multiply,
    "/": _divide,
}
Eval = Callable[[Element], Decimal]


@dataclass(frozen=True, eq=False)
class Formula:
    """A compiled formula; `evaluate(product)` gives a finite Decimal or raises ProductFailure."""

    text: str
    root: Eval

    @classmethod
    def parse(cls, text: str, variables: dict[str, Variable], groups: GroupAggregates | None = None) -> Formula:
        """Compile; QuerySyntaxError names the position and what was expected (ValueError: a bad group function)."""
        if len(text) > MAX_FORMULA_CHARS:
            raise QuerySyntaxError(text[:40], position=MAX_FORMULA_CHARS, expected="a shorter formula")
        return cls(text, _Parser(text, variables, groups).parse())

    def evaluate(self, element: Element) -> Decimal:
        """The exact result for one product."""
        try:
            result = self.root(element)
        except ZeroDivisionError as exc:
            raise ProductFailure(f"division by zero in {self.text!r}") from exc
        except decimal.DecimalException as exc:
            raise ProductFailure(f"{self.text!r} has no finite result ({type(exc).__name__})") from exc
        if not result.is_finite():
            raise ProductFailure(f"{self.text!r} has no finite result")
        return result


class _Parser:
    def __init__(self, text: str, variables: dict[str, Variable], groups: GroupAggregates | None) -> None:
        self.text = text
        self.variables = variables
        self.groups = groups
        self.tokens = self._tokenize()
        self.index = 0
        self.depth = 0

    def _tokenize(self) -> list[tuple[str, str, int]]:
        tokens, position = [], 0
        while position < len(self.text):
            if not self.text[position:].strip():
                break
            match = _TOKEN.match(self.text, position)
            if match is None or match.lastgroup is None:
                found = self.text[position:].strip()[:1]
                raise QuerySyntaxError(
                    self.text,
                    position=position + 1,
                    expected="a number, %VARIABLE%, + - * / ( )",
                    found=found,
                )
            tokens.append((match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup) + 1))
            position = match.end()
        return tokens

    def fail(self, expected: str) -> QuerySyntaxError:
        if self.index < len(self.tokens):
            _, found, position = self.tokens[self.index]
            return QuerySyntaxError(self.text, position=position, expected=expected, found=found)
        return QuerySyntaxError(self.text, position=len(self.text) + 1, expected=expected)

    def peek(self) -> str:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else ""

    def parse(self) -> Eval:
        node = self.expr()
        if self.index < len(self.tokens):
            raise self.fail("an operator + - * / or the end")
        return node

    def expr(self) -> Eval:
        return self._binary(self.term, "+-")

    def term(self) -> Eval:
        return self._binary(self.factor, "*/")

    def _binary(self, operand: Callable[[], Eval], ops: str) -> Eval:
        left = operand()
        while self.peek() and self.peek() in ops and self.tokens[self.index][0] == "op":
            op = _OPS[self.tokens[self.index][1]]
            self.index += 1
            right = operand()
            left = _apply(op, left, right)
        return left

    def factor(self) -> Eval:
        if self.index >= len(self.tokens):
            raise self.fail("a number, %VARIABLE% or '('")
        kind, text, _ = self.tokens[self.index]
        self.index += 1
        if kind == "num":
            value = Decimal(text.replace(",", "."))
            return lambda element: value
        if kind == "var":
            return _variable(text[1:-1], self.variables, self.groups)
        if text in "+-":
            inner = self.factor()
            return inner if text == "+" else (lambda element: _CONTEXT.minus(inner(element)))
        if text == "(":
            return self._group()
        self.index -= 1
        raise self.fail("a number, %VARIABLE% or '('")

    def _group(self) -> Eval:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"at most {MAX_DEPTH} nested brackets")
        inner = self.expr()
        if self.peek() != ")":
            raise self.fail("')'")
        self.index += 1
        self.depth -= 1
        return inner


def _apply(op: Callable[[Decimal, Decimal], Decimal], left: Eval, right: Eval) -> Eval:
    return lambda element: op(left(element), right(element))


def _variable(name: str, variables: dict[str, Variable], groups: GroupAggregates | None) -> Eval:
    read = getter(name, variables, groups)

    def value(element: Element) -> Decimal:
        text = read(element)
        number = parse_number(text)
        if number is None:
            raise ProductFailure(f"%{name}% is {text.strip()[:40]!r}, not a number")
        return number

    return value
