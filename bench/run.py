"""Benchmark Feedhub against the lxml floor: `python bench/run.py [--sizes 100000,1000000] [--keep]`.

Why each pass is its own child process: peak memory is the number that decides whether a 1M feed
fits on a small worker, and it can only be read cleanly per process. `os.wait4` returns the
rusage of exactly the child it reaped, so every pass gets its own `ru_maxrss` (no max over all
children so far, no polling that can miss a late peak).

Why an lxml floor: Feedhub cannot parse faster than lxml's own iterparse over the same file, so
"seconds / floor seconds" says how much our pipeline costs on top of the parser, independent of
how fast this machine happens to be today.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RULES_MODULE = BENCH / "bench_rules.py"
PYCACHE = DATA / "pycache"

CONVERT_FLOOR_RATIO = 3.0  # convert may take at most 3x the bare parse
PEAK_RSS_LIMIT_MB = 300.0  # MiB (ru_maxrss / 1024), at 1M products
PEAK_RSS_GROWTH = 1.2  # peak at the largest size <= 1.2x the peak at the smallest
RSS_LIMIT_FROM_SIZE = 1_000_000
READ_BLOCK = 8 * 1024 * 1024


@dataclass
class PassResult:
    """One timed child process."""

    name: str
    size: int
    seconds: float
    cpu_seconds: float  # user + system: what the pass costs even when other jobs share the CPU
    peak_rss_mb: float
    feed_mb: float
    returncode: int
    products_out: int | None = None  # products counted in the output file, where there is one
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)  # what bench_rules reported, for the rules pass

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.products_out in (None, self.size)

    @property
    def products_per_s(self) -> float:
        return self.size / self.seconds if self.seconds else 0.0

    @property
    def mb_per_s(self) -> float:
        return self.feed_mb / self.seconds if self.seconds else 0.0


@dataclass
class Target:
    """One pass/fail check."""

    name: str
    verdict: str  # PASS, FAIL or SKIP
    detail: str


# --- child passes (run as `run.py --child PASS FEED`) ------------------------------------------


def floor_pass(feed: Path) -> int:
    """The floor: bare lxml iterparse over SHOPITEM, freeing each item and its previous siblings."""
    from lxml import etree

    count = 0
    with open(feed, "rb") as handle:
        for _, elem in etree.iterparse(handle, events=("end",), tag="SHOPITEM"):
            count += 1
            elem.clear()
            parent = elem.getparent()
            while elem.getprevious() is not None:
                del parent[0]
    return count


def rules_pass(feed: Path) -> dict[str, Any]:
    """bench/bench_rules.py's own measurement (parse alone, then parse + 20 rules), as it reports it."""
    sys.path.insert(0, str(BENCH))
    from bench_rules import bench_rules  # type: ignore[import-not-found]

    return dict(bench_rules(feed))


def child_main(pass_name: str, feed: Path) -> None:
    """Print the pass's result as one JSON line on stdout for the parent."""
    result = {"products": floor_pass(feed)} if pass_name == "floor" else rules_pass(feed)
    print(json.dumps(result, ensure_ascii=False))


# --- measuring ----------------------------------------------------------------------------------


def run_child(cmd: list[str]) -> tuple[float, float, float, int, str, str]:
    """Run one command; return (seconds, CPU seconds, peak RSS MB, return code, stdout, stderr tail)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=child_env())
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    peak_mb = usage.ru_maxrss / 1024  # Linux reports KiB
    return seconds, usage.ru_utime + usage.ru_stime, peak_mb, proc.returncode, stdout, stderr[-2000:]


def child_env() -> dict[str, str]:
    """The environment of every pass, with a bytecode cache.

    An installed Feedhub runs from compiled .pyc files. Where PYTHONDONTWRITEBYTECODE is set and
    site-packages holds no .pyc, each `feedhub` process recompiles ~900 modules (seconds of CPU),
    which would be charged to the convert passes. The cache lives in bench/data (gitignored), so
    neither the venv nor the source tree is written to.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def count_tag(path: Path, tag: bytes) -> int:
    """Occurrences of an opening tag, read in blocks; proves a convert kept every product."""
    count, tail = 0, b""
    with open(path, "rb") as handle:
        while block := handle.read(READ_BLOCK):
            data = tail + block
            count += data.count(tag)
            tail = data[-(len(tag) - 1):]
    return count


def warm(path: Path) -> None:
    """Read the feed once so the first timed pass does not pay for the disk and later ones do not."""
    with open(path, "rb") as handle:
        while handle.read(READ_BLOCK):
            pass


def ensure_feed(size: int) -> Path:
    """bench/data/heureka_<size>.xml, generated once and reused (delete it to regenerate)."""
    feed = DATA / f"heureka_{size}.xml"
    if feed.exists() and feed.stat().st_size > 0:
        print(f"reusing {feed.relative_to(ROOT)}", flush=True)
        return feed
    print(f"generating {feed.relative_to(ROOT)} ...", flush=True)
    subprocess.run([sys.executable, str(BENCH / "make_feed.py"), str(size), str(feed)], check=True)
    return feed


def has_bench_rules() -> bool:
    """bench/bench_rules.py exists and defines bench_rules (checked without importing it)."""
    if not RULES_MODULE.exists():
        return False
    tree = ast.parse(RULES_MODULE.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.FunctionDef) and node.name == "bench_rules" for node in tree.body)


def feedhub_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "feedhub", *args]


def child_cmd(pass_name: str, feed: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", pass_name, str(feed)]


def run_size(size: int, keep: bool, with_rules: bool) -> list[PassResult]:
    feed = ensure_feed(size)
    feed_mb = feed.stat().st_size / 1e6
    warm(feed)
    out_dir = DATA / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    same, google = out_dir / f"{size}.heureka.xml", out_dir / f"{size}.google.xml"
    passes: list[tuple[str, list[str], Path | None, bytes]] = [
        ("floor (lxml iterparse)", child_cmd("floor", feed), None, b""),
        ("convert heureka->heureka", feedhub_cmd("convert", str(feed), "-o", str(same)), same, b"<SHOPITEM>"),
        ("convert heureka->google", feedhub_cmd("convert", str(feed), "--to", "google", "-o", str(google)),
         google, b"<item>"),
    ]
    if with_rules:
        passes.append(("rules (bench_rules)", child_cmd("rules", feed), None, b""))
    results = []
    for name, cmd, output, tag in passes:
        print(f"  {name} @ {size:,} ...", end=" ", flush=True)
        seconds, cpu, peak, code, stdout, stderr = run_child(cmd)
        result = PassResult(name, size, seconds, cpu, peak, feed_mb, code, error=stderr.strip() if code else "")
        if output is None and code == 0:
            result.detail = json.loads(stdout.strip().splitlines()[-1])
            result.products_out = result.detail.get("products")
        if output is not None and code == 0 and output.exists():
            result.products_out = count_tag(output, tag)
        if output is not None and not keep:
            output.unlink(missing_ok=True)
        failed = "" if result.ok else f"  FAILED (exit {code}, {result.products_out} products out)"
        print(f"{seconds:.1f} s ({cpu:.1f} s CPU), {peak:.0f} MB{failed}", flush=True)
        if not result.ok and result.error:
            print("    " + result.error.splitlines()[-1], flush=True)
        results.append(result)
    return results


# --- verdicts and report ------------------------------------------------------------------------


def check_targets(results: list[PassResult], startup_seconds: float = 0.0) -> list[Target]:
    targets: list[Target] = []
    floors = {r.size: r for r in results if r.name.startswith("floor") and r.ok}
    converts = [r for r in results if r.name.startswith("convert")]
    for r in converts:
        floor = floors.get(r.size)
        label = f"{r.name} @ {r.size:,}: within {CONVERT_FLOOR_RATIO:g}x of the floor"
        if not r.ok:
            reason = r.error.splitlines()[-1] if r.error else f"{r.products_out} of {r.size:,} products out"
            targets.append(Target(label, "FAIL", reason))
            continue
        if floor is None:
            targets.append(Target(label, "SKIP", "the floor pass failed"))
            continue
        ratio = r.seconds / floor.seconds
        verdict = "PASS" if ratio <= CONVERT_FLOOR_RATIO else "FAIL"
        net = max(r.seconds - startup_seconds, 0.0) / floor.seconds  # context only; the verdict uses `ratio`
        cpu = r.cpu_seconds / floor.cpu_seconds if floor.cpu_seconds else 0.0
        detail = (f"{ratio:.2f}x ({r.seconds:.1f} s vs {floor.seconds:.1f} s; {net:.2f}x without CLI start-up; "
                  f"{cpu:.2f}x in CPU time)")
        targets.append(Target(label, verdict, detail))
    for r in converts:
        if r.size >= RSS_LIMIT_FROM_SIZE and r.ok:
            verdict = "PASS" if r.peak_rss_mb < PEAK_RSS_LIMIT_MB else "FAIL"
            targets.append(Target(f"{r.name} @ {r.size:,}: peak RSS < {PEAK_RSS_LIMIT_MB:g} MiB", verdict,
                                  f"{r.peak_rss_mb:.0f} MiB"))
    sizes = sorted({r.size for r in results})
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for name in sorted({r.name for r in converts}):
            a = next((r for r in converts if r.name == name and r.size == small and r.ok), None)
            b = next((r for r in converts if r.name == name and r.size == large and r.ok), None)
            label = f"{name}: peak RSS @ {large:,} <= {PEAK_RSS_GROWTH:g}x peak @ {small:,}"
            if a is None or b is None:
                targets.append(Target(label, "SKIP", "a run failed"))
                continue
            growth = b.peak_rss_mb / a.peak_rss_mb
            verdict = "PASS" if growth <= PEAK_RSS_GROWTH else "FAIL"
            detail = f"{growth:.2f}x ({a.peak_rss_mb:.0f} -> {b.peak_rss_mb:.0f} MB)"
            targets.append(Target(label, verdict, detail))
    else:
        targets.append(Target("peak RSS flat between sizes", "SKIP", "needs two sizes, e.g. 100000,1000000"))
    if not any(r.size >= RSS_LIMIT_FROM_SIZE for r in results):
        targets.append(Target(f"peak RSS < {PEAK_RSS_LIMIT_MB:g} MB at 1M", "SKIP", "no 1M run"))
    return targets


def table(results: list[PassResult]) -> str:
    floors = {r.size: r.seconds for r in results if r.name.startswith("floor") and r.ok}
    header = f"| {'pass':<26} | {'size':>9} | {'seconds':>7} | {'CPU s':>7} | {'products/s':>10} | {'MB/s':>6} | " \
             f"{'peak RSS MiB':>12} | {'x floor':>7} |"
    lines = [header, "|" + "|".join("-" * (len(cell) + 0) for cell in header.split("|")[1:-1]) + "|"]
    for r in results:
        ratio = f"{r.seconds / floors[r.size]:.2f}" if r.size in floors else "-"
        status = "" if r.ok else " (failed)"
        cells = (
            f"{r.name + status:<26}", f"{r.size:>9,}", f"{r.seconds:>7.1f}", f"{r.cpu_seconds:>7.1f}",
            f"{r.products_per_s:>10,.0f}",
            f"{r.mb_per_s:>6.1f}", f"{r.peak_rss_mb:>12.0f}", f"{ratio:>7}",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cli_works() -> str:
    """Empty if `feedhub convert --help` runs, else the reason; a missing CLI is reported, not fatal."""
    proc = subprocess.run(feedhub_cmd("convert", "--help"), capture_output=True, text=True, cwd=ROOT,
                          env=child_env())
    return "" if proc.returncode == 0 else (proc.stderr.strip().splitlines() or ["exit code nonzero"])[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated product counts")
    parser.add_argument("--keep", action="store_true", help="keep the converted outputs in bench/data/out/")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json", help="results file (JSON)")
    parser.add_argument("--no-rules", action="store_true", help="skip the bench_rules pass (it parses twice)")
    parser.add_argument("--child", nargs=2, metavar=("PASS", "FEED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child[0], Path(args.child[1]))
        return 0
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    problem = cli_works()
    if problem:
        print(f"warning: `feedhub convert --help` fails ({problem}); convert passes will fail", flush=True)
    with_rules = has_bench_rules() and not args.no_rules
    if args.no_rules:
        print("rules pass skipped (--no-rules)", flush=True)
    elif not with_rules:
        print("bench/bench_rules.py with bench_rules(feed_path) not found: rules pass skipped", flush=True)
    warmup = DATA / "warmup.xml"  # a real file: the CLI replaces its output atomically, never /dev/null
    run_child(feedhub_cmd("convert", str(ensure_feed(100)), "--to", "google", "-o", str(warmup)))  # fill the cache
    warmup.unlink(missing_ok=True)
    startup = run_child(feedhub_cmd("--help"))
    results: list[PassResult] = []
    for size in sizes:
        results += run_size(size, args.keep, with_rules)
    targets = check_targets(results, startup[0])
    print()
    print(table(results))
    print(f"\nfeedhub CLI start-up (`feedhub --help`): {startup[0]:.2f} s ({startup[1]:.2f} s CPU), "
          f"{startup[2]:.0f} MB; included in every convert time above\n")
    for r in results:
        if r.name.startswith("rules") and r.detail:
            d = r.detail
            print(f"rules @ {r.size:,} (bench_rules' own timing): parse alone {d.get('parse_products_per_s'):,} "
                  f"products/s, parse + 20 rules {d.get('rules_products_per_s'):,} products/s "
                  f"(+{d.get('added_by_rules', 0):.0%}), {d.get('rule_errors')} rule errors")
    print()
    for t in targets:
        print(f"{t.verdict:4}  {t.name}: {t.detail}")
    report = {
        "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "load_average": os.getloadavg(),  # other work on the machine skews every number
        },
        "cli_startup_seconds": round(startup[0], 3),
        "cli_startup_cpu_seconds": round(startup[1], 3),
        "results": [asdict(r) | {"products_per_s": round(r.products_per_s), "mb_per_s": round(r.mb_per_s, 1),
                                 "ok": r.ok} for r in results],
        "targets": [asdict(t) for t in targets],
    }
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.json}")
    return 1 if any(t.verdict == "FAIL" for t in targets) or not all(r.ok for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
