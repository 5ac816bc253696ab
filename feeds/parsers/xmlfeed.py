"""One streaming parser for every XML feed format: Heureka, Zboží, Google RSS/Atom, Meta, Mergado, any XML.

The item element is found once (from the format, or by sniffing the first elements). Then lxml
parses through a *parser target*: libxml2 calls our start/data/end methods and we build `Product`
trees directly, so lxml never builds its own tree or Python proxies for it. Measured on a Heureka
feed: about 3x faster than walking iterparse's elements, and memory stays flat because each
finished chunk of products is handed on and dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from feeds.errors import FeedSyntaxError, NotAFeedError
from feeds.formats import FeedFormat
from feeds.model import CHUNK_SIZE, Element, FeedInfo, Product, product_id
from feeds.parsers.safe import (
    check_prolog,
    declared_encoding,
    encoding_override,
    has_external_dtd,
    hint_for,
    safe_iterparse,
    safe_target_parser,
)

SNIFF_ELEMENTS = 20_000
KNOWN_ITEMS = ("SHOPITEM", "item", "entry", "ITEM")  # Heureka/Zboží, RSS, Atom, Mergado


@dataclass(frozen=True)
class XmlShape:
    """Root, namespaces and the path to the repeating item element, as sniffed from the start of a file."""

    root: str
    nsmap: dict[str | None, str]
    item_path: tuple[str, ...]  # local names from the root's child down to the item, e.g. ("channel", "item")


def sniff_shape(path: Path, encoding: str | None = None) -> XmlShape:
    """Read the first elements and guess the repeating item element (the shallowest one that repeats)."""
    counts: Counter[tuple[str, ...]] = Counter()
    has_children: set[tuple[str, ...]] = set()
    stack: list[str] = []
    root_name, nsmap = "", {}
    with open(path, "rb") as handle:
        try:
            events = safe_iterparse(handle, events=("start", "end"), encoding=encoding)
            for seen, (event, elem) in enumerate(events):
                if event == "end":
                    stack.pop()
                    elem.clear(keep_tail=True)
                    continue
                local = etree.QName(elem).localname
                if not stack:
                    root_name, nsmap = local, dict(elem.nsmap)
                else:
                    has_children.add(tuple(stack[1:]))
                    counts[tuple(stack[1:]) + (local,)] += 1
                stack.append(local)
                if seen > SNIFF_ELEMENTS:
                    break
        except etree.XMLSyntaxError:
            pass  # the real parse reports it, with the line; a sniff needs only the start
    if not root_name:
        raise NotAFeedError("the file contains no XML element", hint="is it empty, or not XML at all?")
    return XmlShape(root_name, nsmap, _item_path(counts, has_children))


def _item_path(counts: Counter[tuple[str, ...]], has_children: set[tuple[str, ...]]) -> tuple[str, ...]:
    known = [p for p in counts if len(p) <= 2 and p[-1] in KNOWN_ITEMS and p[:-1] in ((), ("channel",))]
    if known:
        return known[0]
    records = [p for p in counts if p in has_children]
    repeated = [p for p in records if counts[p] > 1]
    candidates = repeated or records
    if not candidates:
        return ()
    return min(candidates, key=lambda p: (len(p), -counts[p]))


READ_BLOCK_BYTES = 256 * 1024
ENCODING_LABELS = {
    "cp1250": "windows-1250",
    "cp1252": "windows-1252",
    "iso8859-2": "iso-8859-2",
    "latin-1": "iso-8859-1",
}
"""Python codec names -> the labels feeds declare and users know."""
NOT_A_FEED_HINT = "is this a product feed?"
CHILD = "\x00"
"""Stands in a parent's text pieces where a child element was: XML 1.0 text can never contain it."""
MAX_NESTING = 64
"""Deepest element nesting inside one product; deeper is hostile (real feeds nest 3-4 levels)."""


class XmlFeedParser:
    """Streams the products of one XML file; `info` describes the envelope once the first chunk is read."""

    def __init__(self, path: Path, fmt: FeedFormat, *, item_path: tuple[str, ...] | None = None) -> None:
        self.path = path
        self.info = FeedInfo(format=fmt.key)
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
        check_prolog(head)
        self._encoding = encoding_override(path, self.info.warnings)
        self._external_dtd = has_external_dtd(head)
        declared = declared_encoding(head)
        self.info.encoding = self._encoding or ENCODING_LABELS.get(declared or "", declared) or "utf-8"
        if item_path is None:
            item_path = fmt.container + (fmt.item,) if fmt.item else sniff_shape(path, self._encoding).item_path
            if not item_path:
                raise NotAFeedError("no repeating product element found in this XML", hint=NOT_A_FEED_HINT)
        self._item_path = item_path

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[list[Product]]:
        """Yield lists of products in feed order; raise FeedSyntaxError where the XML breaks."""
        if self._external_dtd:
            self._check_entity_references()
        builder = _TreeBuilder(self._item_path, self.info)
        parser = safe_target_parser(builder, encoding=self._encoding)
        count = 0
        with open(self.path, "rb") as handle:
            try:
                while block := handle.read(READ_BLOCK_BYTES):
                    parser.feed(block)
                    while len(builder.products) >= size:
                        chunk, builder.products = builder.products[:size], builder.products[size:]
                        count += len(chunk)
                        yield chunk
                parser.close()
            except etree.XMLSyntaxError as exc:
                raise _syntax_error(exc, builder.last_id()) from exc
        count += len(builder.products)
        if count == 0:
            raise NotAFeedError(f"the feed contains no products (no <{self._item_path[-1]}> elements)")
        if builder.products:
            yield builder.products


    def _check_entity_references(self) -> None:
        """A pre-pass for feeds with an external DTD: unknown entities must fail, not vanish."""
        with open(self.path, "rb") as handle:
            try:
                for _, elem in safe_iterparse(handle, events=("end",), encoding=self._encoding):
                    elem.clear(keep_tail=True)
                    parent = elem.getparent()
                    while parent is not None and elem.getprevious() is not None:
                        del parent[0]
            except etree.XMLSyntaxError as exc:
                raise _syntax_error(exc, None) from exc


class _TreeBuilder:
    """lxml parser target: builds Product trees for items and header elements, ignores the rest."""

    def __init__(self, item_path: tuple[str, ...], info: FeedInfo) -> None:
        self.products: list[Product] = []
        self._info = info
        self._item = item_path[-1]
        self._item_depth = len(item_path)
        self._container = item_path[:-1]
        self._path: list[str] = []  # local names of the open elements, root first
        self._stack: list[Element] = []  # open elements of the item (or header element) being built
        self._parts: list[list[str]] = []  # per open element: its text pieces, CHILD where a child element stood
        self._prefixes: dict[str, str] = {}  # namespace URI -> prefix users see ("" for the default)
        self._names: dict[str, str] = {}
        self._seen_item = False
        self._markup_ids: set[int] = set()  # elements of the current item whose text is already markup

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str | None, str]) -> None:
        if nsmap:
            for prefix, uri in nsmap.items():
                self._prefixes.setdefault(uri, prefix or "")
        stack = self._stack
        if not stack:
            self._start_outside(tag, attrib, nsmap)
            return
        if len(stack) >= MAX_NESTING:
            raise FeedSyntaxError(f"a product nests elements more than {MAX_NESTING} levels deep; refused")
        # Inside an item: the hot path, one call per element of the feed.
        attrs = {(self._names.get(k) or self._name(k)): v for k, v in attrib.items()} if attrib else {}
        element = Element(self._names.get(tag) or self._name(tag), "", attrs, [])
        stack[-1].children.append(element)
        parts = self._parts
        parts[-1].append(CHILD)
        stack.append(element)
        parts.append([])

    def _start_outside(self, tag: str, attrib: dict[str, str], nsmap: dict[str | None, str]) -> None:
        name = self._names.get(tag) or self._name(tag)
        local = name.rsplit(":", 1)[-1]
        path = self._path
        path.append(local)
        if len(path) == 1:
            self._info.root, self._info.root_attrs = name, dict(attrib)
            self._info.nsmap = {(prefix or None): uri for prefix, uri in nsmap.items()}
            return
        if len(path) != self._item_depth + 1 or tuple(path[1:-1]) != self._container:
            return
        attrs = {(self._names.get(k) or self._name(k)): v for k, v in attrib.items()} if attrib else {}
        if local == self._item:
            element: Element = Product(name, "", attrs, [])
            if not self._seen_item:
                self._seen_item = True
                self._info.item = name
                self._info.container = [self._names_seen(part) for part in path[1:-1]]
        elif not self._seen_item:
            element = Element(name, "", attrs, [])
            self._info.header.append(element)
        else:
            return  # elements after the items (rare) are not products
        self._stack.append(element)
        self._parts.append([])

    def data(self, text: str) -> None:
        parts = self._parts  # non-empty exactly while an item or header element is open
        if parts:
            parts[-1].append(text)

    def end(self, tag: str) -> None:
        stack = self._stack
        if not stack:
            self._path.pop()
            return
        element = stack.pop()
        parts = self._parts.pop()
        if not element.children:
            element.text = parts[0] if len(parts) == 1 else "".join(parts)
        else:
            joined = "".join(parts)
            text = joined.replace(CHILD, "")
            if text and not text.isspace():  # mixed content (raw HTML): kept whole, as text
                element.text = _markup(joined.split(CHILD), element.children, self._markup_ids)
                element.children = []
                self._markup_ids.add(id(element))
        if not stack:
            self._path.pop()
            self._markup_ids.clear()
            if isinstance(element, Product):
                self.products.append(element)

    def close(self) -> None:
        return None

    def last_id(self) -> str | None:
        """Id of the last complete product, for error messages."""
        return product_id(self.products[-1]) if self.products else None

    def _names_seen(self, local: str) -> str:
        return next((name for name in self._names.values() if name.rsplit(":", 1)[-1] == local), local)

    def _name(self, tag: str) -> str:
        """User-visible name: local for no or the default namespace, `prefix:local` otherwise."""
        if tag[0] != "{":
            name = tag
        else:
            uri, local = tag[1:].split("}", 1)
            if uri == "http://www.w3.org/XML/1998/namespace":
                name = f"xml:{local}"
            else:
                prefix = self._prefixes.get(uri, "")
                name = f"{prefix}:{local}" if prefix else local
        self._names[tag] = name
        return name


def _markup(texts: list[str], children: list[Element], markup_ids: set[int]) -> str:
    """Rebuild the inner markup of a mixed-content element: texts[i] stands before children[i].

    Children that were mixed themselves already hold markup (their ids are in `markup_ids`).
    """
    out = [escape(texts[0])]
    for child, tail in zip(children, texts[1:], strict=True):
        attrs = "".join(f" {k}={quoteattr(v)}" for k, v in child.attrs.items())
        if child.children:
            inner = _markup([""] * (len(child.children) + 1), child.children, markup_ids)
        else:
            inner = child.text if id(child) in markup_ids else escape(child.text)
        out.append(f"<{child.name}{attrs}>{inner}</{child.name}>{escape(tail)}")
    return "".join(out)


def _syntax_error(exc: etree.XMLSyntaxError, last_id: str | None) -> FeedSyntaxError:
    message = str(exc.msg or exc).split(", line ")[0]
    line, column = exc.position if exc.position else (None, None)
    return FeedSyntaxError(
        f"broken XML: {message}", line=line, column=column, item_id=last_id, hint=hint_for(message)
    )
