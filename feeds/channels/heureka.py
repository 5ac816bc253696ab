"""Heureka.cz / Heureka.sk XML (FORMATS.md 1.1): `<SHOP>` of `<SHOPITEM>`s, no namespace."""

from __future__ import annotations

from decimal import Decimal

from feeds.channels.base import Channel, CpcBid, Sniffed
from feeds.channels.read_shopitem import ShopitemReader
from feeds.channels.rules import heureka_rules
from feeds.channels.write_shopitem import ShopitemWriter
from feeds.channels.zbozi import ZBOZI_NS


def _is_heureka(seen: Sniffed) -> bool:
    """A SHOP of SHOPITEMs (or of nothing: a shop that sold out) outside Zboží's namespace."""
    return (seen.root.lower() == "shop" and seen.item_path[-1:] in (("SHOPITEM",), ())
            and ZBOZI_NS not in seen.namespaces)


HEUREKA = Channel(
    key="heureka",
    title="Heureka.cz/.sk XML",
    extension=".xml",
    media_type="application/xml",
    kind="xml",
    detect=_is_heureka,
    reader=lambda target, fields, warnings: ShopitemReader(target=target, target_fields=fields, warnings=warnings),
    writer=lambda options, warnings, dropped: ShopitemWriter(options, warnings=warnings, dropped=dropped),
    rules=heureka_rules,
    root="SHOP",
    item="SHOPITEM",
    invalid_policy="drop",
    cpc=CpcBid("HEUREKA_CPC", Decimal("1"), Decimal("100")),
)
