"""Format detection and one streaming parser per kind of input (XML, CSV/TSV)."""

from __future__ import annotations

from pathlib import Path

from feeds.channels import get_channel
from feeds.parsers.csvfeed import CsvFeedParser
from feeds.parsers.detect import detect_format
from feeds.parsers.xmlfeed import XmlFeedParser

PARSERS: dict[str, type[XmlFeedParser] | type[CsvFeedParser]] = {
    "xml": XmlFeedParser,
    "csv": CsvFeedParser,
}


def open_feed(path: Path, format_key: str | None = None) -> XmlFeedParser | CsvFeedParser:
    """A parser for the feed at `path`, in the given format or the detected one."""
    channel = get_channel(format_key or detect_format(path))
    return PARSERS[channel.kind](path, channel)


__all__ = ["PARSERS", "CsvFeedParser", "XmlFeedParser", "detect_format", "open_feed"]
