"""Mergado Product XML 1.10 (FORMATS.md 1.6): `<CHANNEL>` of `<ITEM>`s in Mergado's namespace.

Invalid products are kept by default: Mergado is an intermediary that decides per channel itself.
"""

from __future__ import annotations

from feeds.channels.base import Channel, Sniffed
from feeds.channels.headers import mergado_header
from feeds.channels.read_mergado import MergadoReader
from feeds.channels.rules import mergado_rules
from feeds.channels.write_mergado import MergadoWriter

MERGADO_NS = "http://www.mergado.com/ns/1.10"


def _is_mergado(seen: Sniffed) -> bool:
    return seen.root == "CHANNEL" and MERGADO_NS in seen.namespaces


MERGADO = Channel(
    key="mergado",
    title="Mergado XML 1.10",
    extension=".xml",
    media_type="application/xml",
    kind="xml",
    detect=_is_mergado,
    reader=lambda target, fields, warnings: MergadoReader(target=target, target_fields=fields, warnings=warnings),
    writer=lambda options, warnings, dropped: MergadoWriter(options, warnings=warnings, dropped=dropped),
    rules=lambda delivery_ids: mergado_rules(),
    root="CHANNEL",
    item="ITEM",
    nsmap={None: MERGADO_NS},
    header=mergado_header,
)
