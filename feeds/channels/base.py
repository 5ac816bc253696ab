"""What a channel is: one frozen spec object that says everything Feedhub knows about one feed format.

Why one object: adding a format used to mean editing five registries keyed by the same string
(shape, readers, writers, validation rules, envelope headers) plus branches in detection. Now a
channel module declares one `Channel`, `feeds.channels.ALL_CHANNELS` lists them, and every lookup
is derived from that list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal

from feeds.channels.options import ConvertOptions
from feeds.channels.reading import TableReader
from feeds.channels.writing import OfferWriter
from feeds.exports.validate.engine import FormatRules
from feeds.model import Element, FeedInfo

ReaderFactory = Callable[[str, Collection[str], Counter[str]], TableReader]
"""(target key, hub fields the target carries, warnings) -> a reader of this channel's products into Offers."""
WriterFactory = Callable[[ConvertOptions, Counter[str], Counter[str]], OfferWriter]
"""(options, warnings, dropped) -> a writer of Offers as this channel's products."""
HeaderFactory = Callable[[FeedInfo, ConvertOptions], list[Element]]
"""(the source's envelope, options) -> the header elements this channel's envelope carries."""
RulesFactory = Callable[[Collection[str]], FormatRules]
"""(accepted DELIVERY_ID codes) -> what this channel requires of a product."""


@dataclass(frozen=True)
class Sniffed:
    """What detection saw: an XML document's root, namespaces and item path, or a delimited header's delimiter."""

    root: str = ""
    namespaces: frozenset[str] = frozenset()
    item_path: tuple[str, ...] = ()
    delimiter: str = ""  # "" for XML
    columns: tuple[str, ...] = ()  # a delimited header's column names (Mirakl offers are told by theirs)


@dataclass(frozen=True)
class CpcBid:
    """The CPC element of a channel that takes bids, and the default bounds of a bid in CZK."""

    element: str
    minimum: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class Channel:
    """One feed format: its shape on disk, how to recognise, read, write and validate it, and its defaults.

    `writer` None marks a generic format (csv, tsv, xml): its items are the source's own, so the
    source's elements and envelope pass through unconverted.
    """

    key: str
    title: str
    extension: str
    media_type: str
    kind: str  # "xml" or "csv": which streaming parser and writer serve it
    detect: Callable[[Sniffed], bool] | None  # None: never detected (read as the channel its files look like)
    reader: ReaderFactory
    writer: WriterFactory | None = None
    rules: RulesFactory | None = None
    root: str = ""
    container: tuple[str, ...] = ()
    item: str = ""
    nsmap: dict[str | None, str] = field(default_factory=dict)
    root_attrs: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","
    header: HeaderFactory | None = None
    columns: tuple[str, ...] = ()  # columns written first, in this order (Meta CSV's required ones)
    invalid_policy: str = "keep"  # what an export does with invalid products unless told: keep or drop
    cpc: CpcBid | None = None
    # an offer file (price and stock of products the marketplace already has): no names, links or images, so a
    # product channel made from it is invalid by nature
    offers_only: bool = False
