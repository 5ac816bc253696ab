"""The SHOPITEM reader's one-pass group reading agrees with Element.get (first child of a name wins)."""

from __future__ import annotations

from feeds.channels.read_shopitem import _DELIVERY_NAMES, _first_texts
from feeds.model import Element


def test_first_texts_match_get_with_repeats_gaps_and_strangers() -> None:
    delivery = Element("DELIVERY")
    for name, text in [("X", "1"), ("DELIVERY_PRICE", " 59 "), ("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "99")]:
        delivery.add(name, text)
    assert _first_texts(delivery, _DELIVERY_NAMES) == [delivery.get(name) for name in _DELIVERY_NAMES]
    assert _first_texts(delivery, _DELIVERY_NAMES) == ["PPL", " 59 ", ""]
