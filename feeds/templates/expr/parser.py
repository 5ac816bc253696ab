"""Expression text -> syntax tree, by a tokenizer and a recursive-descent parser with a depth limit.

Grammar (keywords and, or, not, true, false are case-insensitive)::

    expr     := and_expr ( "or" and_expr )*
    and_expr := not_expr ( "and" not_expr )*
    not_expr := "not" not_expr | compare
    compare  := join [ ( "=" | "!=" | "<" | "<=" | ">" | ">=" ) join ]
    join     := sum ( "&" sum )*                       text concatenation
    sum      := term ( ( "+" | "-" ) term )*
    term     := unary ( ( "*" | "/" ) unary )*
    unary    := "-" unary | primary
    primary  := STRING | NUMBER | "true" | "false" | NAME "(" [ expr ( "," expr )* ] ")"
              | NAME | "[" element path "]" | "(" expr ")"
    NAME     := letter ( letter | digit | "_" )* [ ":" letter ( letter | digit | "_" )* ]   (`PRICE_VAT`, `g:price`)
    STRING   := "..." | '...'  with \\" \\' \\\\ \\n \\t escapes

A bare NAME is an element of the current node; anything else (`PARAM|Barva`, filters) goes in brackets,
as in MQL. There is no attribute access, no indexing, no loops and no assignment: nothing to escape
the sandbox with, and every expression runs in time proportional to its length and its input.
Errors name the 1-based position (`ExpressionError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from feeds.paths import closing_bracket
from feeds.templates.errors import ExpressionError
from feeds.templates.expr.ast import Call, Chain, Compare, Literal, Node, Ref, Unary

MAX_EXPRESSION_CHARS = 4_000
MAX_NESTING = 32  # parentheses, calls, not and unary minus, together
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "&", "+", "-", "*", "/", "(", ")", ",")
_NAME = re.compile(r"[^\W\d]\w*(?::[^\W\d]\w*)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}
_Rule = Callable[[], Node]


@dataclass(frozen=True)
class Token:
    """kind: name, string, number, path, op, end; position is 1-based."""

    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    """Split expression text into tokens; strings and brackets are matched here."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in "\"'":
            value, index_after = _string(text, index)
            tokens.append(Token("string", value, index + 1))
            index = index_after
        elif char == "[":
            end = _closing_bracket(text, index)
            tokens.append(Token("path", text[index + 1 : end].strip(), index + 1))
            index = end + 1
        elif (number := _NUMBER.match(text, index)) is not None:
            tokens.append(Token("number", number.group(), index + 1))
            index = number.end()
        elif (name := _NAME.match(text, index)) is not None:
            tokens.append(Token("name", name.group(), index + 1))
            index = name.end()
        elif (op := next((o for o in _OPERATORS if text.startswith(o, index)), None)) is not None:
            tokens.append(Token("op", op, index + 1))
            index += len(op)
        else:
            raise ExpressionError(text, position=index + 1, reason=_unexpected(char))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _unexpected(char: str) -> str:
    if char == ".":
        return "unexpected '.': attribute access is not part of the template language"
    if char in "{}":
        return f"unexpected {char!r}: write an expression without {{{{ }}}}, e.g. upper(PRODUCTNAME)"
    return f"unexpected character {char!r}"


def _string(text: str, start: int) -> tuple[str, int]:
    quote, out, index = text[start], [], start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            out.append(_ESCAPES.get(text[index + 1], "\\" + text[index + 1]))
            index += 2
        elif char == quote:
            return "".join(out), index + 1
        else:
            out.append(char)
            index += 1
    raise ExpressionError(text, position=start + 1, reason=f"the string opened here has no closing {quote}")


def _closing_bracket(text: str, start: int) -> int:
    if (end := closing_bracket(text, start)) is not None:
        return end
    raise ExpressionError(text, position=start + 1, reason="the '[' opened here has no closing ']'")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def fail(self, reason: str, token: Token | None = None) -> ExpressionError:
        token = token or self.token
        found = f"found {token.text!r}" if token.kind != "end" else "found the end of the expression"
        return ExpressionError(self.text, position=token.position, reason=f"{reason}, {found}")

    def take(self, kind: str, *texts: str) -> Token | None:
        token = self.token
        if token.kind == kind and (not texts or token.text.lower() in texts):
            self.index += 1
            return token
        return None

    def nested(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(
                self.text, position=token.position,
                reason=f"expressions nest at most {MAX_NESTING} deep (parentheses, calls, not, minus)",
            )

    def parse(self) -> Node:
        node = self.expr()
        if self.token.kind != "end":
            raise self.fail("expected an operator or the end")
        return node

    def expr(self) -> Node:
        return self.chain("or", self.and_expr, "name", ("or",))

    def and_expr(self) -> Node:
        return self.chain("and", self.not_expr, "name", ("and",))

    def chain(self, kind: str, operand: _Rule, token_kind: str, ops: tuple[str, ...]) -> Node:
        first = self.token
        items, seen = [operand()], []
        while (op := self.take(token_kind, *ops)) is not None:
            seen.append(op.text.lower())
            items.append(operand())
        return items[0] if len(items) == 1 else Chain(kind, tuple(items), tuple(seen), first.position)

    def not_expr(self) -> Node:
        token = self.token
        if self.take("name", "not"):
            self.nested(token)
            operand = self.not_expr()
            self.depth -= 1
            return Unary("not", operand, token.position)
        return self.compare()

    def compare(self) -> Node:
        left = self.join()
        op = self.take("op", "=", "!=", "<", "<=", ">", ">=")
        if op is None:
            return left
        right = self.join()
        if self.token.kind == "op" and self.token.text in ("=", "!=", "<", "<=", ">", ">="):
            raise self.fail("comparisons do not chain; use and")
        return Compare(op.text, left, right, op.position)

    def join(self) -> Node:
        return self.chain("&", self.sum, "op", ("&",))

    def sum(self) -> Node:
        return self.chain("+", self.term, "op", ("+", "-"))

    def term(self) -> Node:
        return self.chain("*", self.unary, "op", ("*", "/"))

    def unary(self) -> Node:
        token = self.token
        if self.take("op", "-"):
            self.nested(token)
            operand = self.unary()
            self.depth -= 1
            return Unary("-", operand, token.position)
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if self.take("string"):
            return Literal(token.text, "text", token.position)
        if self.take("number"):
            return Literal(Decimal(token.text), "number", token.position)
        if self.take("path"):
            if not token.text:
                raise self.fail("expected an element path inside [ ]", token)
            return Ref(token.text, token.position)
        if self.take("op", "("):
            self.nested(token)
            node = self.expr()
            self.depth -= 1
            if not self.take("op", ")"):
                raise self.fail(f"expected ')' closing the '(' at position {token.position}")
            return node
        if self.take("name"):
            return self.name(token)
        raise self.fail("expected a value, an element or a function call")

    def name(self, token: Token) -> Node:
        lowered = token.text.lower()
        if lowered in ("true", "false"):
            return Literal(lowered == "true", "bool", token.position)
        if lowered in ("and", "or", "not"):
            raise self.fail("expected a value, an element or a function call", token)
        if not self.take("op", "("):
            if token.text.startswith("__"):
                raise ExpressionError(self.text, position=token.position, reason=(
                    f"{token.text} is not a name of this language (there are no objects or attributes); "
                    f"write [{token.text}] for an element of that name"))
            return Ref(token.text, token.position)
        self.nested(token)
        args: list[Node] = []
        if not self.take("op", ")"):
            args.append(self.expr())
            while self.take("op", ","):
                args.append(self.expr())
            if not self.take("op", ")"):
                raise self.fail(f"expected ',' or ')' closing the call of {token.text}()")
        self.depth -= 1
        return Call(token.text, tuple(args), token.position)


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> Node:
    """Parse once (cached); ExpressionError names the position and what was wrong."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(text[:40] + "...", position=MAX_EXPRESSION_CHARS + 1,
                              reason=f"expressions are at most {MAX_EXPRESSION_CHARS} characters")
    if not text.strip():
        raise ExpressionError(text, position=1, reason="the expression is empty")
    return _Parser(text).parse()


__all__ = ["MAX_EXPRESSION_CHARS", "MAX_NESTING", "parse_expression", "tokenize"]
