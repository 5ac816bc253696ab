"""Zboží.cz XML (FORMATS.md 1.2): Heureka's SHOPITEM vocabulary in Zboží's default namespace."""

from __future__ import annotations

from decimal import Decimal

from feeds.channels.base import Channel, CpcBid, Sniffed
from feeds.channels.read_shopitem import ShopitemReader
from feeds.channels.rules import zbozi_rules
from feeds.channels.write_shopitem import ShopitemWriter

ZBOZI_NS = "http://www.zbozi.cz/ns/offer/1.0"


def _is_zbozi(seen: Sniffed) -> bool:
    """A SHOP of SHOPITEMs (or of nothing) in Zboží's namespace."""
    return (seen.root.lower() == "shop" and seen.item_path[-1:] in (("SHOPITEM",), ())
            and ZBOZI_NS in seen.namespaces)


ZBOZI = Channel(
    key="zbozi",
    title="Zboží.cz XML",
    extension=".xml",
    media_type="application/xml",
    kind="xml",
    detect=_is_zbozi,
    reader=lambda target, fields, warnings: ShopitemReader(target=target, target_fields=fields, warnings=warnings),
    writer=lambda options, warnings, dropped: ShopitemWriter(options, warnings=warnings, dropped=dropped, zbozi=True),
    rules=lambda delivery_ids: zbozi_rules(),
    root="SHOP",
    item="SHOPITEM",
    nsmap={None: ZBOZI_NS},
    invalid_policy="drop",
    cpc=CpcBid("MAX_CPC", Decimal("1"), Decimal("500")),
)
