"""Byte snapshot of every conversion, to prove that moving the channels changed no output.

Converts every feed in sample_feeds/ and ../shared/feeds (recursively) to every output format through
`feeds.pipeline.process`, the entry point of `feedhub convert`, and stores the sha256 of each output and
of its report (without the timing and the temporary path). A feed the importer refuses is recorded with
its message. Run before and after a change and compare:

    .venv/bin/python -m tests.feeds.channels.snapshot /tmp/before.json
    .venv/bin/python -m tests.feeds.channels.snapshot /tmp/after.json --compare /tmp/before.json
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from feeds.errors import FeedError
from feeds.fetch import fetch_source
from feeds.parsers import detect_format
from feeds.pipeline import ExportTarget, process

ROOT = Path(__file__).resolve().parents[3]
SOURCES = (ROOT / "sample_feeds", ROOT.parent / "shared" / "feeds")
TARGETS = ("heureka", "zbozi", "google", "google-atom", "meta", "meta-csv", "mergado", "csv", "tsv", "xml")
TODAY = date(2026, 1, 15)  # the Atom header and availability dates depend on it


def _variants() -> dict[str, Any]:
    """Option sets: the defaults, and one that sets every channel default a user can set."""
    plain = dataclasses.replace(ExportTarget("x", "csv", Path("x")).options, today=TODAY)
    channel = dataclasses.replace(
        plain, currency="EUR", country="SK", delivery_ids=MappingProxyType({"Standard": "PPL"}),
        default_delivery=(("CESKA_POSTA", Decimal("99"), Decimal("129")), ("ZASILKOVNA", Decimal("79"), None)),
        default_category="Dárky | Ostatní", feed_title="Snapshot", feed_link="https://shop.example/",
    )
    return {"plain": plain, "channel": channel}


def _feeds() -> list[Path]:
    return sorted(path for base in SOURCES for path in base.rglob("*")
                  if path.is_file() and path.suffix.lower() not in (".md", ".py") and "_tools" not in path.parts)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _convert(source: Path, target: str, options: Any, source_format: str | None, out: Path) -> dict[str, str]:
    try:
        report = process(source, [ExportTarget("out", target, out, options)], source_format=source_format)
    except FeedError as exc:
        return {"refused": f"{type(exc).__name__}: {exc}"}
    data = report.to_dict()
    data.pop("seconds")
    for export in data["exports"]:
        export.pop("path")
    return {"output": _sha(out.read_bytes()), "report": _sha(json.dumps(data, sort_keys=True, default=str).encode())}


def snapshot() -> dict[str, Any]:
    """{feed: {"refused": message} or {variant/from/target: hashes}}."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="snapshot-") as workspace:
        work = Path(workspace)
        for feed in _feeds():
            name = str(feed.relative_to(ROOT.parent))
            try:
                fetched = fetch_source(str(feed), work / "fetch")
                detected = detect_format(fetched.path)
            except FeedError as exc:
                result[name] = {"refused": f"{type(exc).__name__}: {exc}"}
                continue
            entries: dict[str, Any] = {"detected": detected}
            sources = [None] if detected in ("csv", "tsv") else [None, "xml"]  # --from xml: the generic reading
            for variant, options in _variants().items():
                for source_format in sources:
                    for target in TARGETS:
                        key = f"{variant}/{source_format or 'detected'}/{target}"
                        entries[key] = _convert(fetched.path, target, options, source_format, work / "out")
            result[name] = entries
    return result


def _pairs(snap: dict[str, Any]) -> dict[str, Any]:
    return {f"{feed} {key}": value for feed, entries in snap.items() for key, value in entries.items()}


def main() -> int:
    """Write the snapshot; with --compare, list every difference from an earlier one."""
    args = argparse.ArgumentParser()
    args.add_argument("out", type=Path)
    args.add_argument("--compare", type=Path)
    options = args.parse_args()
    snap = snapshot()
    options.out.write_text(json.dumps(snap, indent=1, sort_keys=True, ensure_ascii=False))
    pairs = _pairs(snap)
    conversions = sum(1 for value in pairs.values() if isinstance(value, dict) and "output" in value)
    print(f"{len(snap)} feeds, {len(pairs)} entries, {conversions} conversions written")
    if options.compare is None:
        return 0
    before = _pairs(json.loads(options.compare.read_text()))
    differing = sorted(key for key in before.keys() | pairs.keys() if before.get(key) != pairs.get(key))
    for key in differing:
        print(f"DIFFERS {key}: {before.get(key)} -> {pairs.get(key)}")
    print(f"compared {len(before.keys() & pairs.keys())} entries: {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
