"""Format detection from content (never from file names): XML root and namespaces, or CSV delimiters.

What a channel looks like is its own detection predicate (feeds.channels); here the file is sniffed
and the non-feeds (HTML pages, JSON, a README) are refused with a reason.
"""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from feeds.channels import Sniffed, detect_channel
from feeds.errors import NotAFeedError
from feeds.parsers.csvfeed import sniff_delimiter
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
        return _delimited_format(text_start)
    check_prolog(head)
    shape = sniff_shape(path, encoding_override(path, []))
    if shape.root.lower() == "html":
        raise NotAFeedError("this is an HTML page, not a product feed", hint="check the feed URL and any login")
    channel = detect_channel(Sniffed(shape.root, frozenset(shape.nsmap.values()), shape.item_path))
    if channel is None:
        raise NotAFeedError("no repeating product element found in this XML", hint="is this a product feed?")
    return channel.key


PRODUCT_COLUMNS = frozenset(
    {
        *("id", "item_id", "product_id", "code", "sku", "ean", "gtin"),
        *("title", "name", "productname", "product_name", "price", "price_vat", "link", "url", "product_url"),
        *("kód", "kod", "kód produktu", "katalogové číslo", "název", "nazev", "názov", "nazov", "název produktu"),
        *("jméno", "cena", "cena s dph", "cena s daní", "prodejní cena", "predajná cena", "odkaz", "url produktu"),
    }
)
"""Header names (case-folded, `g:` dropped; or their last word, as in "Variant Price") that mark a product feed."""
DELIMITED_HINT = "use --from csv (or tsv) to read it as a feed anyway"


def _delimited_format(text_start: bytes) -> str:
    """csv or tsv, for text whose header names at least two columns and one of them a product column.

    Without this a README, a checksum list or a JSON file would be read as a one-column CSV and
    "converted" into items holding nothing but defaults.
    """
    found = _not_delimited(text_start)
    if found:
        raise NotAFeedError(f"not a product feed: this is {found}", hint="Feedhub reads XML, CSV and TSV feeds")
    header = _first_line(text_start.decode("utf-8", errors="replace"))
    delimiter = "\t" if header.count("\t") > header.count(",") else sniff_delimiter(header)
    columns = next(csv.reader([header], delimiter=delimiter), [])
    if len(columns) < 2:
        raise NotAFeedError(
            f"not a product feed: plain text with one column ({_shorten(header)!r}), not a CSV with a header row",
            hint=DELIMITED_HINT,
        )
    if not any(_is_product_column(name) for name in columns):
        raise NotAFeedError(
            f"not a product feed: a table whose header names no product column ({_shorten(', '.join(columns))});"
            " a feed names at least one of id, title, price, link (or kód, název, cena, odkaz)",
            hint=DELIMITED_HINT,
        )
    channel = detect_channel(Sniffed(delimiter=delimiter, columns=tuple(columns)))
    assert channel is not None, "a delimited text is CSV or TSV"
    return channel.key


def _not_delimited(text_start: bytes) -> str | None:
    """What a file obviously is when it is no table: JSON, PDF, binary data; None otherwise."""
    if text_start[:1] in (b"{", b"["):
        return "JSON"
    if text_start.startswith(b"%PDF"):
        return "a PDF document"
    if b"\0" in text_start[:4096]:
        return "binary data"
    return None


def _is_product_column(name: str) -> bool:
    folded = name.strip().strip('"').casefold().removeprefix("g:")
    return folded in PRODUCT_COLUMNS or folded.rsplit(" ", 1)[-1] in PRODUCT_COLUMNS


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return lines[0].lstrip("\ufeff") if lines else ""
