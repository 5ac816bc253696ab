"""MQL text -> syntax tree, by a small tokenizer and a recursive-descent parser.

Grammar (keywords are case-insensitive; AND binds tighter than OR, as in SQL)::

    query     := "" | or_expr [ sort ] | sort
    sort      := SORT BY operand [ ASC | DESC ] [ AS NATURAL ]
    or_expr   := and_expr ( OR and_expr )*
    and_expr  := unary ( AND unary )*
    unary     := NOT unary | "(" or_expr ")" | FUNC "(" operand ")" | group OP value | condition
    condition := operand ( OP value | [NOT] CONTAINS value | [NOT] IN "(" item ( ("," | ";") item )* ")"
                         | IS [NOT] EMPTY | EXISTS )
    operand   := "[" element path "]" | bare name (letters, digits, _ : . - @)
    value     := "string" | 'string' | bare word or number | "[" element path "]" | group
    group     := GROUP_MIN "(" operand ")" | GROUP_MAX "(" operand ")" | GROUP_SUM "(" operand ")"
               | GROUP_COUNT "(" ")"
    OP        := = | != | < | > | <= | >= | ~ | !~

A group function compares as a number, with = != < > <= >= only (feeds.transforms.groups).

Errors name the 1-based position and what was expected (`QuerySyntaxError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from feeds.errors import QuerySyntaxError
from feeds.paths import closing_bracket
from feeds.transforms.groups import AGGREGATES
from feeds.transforms.query.ast import (
    Aggregate,
    And,
    Compare,
    Empty,
    Everything,
    Exists,
    FieldRef,
    Function,
    GroupCompare,
    In,
    Literal,
    Node,
    Not,
    Or,
    Sorted,
)

MAX_QUERY_CHARS = 10_000
FUNCTIONS = ("GTIN_VALID",)
_OPERATORS = ("!=", "<=", ">=", "!~", "=", "<", ">", "~")
_WORD = re.compile(r"(?:@@?)?[\w+\-][\w:.\-+]*")
_KEYWORDS = {"AND", "OR", "NOT", "CONTAINS", "IN", "IS", "EMPTY", "EXISTS"}
_GROUP_OPERATORS = ("=", "!=", "<", ">", "<=", ">=")
_EXPECT_OPERATOR = "an operator (=, !=, <, >, <=, >=, ~, !~, CONTAINS, IN, IS EMPTY, EXISTS)"


@dataclass(frozen=True)
class Token:
    """One token: kind is path, string, word, op, or a punctuation character."""

    kind: str
    text: str
    position: int  # 1-based

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str) -> list[Token]:
    """Split MQL text into tokens; brackets and quotes are matched here."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char == "[":
            end = _closing_bracket(text, index)
            tokens.append(Token("path", text[index + 1 : end].strip(), index + 1))
            index = end + 1
        elif char in "\"'":
            value, end = _string(text, index)
            tokens.append(Token("string", value, index + 1))
            index = end
        elif char in "(),;":
            tokens.append(Token(char, char, index + 1))
            index += 1
        elif op := next((o for o in _OPERATORS if text.startswith(o, index)), None):
            tokens.append(Token("op", op, index + 1))
            index += len(op)
        elif match := _WORD.match(text, index):
            tokens.append(Token("word", match.group(), index + 1))
            index = match.end()
        else:
            raise QuerySyntaxError(
                text, position=index + 1, expected="an element, a value or an operator", found=char
            )
    return tokens


def _closing_bracket(text: str, start: int) -> int:
    if (end := closing_bracket(text, start)) is not None:
        return end
    raise QuerySyntaxError(
        text, position=len(text) + 1, expected="']' closing the '[' at position " + str(start + 1)
    )


def _string(text: str, start: int) -> tuple[str, int]:
    quote, parts, index = text[start], [], start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in (quote, "\\"):
            parts.append(text[index + 1])
            index += 2
        elif char == quote:
            return "".join(parts), index + 1
        else:
            parts.append(char)
            index += 1
    raise QuerySyntaxError(
        text, position=len(text) + 1, expected=f"a closing {quote} for the string at {start + 1}"
    )


MAX_NESTING = 100
"""How deep parentheses and NOTs may nest: the parser and the evaluator recurse once per level."""


class _Parser:
    def __init__(self, text: str, parse_path: Callable[[str], object]) -> None:
        self.text = text
        self.parse_path = parse_path
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.index + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def fail(self, expected: str) -> QuerySyntaxError:
        token = self.peek()
        position = token.position if token else len(self.text) + 1
        return QuerySyntaxError(
            self.text, position=position, expected=expected, found=token.text if token else ""
        )

    def take(self, kind: str, expected: str) -> Token:
        token = self.peek()
        if token is None or token.kind != kind:
            raise self.fail(expected)
        self.index += 1
        return token

    def take_keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.keyword in words:
            self.index += 1
            return token.keyword
        return None

    def parse(self) -> Node:
        if not self.tokens:
            return Everything()
        node = Everything() if self._at_sort() else self.or_expr()
        if self._at_sort():
            node = self.sort(node)
        if self.peek() is not None:
            raise self.fail("AND, OR, SORT BY, ')' or the end of the query")
        return node

    def _at_sort(self) -> bool:
        token = self.peek()
        return token is not None and token.keyword == "SORT"

    def sort(self, node: Node) -> Sorted:
        """`SORT BY operand [ASC|DESC] [AS NATURAL]`."""
        self.index += 1
        if not self.take_keyword("BY"):
            raise self.fail("BY after SORT")
        path = self.operand()
        descending = self.take_keyword("ASC", "DESC") == "DESC"
        natural = False
        if self.take_keyword("AS"):
            if not self.take_keyword("NATURAL"):
                raise self.fail("NATURAL after AS")
            natural = True
        return Sorted(node, path, descending, natural)

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.take_keyword("OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.take_keyword("AND"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        token = self.peek()
        if token is None:
            raise self.fail("a condition")
        if token.keyword == "NOT" or token.kind == "(":
            return self.nested(token)
        return self.simple(token)

    def nested(self, token: Token) -> Node:
        """NOT ... or ( ... ), at most MAX_NESTING deep."""
        if self.depth >= MAX_NESTING:
            raise self.fail(f"a condition: NOT and parentheses nest at most {MAX_NESTING} deep")
        self.depth += 1
        self.index += 1
        if token.kind == "(":
            node = self.or_expr()
            self.take(")", "')'")
        else:
            node = Not(self.unary())
        self.depth -= 1
        return node

    def simple(self, token: Token) -> Node:
        if self._at_group():
            left = self.group()
            op = self.take("op", "an operator = != < > <= >= after " + left.name)
            return GroupCompare(left, _group_op(self.text, op), self.value(allow_field=True))
        if token.keyword in FUNCTIONS and (nxt := self.peek(1)) is not None and nxt.kind == "(":
            self.index += 2
            path = self.operand()
            self.take(")", "')'")
            return Function(token.keyword, path)
        return self.condition(self.operand())

    def operand(self) -> str:
        token = self.peek()
        if token is None or token.kind not in ("path", "word") or token.keyword in _KEYWORDS:
            raise self.fail("an element, as [NAME] or NAME")
        self.index += 1
        if not token.text:
            raise QuerySyntaxError(self.text, position=token.position, expected="an element name inside []")
        _check_path(self.text, token, self.parse_path)
        return token.text

    def _at_group(self) -> bool:
        token, nxt = self.peek(), self.peek(1)
        return token is not None and token.keyword.startswith("GROUP_") and nxt is not None and nxt.kind == "("

    def group(self) -> Aggregate:
        """`GROUP_MIN([PRICE_VAT])`, `GROUP_COUNT()`: unknown names and wrong arguments are syntax errors."""
        token = self.take("word", "a group function")
        if token.keyword not in AGGREGATES:
            self.index -= 1
            raise self.fail("a group function (" + ", ".join(AGGREGATES) + ")")
        self.index += 1  # the "("
        if token.keyword == "GROUP_COUNT":
            self.take(")", "')': GROUP_COUNT() takes no element")
            return Aggregate(token.keyword, "")
        path = self.operand()
        self.take(")", "')'")
        return Aggregate(token.keyword, path)

    def condition(self, path: str) -> Node:
        token = self.peek()
        if token is not None and token.kind == "op":
            self.index += 1
            if self._at_group():
                return Compare(path, _group_op(self.text, token), self.group())
            return Compare(path, token.text, self.value(allow_field=True))
        negated = self.take_keyword("NOT") is not None
        word = self.take_keyword("CONTAINS", "IN", "IS", "EXISTS")
        if word == "CONTAINS":
            value = self.value(allow_field=True, allow_group=False)
            return Compare(path, "NOT CONTAINS" if negated else "CONTAINS", value)
        if word == "IN":
            return In(path, self.items(), negated)
        if word == "IS" and not negated:
            is_not = self.take_keyword("NOT") is not None
            if not self.take_keyword("EMPTY"):
                raise self.fail("EMPTY")
            return Empty(path, is_not)
        if word == "EXISTS" and not negated:
            return Exists(path)
        raise self.fail("CONTAINS or IN after NOT" if negated else _EXPECT_OPERATOR)

    def value(self, *, allow_field: bool, allow_group: bool = True) -> Literal | FieldRef | Aggregate:
        token = self.peek()
        if token is None or token.kind not in ("string", "word", "path"):
            raise self.fail('a value: "text", a number or a word')
        if self._at_group():
            if not (allow_field and allow_group):
                raise self.fail("a text value, not a group function")
            return self.group()
        self.index += 1
        if token.kind == "path":
            if not allow_field:
                raise QuerySyntaxError(
                    self.text, position=token.position, expected="a text value", found=token.text
                )
            _check_path(self.text, token, self.parse_path)
            return FieldRef(token.text)
        return Literal(token.text)

    def items(self) -> tuple[str, ...]:
        self.take("(", "'(' starting the list")
        items = [self._item()]
        while (token := self.peek()) is not None and token.kind in (",", ";"):
            self.index += 1
            items.append(self._item())
        self.take(")", "',' or ')' in the list")
        return tuple(items)

    def _item(self) -> str:
        token = self.peek()
        if token is None or token.kind not in ("string", "word"):
            raise self.fail("a list item")
        self.index += 1
        return token.text


def _group_op(text: str, token: Token) -> str:
    if token.text not in _GROUP_OPERATORS:
        raise QuerySyntaxError(
            text, position=token.position, expected="= != < > <= >= with a group function", found=token.text
        )
    return token.text


def _check_path(text: str, token: Token, parse_path: Callable[[str], object]) -> None:
    """Parse the element path now, so a bad path is a syntax error of the query, at the right place."""
    try:
        parse_path(token.text)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(
            text, position=token.position + exc.position, expected=exc.expected, found=exc.found
        ) from exc


def parse_query(text: str, parse_path: Callable[[str], object]) -> Node:
    """Parse MQL text into a syntax tree; raises QuerySyntaxError with the position and what was expected.

    `parse_path` parses the element paths the query names (feeds.transforms.query.parse_path): passed in,
    as paths hold MQL filters in turn.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            text[:40] + "...", position=MAX_QUERY_CHARS, expected=f"at most {MAX_QUERY_CHARS} characters"
        )
    return _Parser(text, parse_path).parse()
