"""One streaming parser for every XML feed format: Heureka, Zboží, Google RSS/Atom, Meta, Mergado, any XML.

The item element is found once (from the format, or by sniffing the first elements), then lxml's
iterparse hands us each finished item; we turn it into a `Product` tree and free the lxml nodes,
so memory stays flat whatever the feed's size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from feeds.errors import FeedSyntaxError, NotAFeedError
from feeds.formats import FeedFormat
from feeds.model import CHUNK_SIZE, Element, FeedInfo, Product, product_id
from feeds.parsers.safe import check_prolog, encoding_override, hint_for, safe_iterparse

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
            for seen, (event, elem) in enumerate(safe_iterparse(handle, events=("start", "end"), encoding=encoding)):
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


class XmlFeedParser:
    """Streams the products of one XML file; `info` describes the envelope once the first chunk is read."""

    def __init__(self, path: Path, fmt: FeedFormat, *, item_path: tuple[str, ...] | None = None) -> None:
        self.path = path
        self.info = FeedInfo(format=fmt.key)
        with open(path, "rb") as handle:
            check_prolog(handle.read(64 * 1024))
        self._encoding = encoding_override(path, self.info.warnings)
        if item_path is None:
            shape = sniff_shape(path, self._encoding)
            item_path = fmt.container + (fmt.item,) if fmt.item else shape.item_path
            if not item_path:
                raise NotAFeedError("no repeating product element found in this XML", hint="is this a product feed?")
        self._item_path = item_path
        self._names: dict[str, str] = {}

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[list[Product]]:
        """Yield lists of products in feed order; raise FeedSyntaxError where the XML breaks."""
        item_local = self._item_path[-1]
        depth = len(self._item_path)
        chunk: list[Product] = []
        last_id: str | None = None
        count = 0
        with open(self.path, "rb") as handle:
            events = safe_iterparse(handle, events=("end",), tag=f"{{*}}{item_local}", encoding=self._encoding)
            try:
                for _, elem in events:
                    if _depth(elem) != depth:
                        continue
                    if count == 0:
                        self._read_envelope(elem)
                    product = self._product(elem)
                    last_id = product_id(product) or last_id
                    chunk.append(product)
                    count += 1
                    _free(elem)
                    if len(chunk) >= size:
                        yield chunk
                        chunk = []
            except etree.XMLSyntaxError as exc:
                raise _syntax_error(exc, last_id) from exc
        if count == 0:
            raise NotAFeedError(f"the feed contains no products (no <{item_local}> elements)")
        if chunk:
            yield chunk

    def _read_envelope(self, first_item: etree._Element) -> None:
        root = first_item.getroottree().getroot()
        info = self.info
        info.root = self._name(root)
        info.nsmap = dict(root.nsmap)
        info.root_attrs = {self._attr_name(k, root): v for k, v in root.attrib.items()}
        info.item = self._name(first_item)
        info.container = [self._name(a) for a in reversed(list(first_item.iterancestors()))][1:]
        info.header = [self._element(sibling) for sibling in first_item.itersiblings(preceding=True)
                       if isinstance(sibling.tag, str)][::-1]
        info.encoding = (self._encoding or first_item.getroottree().docinfo.encoding or "utf-8").lower()

    def _product(self, elem: etree._Element) -> Product:
        children, text = self._children(elem)
        return Product(self._name(elem), text, self._attrs(elem), children, line=elem.sourceline)

    def _children(self, elem: etree._Element) -> tuple[list[Element], str]:
        """The hot path of every import: one pass over the children, each property read once.

        Comments, processing instructions and entity references never reach here: the safe
        parser removes the first two and refuses documents that declare entities.
        """
        children: list[Element] = []
        mixed = False
        names, convert = self._names, self._children
        for child in elem:
            tag = child.tag
            grandchildren, text = convert(child) if len(child) else ([], child.text or "")
            items = child.items()
            children.append(Element(names.get(tag) or self._name(child), text,
                                    self._attrs(child) if items else {}, grandchildren))
            tail = child.tail
            if tail and not mixed and not tail.isspace():
                mixed = True
        if not children:
            return children, elem.text or ""
        text = elem.text
        if mixed or (text and not text.isspace()):
            return [], _inner_xml(elem)  # mixed content (e.g. raw HTML): kept whole, as text
        return children, ""

    def _attrs(self, elem: etree._Element) -> dict[str, str]:
        return {self._attr_name(k, elem): v for k, v in elem.items()}

    def _name(self, elem: etree._Element) -> str:
        name = self._names.get(elem.tag)
        if name is None:
            local = etree.QName(elem.tag).localname
            name = self._names[elem.tag] = f"{elem.prefix}:{local}" if elem.prefix else local
        return name

    @staticmethod
    def _attr_name(key: str, elem: etree._Element) -> str:
        if not key.startswith("{"):
            return key
        qname = etree.QName(key)
        if qname.namespace == "http://www.w3.org/XML/1998/namespace":
            return f"xml:{qname.localname}"
        prefix = next((p for p, uri in elem.nsmap.items() if uri == qname.namespace and p), None)
        return f"{prefix}:{qname.localname}" if prefix else qname.localname


def _depth(elem: etree._Element) -> int:
    depth = 0
    parent = elem.getparent()
    while parent is not None:
        depth += 1
        parent = parent.getparent()
    return depth


def _free(elem: etree._Element) -> None:
    """Drop a finished item and everything before it, so lxml's tree never grows."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _inner_xml(elem: etree._Element) -> str:
    parts = [elem.text or ""]
    parts.extend(etree.tostring(child, encoding="unicode", with_tail=True) for child in elem)
    return "".join(parts)


def _syntax_error(exc: etree.XMLSyntaxError, last_id: str | None) -> FeedSyntaxError:
    message = str(exc.msg or exc).split(", line ")[0]
    line, column = (exc.position if exc.position else (None, None))
    return FeedSyntaxError(f"broken XML: {message}", line=line, column=column, item_id=last_id, hint=hint_for(message))
