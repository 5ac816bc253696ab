"""A validated template compiled into closures that render one product: an XML item or a CSV row.

Compiled once per writer: names become ready-made tag strings, paths are parsed, expressions become
closures (feeds.templates.expr). Per product only values are read, escaped and appended to a list.

Budgets: after every top-level element or column, and after every repetition of a group, the
product's elapsed time and output size are checked; running over either stops that product with a
`FieldFailure` naming the field where it ran out. No single field can run long on its own: the
language has no loops, every value is capped at MAX_VALUE_CHARS, and regular expressions carry their
own time limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from feeds.exports.csvwriter import spreadsheet_safe
from feeds.model import Element
from feeds.templates.errors import ValueFailure
from feeds.templates.expr.compile import Shared, compile_expression
from feeds.templates.expr.functions import BOOL, LIST, TEXT
from feeds.templates.model import AttributeSpec, CsvColumn, CsvTemplate, ElementSpec, XmlTemplate
from feeds.templates.paths import parse_path
from feeds.templates.xmlnames import cdata, escape_attr, escape_text

_INDENT = "  "


class FieldFailure(Exception):
    """One product stops at one template field (a label such as `g:shipping > g:price`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class Budget:
    """The time and size one product may use; `check` after each field names the field that ran over.

    Time is the CPU time of this thread: on a busy machine a product can wait longer than its budget
    without using it (a 100k run under load had one such product), and that is not the template's
    fault. The cheap wall clock is read after each field; the thread's CPU clock only once it says
    the budget may be spent.
    """

    __slots__ = ("cpu_start", "deadline", "max_size", "seconds", "size")

    def __init__(self, seconds: float, max_size: int) -> None:
        self.seconds = seconds
        self.max_size = max_size
        self.deadline = 0.0
        self.cpu_start = 0.0
        self.size = 0

    def start(self) -> None:
        """A new product."""
        self.deadline = time.perf_counter() + self.seconds
        self.cpu_start = time.thread_time()
        self.size = 0

    def check(self, field: str) -> None:
        """FieldFailure when the product is over its size or its time."""
        if self.size > self.max_size:
            raise FieldFailure(field, f"the product's output is over its size budget of {self.max_size:,} characters")
        if time.perf_counter() > self.deadline:
            left = self.seconds - (time.thread_time() - self.cpu_start)
            if left < 0 or self.seconds == 0:
                raise FieldFailure(field, f"the product ran over its time budget of {self.seconds * 1000:g} ms")
            self.deadline = time.perf_counter() + left  # it waited, it did not work: what is left of the budget


Renderer = Callable[[Element, list[str], Budget], None]
Getter = Callable[[Element], Any]


def _getter(spec: ElementSpec | AttributeSpec | CsvColumn, want: str | None, today: date,
            shared: Shared) -> tuple[Getter, str]:
    """(closure, type) reading the spec's value: a path gives a list, an expression its own type, text text."""
    if spec.path is not None:
        path = parse_path(spec.path)
        return (path.first, TEXT) if want == TEXT else (path.values, LIST)
    if spec.expr is not None:
        compiled = compile_expression(spec.expr, want, today=today, shared=shared)
        return compiled.unguarded, compiled.type
    text = spec.text or ""
    return (lambda _: text), TEXT


def _guard(fn: Getter, field: str) -> Getter:
    """`fn`, with a failure to compute the value turned into a FieldFailure naming the field."""
    def read(node: Element) -> Any:
        try:
            return fn(node)
        except ValueFailure as exc:
            raise FieldFailure(field, exc.reason) from exc
        except (ArithmeticError, ValueError) as exc:  # a Decimal overflow, a date out of range
            raise FieldFailure(field, f"cannot compute the value: {exc.__class__.__name__}") from exc
    return read


def _expressions(specs: Iterable[ElementSpec | AttributeSpec | CsvColumn]) -> Iterator[str]:
    """Every expression of a template (values, conditions, attributes), for `Shared`."""
    stack = list(specs)
    while stack:
        spec = stack.pop()
        yield from (text for text in (spec.expr, getattr(spec, "when", None)) if text is not None)
        if isinstance(spec, ElementSpec):
            stack.extend(spec.attributes)
            stack.extend(spec.children)


# --- XML ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _XmlContext:
    indent: bool
    today: date
    encodable: Callable[[str], bool] | None  # None: UTF-8, everything is
    shared: Shared


def compile_item(template: XmlTemplate, *, today: date) -> tuple[Callable[[Element, Budget], str], list[str]]:
    """(render one product as its item text, the labels of the top-level elements)."""
    encoding = template.encoding
    shared = Shared(_expressions([*template.elements, *template.item_attributes]))
    context = _XmlContext(template.indent, today, None if encoding == "utf-8" else _can_encode(encoding), shared)
    depth = 1 + len(template.container)
    pad, nl = (_INDENT * depth, "\n") if template.indent else ("", "")
    attributes = [_attribute(attr, template.item, context) for attr in template.item_attributes]
    children = [(_element(spec, depth + 1, spec.name, context), spec.name) for spec in template.elements]
    item = template.item
    plain_open, close = f"{pad}<{item}>{nl}", f"{pad}</{item}>{nl}"

    def render(product: Element, budget: Budget) -> str:
        out = [f"{pad}<{item}{_attributes(attributes, product)}>{nl}" if attributes else plain_open]
        for renderer, label in children:
            renderer(product, out, budget)
            budget.check(label)
        out.append(close)
        return "".join(out)

    return render, [label for _, label in children]


def _can_encode(encoding: str) -> Callable[[str], bool]:
    def encodable(text: str) -> bool:
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            return False
        return True
    return encodable


def _attribute(spec: AttributeSpec, owner: str, context: _XmlContext) -> tuple[str, Getter]:
    getter, _ = _getter(spec, TEXT, context.today, context.shared)
    return spec.name, _guard(getter, f"{owner} > @{spec.name}")


def _attributes(attributes: list[tuple[str, Getter]], node: Element) -> str:
    parts = []
    for name, getter in attributes:
        value = getter(node)
        if value:
            parts.append(f' {name}="{escape_attr(value)}"')
    return "".join(parts)


def _element(spec: ElementSpec, depth: int, label: str, context: _XmlContext) -> Renderer:
    if spec.children:
        return _group(spec, depth, label, context)
    if spec.for_each is None and spec.when is None and not spec.attributes and not spec.cdata:
        return _simple_leaf(spec, depth, label, context)
    return _leaf(spec, depth, label, context)


def _simple_leaf(spec: ElementSpec, depth: int, label: str, context: _XmlContext) -> Renderer:
    """The common case, kept tight: a value (one or many), no attributes, condition or CDATA."""
    pad, nl = (_INDENT * depth, "\n") if context.indent else ("", "")
    head, tail, empty = f"{pad}<{spec.name}>", f"</{spec.name}>{nl}", f"{pad}<{spec.name}/>{nl}"
    fixed = len(head) + len(tail)
    getter, kind = _getter(spec, None, context.today, context.shared)
    read, keep_empty = _guard(getter, label), spec.keep_empty

    def render(node: Element, out: list[str], budget: Budget) -> None:
        value = read(node)
        for text in (value if kind == LIST else (value,)):
            if text:
                if "&" in text or "<" in text or ">" in text:
                    text = escape_text(text)
                out.append(head + text + tail)
                budget.size += len(text) + fixed
            elif keep_empty:
                out.append(empty)

    return render


def _targets(spec: ElementSpec, context: _XmlContext, label: str) -> Callable[[Element], list[Element]]:
    """The nodes the element is written for: each node of `for_each`, else the current one, if `when` holds."""
    nodes: Callable[[Element], list[Element]] = (
        parse_path(spec.for_each).nodes if spec.for_each is not None else (lambda node: [node]))
    if spec.when is None:
        return nodes
    compiled = compile_expression(spec.when, BOOL, today=context.today, shared=context.shared)
    when = _guard(compiled.unguarded, f"{label} (when)")
    return lambda node: [target for target in nodes(node) if when(target)]


def _leaf(spec: ElementSpec, depth: int, label: str, context: _XmlContext) -> Renderer:
    """Any leaf: repeated per node and per value, with attributes, a condition, CDATA."""
    pad, nl = (_INDENT * depth, "\n") if context.indent else ("", "")
    name, keep_empty, encodable = spec.name, spec.keep_empty, context.encodable
    targets = _targets(spec, context, label)
    attributes = [_attribute(attr, label, context) for attr in spec.attributes]
    getter, kind = _getter(spec, None, context.today, context.shared) if spec.sources() else ((lambda _: ""), TEXT)
    read = _guard(getter, label)
    as_cdata = spec.cdata

    def render(node: Element, out: list[str], budget: Budget) -> None:
        for target in targets(node):
            value = read(target)
            attrs = _attributes(attributes, target) if attributes else ""
            for text in (value if kind == LIST else (value,)):
                if text:
                    use_cdata = as_cdata and (encodable is None or encodable(text))
                    body = cdata(text) if use_cdata else escape_text(text)
                    out.append(f"{pad}<{name}{attrs}>{body}</{name}>{nl}")
                    budget.size += len(body) + len(attrs)
                elif attrs or keep_empty:
                    out.append(f"{pad}<{name}{attrs}/>{nl}")
                    budget.size += len(attrs)

    return render


def _group(spec: ElementSpec, depth: int, label: str, context: _XmlContext) -> Renderer:
    """An element with child elements, once (or once per `for_each` node); left out when nothing is inside."""
    pad, nl = (_INDENT * depth, "\n") if context.indent else ("", "")
    name, keep_empty = spec.name, spec.keep_empty
    targets = _targets(spec, context, label)
    attributes = [_attribute(attr, label, context) for attr in spec.attributes]
    children = [_element(child, depth + 1, f"{label} > {child.name}", context) for child in spec.children]
    close = f"{pad}</{name}>{nl}"

    def render(node: Element, out: list[str], budget: Budget) -> None:
        for target in targets(node):
            mark = len(out)
            attrs = _attributes(attributes, target) if attributes else ""
            out.append(f"{pad}<{name}{attrs}>{nl}")
            for child in children:
                child(target, out, budget)
            if len(out) == mark + 1 and not attrs and not keep_empty:
                del out[mark:]
            else:
                out.append(close)
            budget.check(label)

    return render


# --- CSV ----------------------------------------------------------------------------------------


def compile_row(template: CsvTemplate, *, today: date) -> tuple[Callable[[Element, Budget], list[str]], list[str]]:
    """(render one product as its row of cells, the header)."""
    quote_none = template.quoting == "none"
    forbidden = (template.delimiter, '"', "\n", "\r")
    columns = []
    shared = Shared(_expressions(template.columns))
    for column in template.columns:
        getter, kind = _getter(column, None, today, shared)
        columns.append((_guard(getter, column.name or "(unnamed column)"), kind == LIST, column.join_with,
                        column.name))
    safe = spreadsheet_safe if template.escape_formulas else None

    def render(product: Element, budget: Budget) -> list[str]:
        row = []
        for read, many, join_with, label in columns:
            value = read(product)
            cell = join_with.join(value) if many else value
            if safe is not None and cell:
                cell = safe(cell)
            if quote_none and any(char in cell for char in forbidden):
                raise FieldFailure(label, "the value holds the delimiter, a quote or a line break, and quoting "
                                          "is none (remove them with replace() in the expression)")
            budget.size += len(cell) + 1
            row.append(cell)
            budget.check(label)
        return row

    return render, [column.name for column in template.columns]


__all__ = ["Budget", "FieldFailure", "compile_item", "compile_row"]
