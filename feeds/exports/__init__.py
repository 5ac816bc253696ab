"""Streaming writers (XML, CSV/TSV), value formatting, and the validation engine: the machinery channels use."""

from __future__ import annotations

from typing import TextIO

from feeds.exports.csvwriter import CsvFeedWriter
from feeds.exports.xmlwriter import XmlFeedWriter
from feeds.model import FeedInfo


def writer_for(kind: str, out: TextIO, info: FeedInfo, *,
               escape_formulas: bool = True) -> XmlFeedWriter | CsvFeedWriter:
    """The writer for a channel's kind (`xml` or `csv`), over an open text stream (`escape_formulas`: CSV only)."""
    if kind == "csv":
        return CsvFeedWriter(out, info, escape_formulas=escape_formulas)
    return XmlFeedWriter(out, info)


__all__ = ["CsvFeedWriter", "XmlFeedWriter", "writer_for"]
