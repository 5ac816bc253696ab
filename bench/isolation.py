"""One shop's run beside a noisy shop's: `python bench/isolation.py [--products N]`.

A worker makes several runs at once on threads. The victim, a plain N-product project of one shop, is
timed alone and then while a noisy shop's run (a catastrophic regex over every product, as #18 measured)
works beside it, on the worker's threads as a batch makes them: first with processing in the run's thread,
then in a child process per run under limits (`flows.isolation`, the default). The target: beside the noisy
run, the victim takes at most 20 % longer than alone (child processes; needs 2 cores). Prints the median of
3 victim runs per case and the ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_RATIO = 1.2
CATASTROPHIC = [  # each value costs the regex's whole time budget, until the rule's budget for the run is spent
    {"type": "rewriting", "element": "PRODUCTNAME", "value": "a" * 40 + "!"},
    {"type": "replacing", "element": "PRODUCTNAME", "find": "(a|aa)+$", "replace": "", "regex": True},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000, help="products of the victim's feed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        deps, victim, noisy = _setup(Path(folder), args.products)
        print(f"victim: {args.products:,} products, no rules; noisy: {args.products:,} products, a catastrophic regex")
        failed = False
        for label, limits in (("in the run's thread", None), ("child process per run", deps.process_limits)):
            case = dataclasses.replace(deps, process_limits=limits)
            alone = _victim_runs(case, victim)
            beside = _victim_runs(case, victim, noisy=noisy)
            ratio = beside / alone
            verdict = "" if limits is None else f"  {'PASS' if ratio <= TARGET_RATIO else 'FAIL'} (<= {TARGET_RATIO})"
            failed |= limits is not None and ratio > TARGET_RATIO
            print(f"{label:24} alone {alone:6.2f} s   beside the noisy shop {beside:6.2f} s   x{ratio:.2f}{verdict}")
    sys.exit(1 if failed else 0)


def _setup(data: Path, products: int) -> tuple[Any, tuple[int, Path], tuple[int, Path]]:
    from accounts import create_project, create_shop, register_user, verify_email
    from accounts.db import make_engine, make_session_factory, migrate
    from bench.make_feed import write_feed  # type: ignore[import-not-found]
    from feedhub.runtime import deps_from_settings
    from feedhub.settings import Settings
    from feeds.project import ExportSpec, ProjectSpec

    settings = Settings(data_dir=data, allow_local_sources=True)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    made = []
    with make_session_factory(engine).begin() as session:
        user, token = register_user(session, email="bench@example.com", password="bench password 1")
        verify_email(session, token)
        for name, rules in (("victim", []), ("noisy", CATASTROPHIC)):
            feed = data / f"{name}.xml"
            with open(feed, "wb") as out:
                write_feed(products, out)
            shop = create_shop(session, user, name=name)
            uri = (settings.exports_dir / name / "google.xml").as_uri()
            spec = ProjectSpec(source=str(feed), exports=[ExportSpec(name="google", format="google", uri=uri)],
                               rules=rules)
            made.append((create_project(session, user, shop.id, name=name, spec=spec).id, feed))
    return deps_from_settings(settings, engine=engine), made[0], made[1]


def _victim_runs(deps: Any, victim: tuple[int, Path], *, noisy: tuple[int, Path] | None = None) -> float:
    """Median seconds of 3 victim runs, with the noisy run working beside them on another thread."""
    from flows.runner import run_project_inline

    noise = None
    if noisy is not None:
        _touch(noisy[1])
        noise = threading.Thread(target=run_project_inline, args=(noisy[0], deps), daemon=True)
        noise.start()
        time.sleep(2.0)  # past its fetch, into the regex
    seconds = []
    for _ in range(3):
        _touch(victim[1])
        started = time.perf_counter()
        summary = run_project_inline(victim[0], deps)
        seconds.append(time.perf_counter() - started)
        assert summary.status == "succeeded", summary.error
    if noise is not None:
        if not noise.is_alive():
            print("  (the noisy run ended before the victim's runs: use more products)")
        noise.join()
    return statistics.median(seconds)


def _touch(feed: Path) -> None:
    """Change the feed's bytes so a run processes instead of settling as unchanged."""
    with open(feed, "ab") as out:
        out.write(f"<!-- {time.time_ns()} -->".encode())


if __name__ == "__main__":
    main()
