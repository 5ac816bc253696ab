"""Google Merchant Center XML (FORMATS.md 1.3), in its two containers: RSS 2.0 and Atom 1.0."""

from __future__ import annotations

from feeds.channels.base import Channel, Sniffed
from feeds.channels.headers import atom_header, rss_header
from feeds.channels.read_google import GoogleReader
from feeds.channels.rules import google_rules
from feeds.channels.write_google import STYLES, GoogleWriter

GOOGLE_NS = "http://base.google.com/ns/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"


def _is_rss(seen: Sniffed) -> bool:
    return seen.root.lower() == "rss" and GOOGLE_NS in seen.namespaces


def _is_atom(seen: Sniffed) -> bool:
    return seen.root.lower() == "feed" and ATOM_NS in seen.namespaces and GOOGLE_NS in seen.namespaces


GOOGLE = Channel(
    key="google",
    title="Google Merchant RSS 2.0",
    extension=".xml",
    media_type="application/rss+xml",
    kind="xml",
    detect=_is_rss,
    reader=lambda target, fields, warnings: GoogleReader(target=target, target_fields=fields, warnings=warnings),
    writer=lambda options, warnings, dropped: GoogleWriter(options, warnings=warnings, dropped=dropped,
                                                           style=STYLES["google"]),
    rules=lambda delivery_ids: google_rules(),
    root="rss",
    container=("channel",),
    item="item",
    nsmap={"g": GOOGLE_NS},
    root_attrs={"version": "2.0"},
    header=rss_header,
    invalid_policy="drop",
)

GOOGLE_ATOM = Channel(
    key="google-atom",
    title="Google Merchant Atom 1.0",
    extension=".xml",
    media_type="application/atom+xml",
    kind="xml",
    detect=_is_atom,
    reader=lambda target, fields, warnings: GoogleReader(target=target, target_fields=fields, warnings=warnings,
                                                         atom=True),
    writer=lambda options, warnings, dropped: GoogleWriter(options, warnings=warnings, dropped=dropped,
                                                           style=STYLES["google-atom"]),
    rules=lambda delivery_ids: google_rules(),
    root="feed",
    item="entry",
    nsmap={None: ATOM_NS, "g": GOOGLE_NS},
    header=atom_header,
    invalid_policy="drop",
)
