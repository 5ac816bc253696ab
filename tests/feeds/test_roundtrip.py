"""Lossless contract: a feed exported to its own format has the same products, elements and values."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.channels import get_channel
from feeds.fetch import fetch_local
from feeds.parsers import detect_format, open_feed
from feeds.pipeline import ExportTarget, process
from tests.feeds.roundtrip import csv_rows, xml_item_prints

ROOT = Path(__file__).resolve().parents[2]
SHARED_FEEDS = ROOT.parent / "shared" / "feeds"
BROKEN = {"custom_cp1250_hadex_truncated.xml"}  # truncated on purpose: a negative test elsewhere


def _feeds(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".md" and p.name not in BROKEN)


SAMPLES = _feeds(ROOT / "sample_feeds")
REAL = _feeds(SHARED_FEEDS)


def _assert_lossless(source: Path, tmp_path: Path) -> None:
    plain = fetch_local(source, tmp_path / "workspace").path  # inflates .gz
    fmt = detect_format(plain)
    out = tmp_path / f"out{'.csv' if get_channel(fmt).kind == 'csv' else '.xml'}"
    report = process(plain, [ExportTarget("same", fmt, out, invalid="keep")])  # fidelity, valid or not
    assert report.products_in == report.exports[0].products_out > 0
    parsed_in = [p for chunk in open_feed(plain, fmt).chunks() for p in chunk]
    parsed_out = [p for chunk in open_feed(out, fmt).chunks() for p in chunk]
    assert parsed_out == parsed_in
    # Independent of our parser: lxml's or csv's own view of the items must match too.
    if get_channel(fmt).kind == "csv":
        delimiter = open_feed(plain, fmt).info.delimiter
        assert csv_rows(out, delimiter) == csv_rows(plain, delimiter)
    else:
        item = parsed_in[0].name.split(":")[-1]
        assert xml_item_prints(out, item) == xml_item_prints(plain, item)


@pytest.mark.parametrize("source", SAMPLES, ids=[p.name for p in SAMPLES])
def test_sample_feed_round_trips_losslessly(source: Path, tmp_path: Path) -> None:
    _assert_lossless(source, tmp_path)


@pytest.mark.shared
@pytest.mark.skipif(not REAL, reason="../shared/feeds is not beside the project")
@pytest.mark.parametrize("source", REAL, ids=[p.name for p in REAL])
def test_real_feed_round_trips_losslessly(source: Path, tmp_path: Path) -> None:
    _assert_lossless(source, tmp_path)
