"""Independent fingerprints of a feed's items, computed with lxml alone (not with Feedhub's parser).

The round-trip tests compare these between a source and its same-format export, so a parser that
silently loses something cannot pass by losing it on both sides.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from lxml import etree

ItemPrint = list[tuple[str, str, tuple[tuple[str, str], ...]]]


def xml_item_prints(path: Path, item_local: str) -> list[ItemPrint]:
    """For each item: (namespaced path, text unless whitespace-only, sorted attributes), in document order."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    root = etree.fromstring(data, parser)
    items = [el for el in root.iter(f"{{*}}{item_local}")]
    return [_print(item) for item in items]


def _print(item: etree._Element) -> ItemPrint:
    result: ItemPrint = []
    for el in item.iter():
        if not isinstance(el.tag, str):
            continue
        path = "/".join(etree.QName(a).text for a in reversed([el, *el.iterancestors()]) if a is not None)
        text = el.text or ""
        result.append((path.split("/", 1)[-1], "" if text.isspace() else text, tuple(sorted(el.attrib.items()))))
    return result


def csv_rows(path: Path, delimiter: str) -> list[list[str]]:
    """All rows after the header, via the standard library's csv module."""
    text = path.read_bytes().decode("utf-8-sig")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
    rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
    return [row for row in rows[1:] if row]
