"""Generic CSV, TSV and XML: any shop's own export, whatever its element names.

No writer and no rules: as a target, a generic format keeps the source's items and envelope. As a
source, its element names reach the channels through `GENERIC_ALIASES` (case-insensitive).
Generic XML is detection's fallback (any XML with a repeating item), so it comes last in ALL_CHANNELS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from feeds.channels.base import Channel, Sniffed
from feeds.channels.read_google import GENERIC_ALIASES, GoogleReader


def _reader(target: str, fields: Collection[str], warnings: Counter[str]) -> GoogleReader:
    return GoogleReader(target=target, target_fields=fields, warnings=warnings, aliases=GENERIC_ALIASES)


def _is_csv(seen: Sniffed) -> bool:
    return seen.delimiter not in ("", "\t")


def _is_tsv(seen: Sniffed) -> bool:
    return seen.delimiter == "\t"


def _is_xml(seen: Sniffed) -> bool:
    return not seen.delimiter and bool(seen.item_path)


CSV = Channel(key="csv", title="CSV", extension=".csv", media_type="text/csv", kind="csv", detect=_is_csv,
              reader=_reader)
TSV = Channel(key="tsv", title="TSV", extension=".tsv", media_type="text/tab-separated-values", kind="csv",
              detect=_is_tsv, reader=_reader, delimiter="\t")
XML = Channel(key="xml", title="any XML with a repeating item element", extension=".xml",
              media_type="application/xml", kind="xml", detect=_is_xml, reader=_reader)
