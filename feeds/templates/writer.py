"""TemplateWriter: a user's template as a streaming writer, driven like the built-in ones.

`begin()` writes the envelope (or the CSV header), `write(chunk)` renders each product and writes the
chunk's bytes at once, `end()` closes the envelope. Nothing is kept per product beyond the chunk, so
memory does not grow with the feed. A product that fails (over its time or size budget, a value that
cannot be computed, an item the template's schema refuses) is left out and recorded as a
`TemplateRenderError` naming the product and the template field; the run goes on.

Output goes to a binary stream because the template chooses the encoding (a text handle from
`feeds.atomic.atomic_text` gives its `.buffer`). XML is UTF-8 unless the template says otherwise;
characters another encoding cannot hold are written as character references.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any, BinaryIO

from lxml import etree

from feeds.model import Element, product_id
from feeds.templates.errors import TemplateRenderError
from feeds.templates.model import CsvTemplate, HeaderElement, XmlTemplate
from feeds.templates.render import Budget, FieldFailure, compile_item, compile_row
from feeds.templates.schema import compile_schema, safe_parser
from feeds.templates.xmlnames import clean_text, escape_attr, escape_text

TIME_BUDGET_MS = 50.0
SIZE_BUDGET_CHARS = 1_000_000
MAX_REPORTED_ERRORS = 50
_INDENT = "  "


class TemplateWriter:
    """Writes products with an XML or CSV template; `errors` holds the first failures, `failed` counts all."""

    def __init__(
        self,
        out: BinaryIO,
        template: XmlTemplate | CsvTemplate,
        *,
        time_budget_ms: float = TIME_BUDGET_MS,
        size_budget: int = SIZE_BUDGET_CHARS,
        today: date | None = None,
    ) -> None:
        self.out = out
        self.template = template
        self.products_out = 0
        self.failed = 0
        self.errors: list[TemplateRenderError] = []
        self._budget = Budget(time_budget_ms / 1000, size_budget)
        self._seen = 0
        today = today or date.today()
        if isinstance(template, XmlTemplate):
            self._format: _XmlFormat | _CsvFormat = _XmlFormat(template, today)
        else:
            self._format = _CsvFormat(template, today)

    def begin(self) -> None:
        """The XML declaration, root, containers and header; or the CSV header row."""
        self.out.write(self._format.begin())

    def write(self, products: Sequence[Element]) -> None:
        """Render a chunk; failed products are left out and recorded."""
        pieces: list[str] = []
        render, budget = self._format.render, self._budget
        for product in products:
            self._seen += 1
            budget.start()
            try:
                pieces.append(render(product, budget))
            except FieldFailure as exc:
                self._fail(product, exc.field, exc.reason)
                continue
            self.products_out += 1
        self.out.write(self._format.encode(pieces))

    def end(self) -> None:
        """Close the envelope (nothing for CSV)."""
        self.out.write(self._format.end())

    def _fail(self, product: Element, field: str, reason: str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            ident = product_id(product) or f"product #{self._seen}"
            self.errors.append(TemplateRenderError(ident, field, reason))


class _XmlFormat:
    def __init__(self, template: XmlTemplate, today: date) -> None:
        self.template = template
        self.item, _ = compile_item(template, today=today)
        self.encoding = template.encoding
        self.errors = "strict" if self.encoding == "utf-8" else "xmlcharrefreplace"
        self.declaration, self.head, self.tail = _envelope(template)
        self.schema = compile_schema(template.xml_schema) if template.xml_schema is not None else None
        self._check_envelope()

    def _check_envelope(self) -> None:
        """The envelope alone is well-formed (header texts are escaped; this proves the whole of it)."""
        etree.fromstring(self._document("").encode("utf-8"), safe_parser())

    def _document(self, item: str) -> str:
        """One item in the envelope, without the declaration (the checked text is a str, not bytes)."""
        return self.head + item + self.tail

    def begin(self) -> bytes:
        return (self.declaration + self.head).encode(self.encoding, self.errors)

    def render(self, product: Element, budget: Budget) -> str:
        text = self.item(product, budget)
        if self.schema is not None:
            text = clean_text(text)
            self._validate(text)
        return text

    def _validate(self, item: str) -> None:
        assert self.schema is not None
        try:
            document = etree.fromstring(self._document(item).encode("utf-8"), safe_parser())
        except etree.XMLSyntaxError as exc:  # cannot happen with escaped values and checked names; say so if it does
            raise FieldFailure("item", f"the output is not well-formed XML: {exc}") from exc
        if not self.schema.validate(document):
            error = self.schema.error_log.last_error
            raise FieldFailure("xml_schema", f"the schema refuses the item: {error.message} ({error.path})")

    def encode(self, pieces: list[str]) -> bytes:
        text = "".join(pieces)
        if self.schema is None:  # else each item was cleaned before its check
            text = clean_text(text)
        return text.encode(self.encoding, self.errors)

    def end(self) -> bytes:
        return self.tail.encode(self.encoding, self.errors)


def _envelope(template: XmlTemplate) -> tuple[str, str, str]:
    """(the declaration; root, containers and header; closing containers and root)."""
    nl = "\n" if template.indent else ""
    declaration = f'<?xml version="1.0" encoding="{template.encoding.upper()}"?>{nl}'
    ns = "".join(f' xmlns="{escape_attr(uri)}"' if not prefix else f' xmlns:{prefix}="{escape_attr(uri)}"'
                 for prefix, uri in template.namespaces.items())
    attrs = "".join(f' {name}="{escape_attr(value)}"' for name, value in template.root_attributes.items())
    head = [f"<{template.root}{ns}{attrs}>{nl}"]
    for depth, name in enumerate(template.container, start=1):
        head.append(f"{_INDENT * depth if nl else ''}<{name}>{nl}")
    depth = 1 + len(template.container)
    for element in template.header:
        _header_xml(element, depth, nl, head)
    tail = [f"{_INDENT * d if nl else ''}</{name}>{nl}" for d, name in reversed(
        list(enumerate(template.container, start=1)))]
    tail.append(f"</{template.root}>{nl}")
    return declaration, clean_text("".join(head)), "".join(tail)


def _header_xml(element: HeaderElement, depth: int, nl: str, out: list[str]) -> None:
    pad = _INDENT * depth if nl else ""
    attrs = "".join(f' {name}="{escape_attr(value)}"' for name, value in element.attributes.items())
    if element.children:
        out.append(f"{pad}<{element.name}{attrs}>{nl}")
        for child in element.children:
            _header_xml(child, depth + 1, nl, out)
        out.append(f"{pad}</{element.name}>{nl}")
    elif element.text:
        out.append(f"{pad}<{element.name}{attrs}>{escape_text(element.text)}</{element.name}>{nl}")
    else:
        out.append(f"{pad}<{element.name}{attrs}/>{nl}")


class _CsvFormat:
    def __init__(self, template: CsvTemplate, today: date) -> None:
        self.template = template
        self.row, self.header = compile_row(template, today=today)
        quoting = {"minimal": csv.QUOTE_MINIMAL, "all": csv.QUOTE_ALL, "none": csv.QUOTE_NONE}
        self.quoting: Any = quoting[template.quoting]
        self.terminator = "\r\n" if template.line_end == "crlf" else "\n"
        self.encoding = template.encoding
        self.buffer = io.StringIO()
        self.csv = self._writer(self.buffer)

    def _writer(self, buffer: io.StringIO) -> Any:
        return csv.writer(buffer, delimiter=self.template.delimiter, quoting=self.quoting,
                          lineterminator=self.terminator, escapechar=None)

    def begin(self) -> bytes:
        if not self.template.header:
            return b"\xef\xbb\xbf" if self.encoding == "utf-8-sig" else b""
        buffer = io.StringIO()
        self._writer(buffer).writerow(self.header)
        return buffer.getvalue().encode(self.encoding, "replace")

    def render(self, product: Element, budget: Budget) -> str:
        row = self.row(product, budget)
        buffer = self.buffer
        buffer.seek(0)
        buffer.truncate()
        self.csv.writerow(row)
        line = buffer.getvalue()
        if self.encoding not in ("utf-8", "utf-8-sig"):
            self._check_encodable(line)
        return line

    def _check_encodable(self, line: str) -> None:
        try:
            line.encode(self.encoding)
        except UnicodeEncodeError as exc:
            column = self._column_at(line, exc.start)
            raise FieldFailure(column, f"{line[exc.start]!r} cannot be written in {self.encoding}") from exc

    def _column_at(self, line: str, index: int) -> str:
        cells = next(csv.reader([line[:index + 1]], delimiter=self.template.delimiter), [])
        return self.header[len(cells) - 1] if 0 < len(cells) <= len(self.header) else "row"

    def encode(self, pieces: list[str]) -> bytes:
        return "".join(pieces).encode("utf-8" if self.encoding == "utf-8-sig" else self.encoding)

    def end(self) -> bytes:
        return b""


__all__ = ["MAX_REPORTED_ERRORS", "SIZE_BUDGET_CHARS", "TIME_BUDGET_MS", "TemplateWriter"]
