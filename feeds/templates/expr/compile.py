"""Syntax tree -> one Python closure per node, with types checked once, at compile time.

Every node has a natural type (text, number, bool, list); the parent asks for the type it needs and
the compiler inserts the conversion, so nothing is looked up or type-tested per product beyond the
conversion itself. An element reference compiles to the path reader's own bound method
(`ElementPath.first` for text, `.values` for a list): the expression costs what a hand-written writer
would pay to read the same element.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from feeds.decimal_text import MAX_MAGNITUDE, parse_decimal, parse_number
from feeds.errors import QuerySyntaxError
from feeds.model import Element
from feeds.templates.errors import ExpressionError, ValueFailure
from feeds.templates.expr.ast import Call, Chain, Compare, Literal, Node, Ref, Unary
from feeds.templates.expr.functions import (
    BOOL,
    BUILTINS,
    FUNCTIONS,
    LIST,
    MAX_VALUE_CHARS,
    NUMBER,
    TEXT,
    Function,
    compile_literal,
)
from feeds.templates.expr.parser import parse_expression
from feeds.templates.paths import parse_path
from feeds.transforms.safe_regex import PatternError

Fn = Callable[[Element], Any]


@dataclass(frozen=True, eq=False)
class CompiledExpression:
    """An expression ready to run: `evaluate(node)` gives a value of `type` (text, number, bool or list)."""

    text: str
    type: str
    evaluate: Fn
    unguarded: Fn  # raises ArithmeticError and ValueError as they come: for a caller that catches them itself


class Shared:
    """The subexpressions that occur more than once in one template (`number(DELIVERY_DATE)` in three
    fields): each is computed once per node and reused, the way a hand-written writer keeps a local."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.counts: Counter[Node] = Counter()
        self.fns: dict[tuple[Node, str], Fn] = {}
        stack = [parse_expression(text) for text in texts]
        while stack:
            node = stack.pop()
            self.counts[node] += 1
            if isinstance(node, Call | Chain):
                stack.extend(node.args if isinstance(node, Call) else node.items)
            elif isinstance(node, Compare):
                stack.extend((node.left, node.right))
            elif isinstance(node, Unary):
                stack.append(node.operand)


def compile_expression(
    text: str, want: str | None = None, *, today: date | None = None, shared: Shared | None = None
) -> CompiledExpression:
    """Parse and compile `text`; `want` is the type the caller needs (None: a list when the expression
    reads several values, else text). ExpressionError names the position of the first problem.
    `shared`: the template's repeated subexpressions, computed once per product across its fields."""
    node = parse_expression(text)
    compiler = _Compiler(text, today or date.today(), shared)
    if want is None:
        want = LIST if compiler.natural(node) == LIST else TEXT
    fn = compiler.compile(node, want)
    return CompiledExpression(text, want, _guarded(fn), fn)


def _guarded(fn: Fn) -> Fn:
    def evaluate(node: Element) -> Any:
        try:
            return fn(node)
        except (ArithmeticError, ValueError) as exc:  # a Decimal overflow, a date out of range
            raise ValueFailure(f"cannot compute the value: {exc.__class__.__name__}") from exc

    return evaluate


class _Compiler:
    def __init__(self, text: str, today: date, shared: Shared | None) -> None:
        self.text = text
        self.today = today.isoformat()
        self.shared = shared

    def fail(self, position: int, reason: str) -> ExpressionError:
        return ExpressionError(self.text, position=position, reason=reason)

    def natural(self, node: Node) -> str:
        """The type a node gives by itself."""
        if isinstance(node, Literal):
            return node.kind
        if isinstance(node, Ref):
            return LIST
        if isinstance(node, Call):
            if node.name == "if" and len(node.args) == 3:
                kinds = {self.natural(node.args[1]), self.natural(node.args[2])}
                return kinds.pop() if len(kinds) == 1 else LIST if LIST in kinds else TEXT
            function = FUNCTIONS.get(node.name)
            return function.returns if function is not None else TEXT
        if isinstance(node, Chain):
            return {"or": BOOL, "and": BOOL, "&": TEXT}.get(node.kind, NUMBER)
        if isinstance(node, Unary):
            return BOOL if node.op == "not" else NUMBER
        return BOOL  # Compare

    def compile(self, node: Node, want: str) -> Fn:
        """A closure giving `want` for a node; a repeated subexpression once per product."""
        shared = self.shared
        if shared is None or isinstance(node, Literal) or shared.counts[node] < 2:
            return self.compile_node(node, want)
        fn = shared.fns.get((node, want))
        if fn is None:
            fn = shared.fns[node, want] = _memo(self.compile_node(node, want))
        return fn

    def compile_node(self, node: Node, want: str) -> Fn:
        """A closure giving `want` for a node."""
        if isinstance(node, Ref):
            return self.ref(node, want)
        if isinstance(node, Literal):
            try:
                value = _convert_value(node.value, want)
            except ValueFailure as exc:
                raise self.fail(node.position, exc.reason) from exc
            return lambda _: value
        if isinstance(node, Call):
            fn, have = self.call(node, want)
        elif isinstance(node, Chain):
            fn, have = self.chain(node), self.natural(node)
        elif isinstance(node, Compare):
            fn, have = self.compare(node), BOOL
        else:
            fn, have = self.unary(node), self.natural(node)
        return _converter(fn, have, want)

    def ref(self, node: Ref, want: str) -> Fn:
        try:
            path = parse_path(node.path)
        except QuerySyntaxError as exc:
            raise self.fail(node.position, f"invalid element path {node.path!r}: {exc.problems[0]}") from exc
        if want == TEXT:
            return path.first
        if want == LIST:
            return path.values
        if want == NUMBER:
            first = path.first
            return lambda n: _number(first(n))
        values = path.values
        return lambda n: any(value.strip() for value in values(n))

    def call(self, node: Call, want: str) -> tuple[Fn, str]:
        if node.name == "if":
            if len(node.args) != 3:
                raise self.fail(node.position, "if() takes 3 arguments: if(condition, then, else)")
            cond = self.compile(node.args[0], BOOL)
            then, other = self.compile(node.args[1], want), self.compile(node.args[2], want)
            return (lambda n: then(n) if cond(n) else other(n)), want
        if node.name == "today":
            if node.args:
                raise self.fail(node.position, "today() takes no arguments")
            today = self.today
            return (lambda _: today), TEXT
        function = FUNCTIONS.get(node.name)
        if function is None:
            known = ", ".join(sorted([*FUNCTIONS, *BUILTINS]))
            raise self.fail(node.position, f"unknown function {node.name!r}; known functions: {known}")
        fns = self.arguments(node, function)
        return _call(function.body, fns), function.returns

    def arguments(self, node: Call, function: Function) -> list[Fn]:
        required, optional = len(function.params), len(function.optional)
        given = len(node.args)
        if given < required or (function.variadic is None and given > required + optional):
            most = required + optional
            allowed = (f"{required} or more" if function.variadic else
                       f"{required} to {most}" if optional else str(required))
            raise self.fail(node.position, f"{node.name}() takes {allowed} argument{'s' * (allowed != '1')}, "
                                           f"not {given}")
        kinds = [*function.params, *(kind for kind, _ in function.optional)]
        fns: list[Fn] = []
        for index, arg in enumerate(node.args):
            kind = kinds[index] if index < len(kinds) else function.variadic or TEXT
            if index in function.literal:
                fns.append(self.literal_argument(node, index, arg))
            else:
                fns.append(self.compile(arg, kind))
        for _, default in function.optional[given - required if given > required else 0:]:
            fns.append(_constant(default))
        return fns

    def literal_argument(self, node: Call, index: int, arg: Node) -> Fn:
        if not isinstance(arg, Literal) or not isinstance(arg.value, str):
            raise self.fail(_position(arg), f"argument {index + 1} of {node.name}() must be a quoted text")
        try:
            value = compile_literal(arg.value)
        except PatternError as exc:
            raise self.fail(arg.position, str(exc)) from exc
        return lambda _: value

    def chain(self, node: Chain) -> Fn:
        if node.kind in ("or", "and"):
            fns = [self.compile(item, BOOL) for item in node.items]
            return (lambda n: any(f(n) for f in fns)) if node.kind == "or" else (lambda n: all(f(n) for f in fns))
        if node.kind == "&":
            return _join([self.compile(item, TEXT) for item in node.items])
        return _arithmetic([self.compile(item, NUMBER) for item in node.items], node.ops)

    def compare(self, node: Compare) -> Fn:
        numeric = self.natural(node.left) == NUMBER and self.natural(node.right) == NUMBER
        kind = NUMBER if numeric else TEXT
        left, right, op = self.compile(node.left, kind), self.compile(node.right, kind), node.op
        if numeric:
            return lambda n: _compare_numbers(op, left(n), right(n))
        if op in ("=", "!="):
            same = op == "="
            return lambda n: _same_text(left(n), right(n)) == same
        return lambda n: _compare_numbers(op, parse_number(left(n)), parse_number(right(n)))

    def unary(self, node: Unary) -> Fn:
        if node.op == "not":
            operand = self.compile(node.operand, BOOL)
            return lambda n: not operand(n)
        number = self.compile(node.operand, NUMBER)
        return lambda n: None if (value := number(n)) is None else -value


def _memo(fn: Fn) -> Fn:
    """`fn` computed once per node: the last node and its value are kept (holding the node means a new
    product can never be mistaken for it)."""
    last: list[Any] = [None, None]

    def memo(node: Element) -> Any:
        if node is last[0]:
            return last[1]
        value = fn(node)
        last[0], last[1] = node, value
        return value

    return memo


def _constant(value: Any) -> Fn:
    return lambda _: value


def _position(node: Node) -> int:
    return node.position


def _call(body: Callable[..., Any], fns: list[Fn]) -> Fn:
    """A call with the common arities unrolled: no argument list is built per product."""
    if len(fns) == 1:
        (a,) = fns
        return lambda n: body(a(n))
    if len(fns) == 2:
        a, b = fns
        return lambda n: body(a(n), b(n))
    if len(fns) == 3:
        a, b, c = fns
        return lambda n: body(a(n), b(n), c(n))
    return lambda n: body(*[f(n) for f in fns])


def _join(fns: list[Fn]) -> Fn:
    def join(node: Element) -> str:
        parts = [f(node) for f in fns]
        if sum(map(len, parts)) > MAX_VALUE_CHARS:
            raise ValueFailure(f"the value would be longer than {MAX_VALUE_CHARS:,} characters")
        return "".join(parts)

    return join


def _arithmetic(fns: list[Fn], ops: tuple[str, ...]) -> Fn:
    first, rest = fns[0], list(zip(ops, fns[1:], strict=True))

    def compute(node: Element) -> Decimal | None:
        value = first(node)
        for op, fn in rest:
            other = fn(node)
            if value is None or other is None:
                return None
            if op == "+":
                value = value + other
            elif op == "-":
                value = value - other
            elif op == "*":
                value = value * other
            elif other == 0:
                raise ValueFailure("division by zero")
            else:
                value = value / other
        return value

    return compute


def _compare_numbers(op: str, left: Decimal | None, right: Decimal | None) -> bool:
    if left is None or right is None:
        return op == "=" and left is None and right is None or op == "!=" and (left is None) != (right is None)
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _same_text(left: str, right: str) -> bool:
    """Equal as MQL compares: as numbers when both are numbers (`21` = `21.0`), else ignoring case."""
    if left.casefold() == right.casefold():
        return True
    a, b = parse_decimal(left), parse_decimal(right)
    return a is not None and a == b


def _number(text: str) -> Decimal | None:
    """The first number in a text; None for an empty text; a failure for a text without a number."""
    value = parse_number(text)
    if value is None and text.strip():
        raise ValueFailure(f"{text[:40]!r} is not a number")
    return value


def _number_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value.is_finite() and value.adjusted() >= MAX_MAGNITUDE:
        raise ValueFailure(f"the number is too large (10**{MAX_MAGNITUDE} or more)")
    return f"{value:f}"


def _convert_value(value: Any, want: str) -> Any:
    """A literal, converted once at compile time."""
    have = BOOL if isinstance(value, bool) else NUMBER if isinstance(value, Decimal) else TEXT
    return _converter(lambda _: value, have, want)(Element(""))


def _converter(fn: Fn, have: str, want: str) -> Fn:
    """`fn` (giving `have`) as a closure giving `want`."""
    if have == want:
        return fn
    if want == TEXT:
        if have == NUMBER:
            return lambda n: _number_text(fn(n))
        if have == BOOL:
            return lambda n: "true" if fn(n) else "false"
        return lambda n: values[0] if (values := fn(n)) else ""
    if want == NUMBER:
        text = _converter(fn, have, TEXT) if have != TEXT else fn
        return lambda n: _number(text(n))
    if want == BOOL:
        if have == TEXT:
            return lambda n: bool(fn(n).strip())
        if have == NUMBER:
            return lambda n: (value := fn(n)) is not None and value != 0
        return lambda n: any(value.strip() for value in fn(n))
    text = _converter(fn, have, TEXT)  # want LIST
    return lambda n: [value] if (value := text(n)) else []


__all__ = ["CompiledExpression", "Fn", "compile_expression"]
