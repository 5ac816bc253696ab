"""The channels Feedhub reads and writes: one explicit list, and every lookup derived from it.

Each channel module declares one `Channel` per format (feeds.channels.base says why). To add a
channel, write its module and name it in ALL_CHANNELS; nothing else keys anything by its name.
Order matters twice: it is the order users see, and detection takes the first channel whose
predicate matches (generic XML, the fallback, is last).
"""

from __future__ import annotations

from feeds.channels.base import Channel, CpcBid, Sniffed
from feeds.channels.generic import CSV, TSV, XML
from feeds.channels.google import GOOGLE, GOOGLE_ATOM
from feeds.channels.heureka import HEUREKA
from feeds.channels.mergado import MERGADO
from feeds.channels.meta import META, META_CSV
from feeds.channels.mirakl import MIRAKL_OFFERS
from feeds.channels.options import ConvertOptions
from feeds.channels.zbozi import ZBOZI
from feeds.errors import UnknownFormat

ALL_CHANNELS: tuple[Channel, ...] = (HEUREKA, ZBOZI, GOOGLE, GOOGLE_ATOM, META, META_CSV, MERGADO, MIRAKL_OFFERS,
                                      CSV, TSV, XML)

CHANNELS: dict[str, Channel] = {channel.key: channel for channel in ALL_CHANNELS}
"""Key -> channel, for the short names users type (`heureka`, `google-atom`, `csv`)."""

CHANNEL_TARGETS: tuple[str, ...] = tuple(channel.key for channel in ALL_CHANNELS if channel.writer is not None)
"""The formats a product is converted into; the generic ones keep the source's items."""


def get_channel(key: str) -> Channel:
    """Look up a channel by key, with a clear error listing the known keys."""
    try:
        return CHANNELS[key]
    except KeyError:
        raise UnknownFormat(key, sorted(CHANNELS)) from None


def detect_channel(seen: Sniffed) -> Channel | None:
    """The first channel whose detection predicate matches what was sniffed, or None."""
    return next((c for c in ALL_CHANNELS if c.detect is not None and c.detect(seen)), None)


__all__ = ["ALL_CHANNELS", "CHANNELS", "CHANNEL_TARGETS", "Channel", "ConvertOptions", "CpcBid", "Sniffed",
           "detect_channel", "get_channel"]
