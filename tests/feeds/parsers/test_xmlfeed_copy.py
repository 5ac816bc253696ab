"""The XML parser builds Elements without `Element.__init__`: they must not differ from built ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.model import Element
from feeds.parsers import open_feed

SAMPLES = Path(__file__).resolve().parents[3] / "sample_feeds"
XML_SAMPLES = sorted(SAMPLES.glob("*.xml"))


def rebuilt(element: Element) -> Element:
    """The same element made through the public constructor."""
    return Element(element.name, element.text, dict(element.attrs), [rebuilt(c) for c in element.children])


@pytest.mark.parametrize("path", XML_SAMPLES, ids=lambda p: p.name)
def test_parsed_elements_have_every_slot_and_equal_constructed_ones(path: Path) -> None:
    for chunk in open_feed(path).chunks():
        for product in chunk:
            for _, element in product.walk_paths():
                missing = [slot for slot in Element.__slots__ if not hasattr(element, slot)]
                assert not missing, f"xmlfeed._ProductReader._children does not set {missing}"
            assert product.children == [rebuilt(c) for c in product.children]


def test_samples_are_found() -> None:
    assert len(XML_SAMPLES) >= 5
