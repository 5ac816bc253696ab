"""Streaming writers, conversion between formats, and validation per target format."""

from __future__ import annotations

from typing import TextIO

from feeds.exports.csvwriter import CsvFeedWriter
from feeds.exports.xmlwriter import XmlFeedWriter
from feeds.formats import FeedFormat
from feeds.model import FeedInfo


def writer_for(fmt: FeedFormat, out: TextIO, info: FeedInfo, *,
               escape_formulas: bool = True) -> XmlFeedWriter | CsvFeedWriter:
    """The writer for a format's kind, over an open text stream (`escape_formulas`: CSV and TSV only)."""
    if fmt.kind == "csv":
        return CsvFeedWriter(out, info, escape_formulas=escape_formulas)
    return XmlFeedWriter(out, info)


__all__ = ["CsvFeedWriter", "XmlFeedWriter", "writer_for"]
