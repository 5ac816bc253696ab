"""Every entry of ALL_CHANNELS keeps the same contract: round trip, detection, validation, conversion both ways.

A channel is written from a real sample through the pipeline (the path `feedhub convert` takes), read
back with its own reader, detected, validated with one required element removed, and converted to
and from a second channel. A new channel gets all of this by being listed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from feeds.channels import ALL_CHANNELS, CHANNEL_TARGETS, Channel, ConvertOptions, get_channel
from feeds.channels.validate import make_validator
from feeds.model import Product
from feeds.parsers import detect_format, open_feed
from feeds.pipeline import ExportTarget, process

SAMPLES = Path(__file__).resolve().parents[3] / "sample_feeds"
CHANNEL_SOURCE = SAMPLES / "heureka_cz_params_delivery.xml"  # a channel feed every channel can be written from
GENERIC_SOURCES = {  # a shop's own export, carried as it is; a table's column names ("cena s DPH") are no XML names
    "csv": SAMPLES / "shop_export.csv", "xml": SAMPLES / "products_generic.xml"}
OPTIONS = ConvertOptions(today=date(2026, 1, 15), feed_link="https://shop.example/")
IDS = [channel.key for channel in ALL_CHANNELS]


def _written(channel: Channel, tmp_path: Path) -> Path:
    """The channel's own output, converted from a sample through the pipeline."""
    out = tmp_path / f"out{channel.extension}"
    source = CHANNEL_SOURCE if channel.writer is not None else GENERIC_SOURCES[channel.kind]
    report = process(source, [ExportTarget("out", channel.key, out, OPTIONS, invalid="keep")])
    assert report.exports[0].products_out > 0
    return out


def _products(path: Path, key: str) -> list[Product]:
    return [product for chunk in open_feed(path, key).chunks() for product in chunk]


def _hub(channel: Channel, product: Product) -> dict[str, object]:
    """The hub values the channel maps, as its reader sees them in `product`."""
    fields = _mapped_fields(channel)
    offer = channel.reader("xml", fields, Counter()).read(product)
    return {name: getattr(offer, name) for name in sorted(fields)}


def _mapped_fields(channel: Channel) -> frozenset[str]:
    if channel.writer is None:
        return frozenset({"id", "name", "price", "url", "image", "brand", "gtin"})
    return channel.writer(OPTIONS, Counter(), Counter()).FIELDS


@pytest.mark.parametrize("channel", ALL_CHANNELS, ids=IDS)
class TestChannelContract:
    def test_round_trip_keeps_the_mapped_hub_values(self, channel: Channel, tmp_path: Path) -> None:
        out = _written(channel, tmp_path)
        again = tmp_path / f"again{channel.extension}"
        process(out, [ExportTarget("again", channel.key, again, OPTIONS, invalid="keep")], source_format=channel.key)
        first, second = _products(out, channel.key), _products(again, channel.key)
        assert [_hub(channel, p) for p in second] == [_hub(channel, p) for p in first]
        assert any(value for value in _hub(channel, first[0]).values())  # the comparison compared something

    def test_own_output_is_detected(self, channel: Channel, tmp_path: Path) -> None:
        detected = get_channel(detect_format(_written(channel, tmp_path)))
        if channel.detect is not None:
            assert detected is channel
        else:  # Meta's files look like Google RSS and a generic CSV: read as those, in the same vocabulary
            assert (detected.kind, detected.nsmap.get("g")) == (channel.kind, channel.nsmap.get("g"))

    def test_a_missing_required_element_is_reported(self, channel: Channel, tmp_path: Path) -> None:
        validate = make_validator(channel.key)
        product = _products(_written(channel, tmp_path), channel.key)[0]
        if channel.rules is None:
            assert validate(product) == []  # generic formats require nothing
            return
        required = next(rule for rule in channel.rules([]).fields if rule.required)
        product.children = [c for c in product.children if c.name not in required.element_names()]
        assert any(required.label in problem for problem in validate(product))

    def test_converts_to_and_from_a_second_channel(self, channel: Channel, tmp_path: Path) -> None:
        other = "google" if channel.key != "google" else "heureka"
        there, back = tmp_path / "there.xml", tmp_path / f"back{channel.extension}"
        options = dataclasses.replace(OPTIONS, default_delivery=(("PPL", 99, None),))  # Google names no DELIVERY_ID
        to = process(_written(channel, tmp_path), [ExportTarget("to", other, there, options, invalid="keep")],
                     source_format=channel.key)
        fro = process(there, [ExportTarget("from", channel.key, back, options, invalid="keep")], source_format=other)
        assert to.exports[0].products_out > 0
        assert fro.exports[0].products_out == to.exports[0].products_out


def test_every_registry_is_derived_from_the_one_list() -> None:
    assert [c.key for c in ALL_CHANNELS] == list(dict.fromkeys(c.key for c in ALL_CHANNELS))  # keys are unique
    assert set(CHANNEL_TARGETS) == {c.key for c in ALL_CHANNELS if c.writer is not None}
    assert ALL_CHANNELS[-1].key == "xml"  # detection's fallback, tried last
