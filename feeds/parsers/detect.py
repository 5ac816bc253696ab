"""Format detection from content (never from file names): XML root and namespaces, or CSV delimiters."""

from __future__ import annotations

import codecs
from pathlib import Path

from feeds.errors import NotAFeedError
from feeds.formats import ATOM_NS, GOOGLE_NS, MERGADO_NS, ZBOZI_NS
from feeds.parsers.safe import check_prolog, encoding_override, utf8_head
from feeds.parsers.xmlfeed import sniff_shape

SNIFF_BYTES = 64 * 1024


def detect_format(path: Path) -> str:
    """Return the format key of the feed at `path`."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    head = utf8_head(head)  # UTF-16/32 feeds: sniff their text, not their raw bytes
    text_start = head.lstrip(codecs.BOM_UTF8).lstrip()
    if not text_start:
        raise NotAFeedError("the feed is empty")
    if not text_start.startswith(b"<"):
        return "tsv" if _first_line(text_start).count(b"\t") > _first_line(text_start).count(b",") else "csv"
    check_prolog(head)
    shape = sniff_shape(path, encoding_override(path, []))
    root = shape.root.lower()
    namespaces = set(shape.nsmap.values())
    if root == "html":
        raise NotAFeedError("this is an HTML page, not a product feed", hint="check the feed URL and any login")
    if root == "shop" and shape.item_path[-1:] == ("SHOPITEM",):
        return "zbozi" if ZBOZI_NS in namespaces else "heureka"
    if root == "rss" and GOOGLE_NS in namespaces:
        return "google"
    if root == "feed" and ATOM_NS in namespaces and GOOGLE_NS in namespaces:
        return "google-atom"
    if shape.root == "CHANNEL" and MERGADO_NS in namespaces:
        return "mergado"
    if not shape.item_path:
        raise NotAFeedError("no repeating product element found in this XML", hint="is this a product feed?")
    return "xml"


def _first_line(data: bytes) -> bytes:
    lines = [line for line in data.splitlines() if line and not line.startswith(b"#")]
    return lines[0] if lines else b""
