"""CPU-time breakdown of a convert, stage by stage: `python bench/profile_convert.py [FEED | N] [--repeat R]`.

Why CPU time and per stage: the machine is shared, so wall-clock says little; `time.process_time()`
around each stage, chunk by chunk, says where a convert's time goes (parse, convert, validate,
write) and each stage's ratio to the bare lxml iterparse floor measured in the same run. Stages
run streaming, chunk by chunk as in `feeds.pipeline`, with the cyclic GC paused as it is there, so
memory stays flat at any size. Each pass is repeated R times; the minimum per stage is printed.

FEED is a Heureka XML file; a number N instead generates N synthetic products (bench/make_feed.py)
into a temporary file. Writes go to /dev/null through a UTF-8 text stream (encoding included).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feeds.channels import ConvertOptions, get_channel  # noqa: E402
from feeds.channels.convert import make_converter  # noqa: E402
from feeds.channels.envelope import target_info  # noqa: E402
from feeds.channels.validate import make_validator  # noqa: E402
from feeds.exports import CsvFeedWriter, XmlFeedWriter, writer_for  # noqa: E402
from feeds.model import Product, cyclic_gc_paused  # noqa: E402
from feeds.parsers import open_feed  # noqa: E402
from feeds.pipeline import ExportTarget, process  # noqa: E402

Times = dict[str, float]


def floor(feed: Path) -> float:
    """CPU seconds of the bare lxml iterparse pass (bench/run.py's floor)."""
    from lxml import etree

    started = time.process_time()
    with open(feed, "rb") as handle:
        for _, elem in etree.iterparse(handle, events=("end",), tag="SHOPITEM"):
            elem.clear()
            parent = elem.getparent()
            while elem.getprevious() is not None:
                del parent[0]
    return time.process_time() - started


def _timed_chunks(chunks: Iterator[list[Product]], times: Times) -> Iterator[list[Product]]:
    """The feed's chunks, charging the time spent producing each one to `parse`."""
    while True:
        started = time.process_time()
        chunk = next(chunks, None)
        times["parse"] += time.process_time() - started
        if chunk is None:
            return
        yield chunk


def stages(feed: Path, target: str, devnull: TextIO) -> Times:
    """CPU seconds per stage of a convert to `target` (the source format when `target` is "same")."""
    times: Times = dict.fromkeys(("parse", "convert", "validate", "write"), 0.0)
    options = ConvertOptions()
    with cyclic_gc_paused():
        parser = open_feed(feed, None)
        key = parser.info.format if target == "same" else target
        converter = make_converter(parser.info.format, key, options)
        validate = make_validator(key)
        writer: XmlFeedWriter | CsvFeedWriter | None = None
        for chunk in _timed_chunks(parser.chunks(), times):
            if writer is None:  # the envelope needs the parser's info, known after the first chunk
                writer = writer_for(get_channel(key).kind, devnull, target_info(key, parser.info, options))
                writer.begin()
            clock = time.process_time()
            out = [product for product in map(converter.convert, chunk) if product is not None]
            clock = _charge(times, "convert", clock)
            for product in out:
                validate(product)
            clock = _charge(times, "validate", clock)
            writer.write(out)
            _charge(times, "write", clock)
        if writer is not None:
            writer.end()
    return times


def _charge(times: Times, stage: str, since: float) -> float:
    """Add the CPU time since `since` to `stage`; return the current clock for the next stage."""
    now = time.process_time()
    times[stage] += now - since
    return now


def end_to_end(feed: Path, target: str | None) -> float:
    """CPU seconds of `pipeline.process` (what `feedhub convert` runs), output to a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        fmt = target if target is not None else open_feed(feed, None).info.format
        started = time.process_time()
        process(feed, [ExportTarget("out", fmt, Path(tmp) / "out.xml")])
        return time.process_time() - started


def report(name: str, seconds: float, floor_s: float) -> None:
    print(f"  {name:<28} {seconds:7.3f} s  {seconds / floor_s:5.2f}x floor", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    feed, tmp = _feed(args.feed)
    try:
        floor_s = min(floor(feed) for _ in range(args.repeat))
        print(f"{feed} ({feed.stat().st_size / 1e6:.1f} MB)")
        report("floor (iterparse + clear)", floor_s, floor_s)
        with open(os.devnull, "w", encoding="utf-8") as devnull:
            for target in ("same", "google"):
                runs = [stages(feed, target, devnull) for _ in range(args.repeat)]
                print(f"stages, target {target}:")
                for stage in runs[0]:
                    report(stage, min(run[stage] for run in runs), floor_s)
        print("end to end (pipeline.process):")
        for to in (None, "google"):
            report(f"convert -> {to or 'same'}", min(end_to_end(feed, to) for _ in range(args.repeat)), floor_s)
    finally:
        if tmp is not None:
            tmp.unlink()


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feed", nargs="?", default="10000", help="feed file, or a number of products to generate")
    parser.add_argument("--repeat", type=int, default=3, help="passes per measurement; the minimum is shown")
    return parser.parse_args(argv)


def _feed(arg: str) -> tuple[Path, Path | None]:
    """The feed to measure, and the temporary file to delete afterwards if one was generated."""
    if not arg.isdigit():
        return Path(arg), None
    sys.path.insert(0, str(ROOT / "bench"))
    from make_feed import write_feed  # type: ignore[import-not-found]

    handle, name = tempfile.mkstemp(suffix=".xml", prefix="profile_convert_")
    with os.fdopen(handle, "wb") as out:
        write_feed(int(arg), out)
    return Path(name), Path(name)


if __name__ == "__main__":
    main()
