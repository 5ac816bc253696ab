"""The registry of feed formats: one literal table, keyed by the short names users type.

A format says how its document is shaped (root, container, item element, namespaces) so one
streaming XML parser and one XML writer serve every XML format; CSV-like formats say their
delimiter. Channel knowledge (field mapping, validation) lives in feeds.exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from feeds.errors import UnknownFormat

GOOGLE_NS = "http://base.google.com/ns/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
ZBOZI_NS = "http://www.zbozi.cz/ns/offer/1.0"
MERGADO_NS = "http://www.mergado.com/ns/1.10"


@dataclass(frozen=True)
class FeedFormat:
    """How one feed format is shaped on disk."""

    key: str
    label: str
    kind: str  # "xml" or "csv"
    root: str = ""
    container: tuple[str, ...] = ()
    item: str = ""
    nsmap: dict[str | None, str] = field(default_factory=dict)
    root_attrs: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","


FORMATS: dict[str, FeedFormat] = {
    "heureka": FeedFormat("heureka", "Heureka.cz/.sk XML", "xml", "SHOP", (), "SHOPITEM"),
    "zbozi": FeedFormat("zbozi", "Zboží.cz XML", "xml", "SHOP", (), "SHOPITEM", {None: ZBOZI_NS}),
    "google": FeedFormat(
        "google", "Google Merchant RSS 2.0", "xml", "rss", ("channel",), "item", {"g": GOOGLE_NS}, {"version": "2.0"}
    ),
    "google-atom": FeedFormat(
        "google-atom", "Google Merchant Atom 1.0", "xml", "feed", (), "entry", {None: ATOM_NS, "g": GOOGLE_NS}
    ),
    "meta": FeedFormat(
        "meta", "Meta catalog RSS 2.0", "xml", "rss", ("channel",), "item", {"g": GOOGLE_NS}, {"version": "2.0"}
    ),
    "meta-csv": FeedFormat("meta-csv", "Meta catalog CSV", "csv", delimiter=","),
    "mergado": FeedFormat("mergado", "Mergado XML 1.10", "xml", "CHANNEL", (), "ITEM", {None: MERGADO_NS}),
    "csv": FeedFormat("csv", "CSV", "csv", delimiter=","),
    "tsv": FeedFormat("tsv", "TSV", "csv", delimiter="\t"),
    "xml": FeedFormat("xml", "any XML with a repeating item element", "xml"),
}


def get_format(key: str) -> FeedFormat:
    """Look up a format by key, with a clear error listing the known keys."""
    try:
        return FORMATS[key]
    except KeyError:
        raise UnknownFormat(key, sorted(FORMATS)) from None
