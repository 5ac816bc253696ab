"""Orchestration cost of a project run: `python bench/bench_flows.py overhead [N]` or `big N_PRODUCTS`.

overhead: a 100-product feed run N times (a) through `feeds.pipeline.process` directly, (b) through
the run's steps without Prefect (`run_project_inline`: lock, history, publish), (c) through the
Prefect flow (temporary local server started once, not counted), with Prefect's default flow
heartbeats and without them. Prints seconds per run of each, and Prefect's share (flow - steps).
big: a synthetic feed of N products (bench/data/heureka_N.xml, written if missing) through
`feedhub convert`, the run's steps and the Prefect flow, each in a process of its own, no rules, a
Google export; wall seconds and peak RSS of each. convert is timed as the whole command (its process
start included); steps and flow from the call of the run, after the bench's database set-up and
(flow) the temporary Prefect server's start.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _setup(data: Path, n_products: int, *, feed: Path | None = None) -> tuple[int, Path]:
    """A migrated SQLite database with one project over `feed` (written with `n_products` if not given)."""
    from feedhub.settings import Settings

    if feed is None:
        from bench.make_feed import write_feed  # type: ignore[import-not-found]

        feed = data / "feed.xml"
        with open(feed, "wb") as out:
            write_feed(n_products, out)
    from accounts import create_project, create_shop, register_user, verify_email
    from accounts.db import make_engine, make_session_factory, migrate
    from feeds.project import ExportSpec, ProjectSpec

    settings = Settings(data_dir=data)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    with make_session_factory(engine).begin() as session:
        user, token = register_user(session, email="bench@example.com", password="bench password 1")
        verify_email(session, token)
        shop = create_shop(session, user, name="Bench")
        exports = [ExportSpec(name="google", format="google", uri=(data / "pub" / "google.xml").as_uri())]
        spec = ProjectSpec(source=str(feed), exports=exports)
        project_id = create_project(session, user, shop.id, name="b", spec=spec).id
    engine.dispose()
    return project_id, feed


def _touch(feed: Path, i: int) -> None:
    """Change the feed's bytes so every run processes instead of settling as unchanged."""
    with open(feed, "ab") as out:
        out.write(f"<!-- {i} -->".encode())


def overhead(n: int = 20) -> dict[str, float]:
    """Seconds per run: pipeline alone, steps without Prefect, Prefect flow."""
    os.environ.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        os.environ.update(FEEDHUB_DATA_DIR=str(data), PREFECT_HOME=str(data / "prefect"))
        project_id, feed = _setup(data, 100)
        from feedhub.cli_projects import deps_from_settings
        from feedhub.settings import get_settings
        from feeds.pipeline import ExportTarget, process
        from flows.runner import run_project_inline

        started = time.perf_counter()
        for _ in range(n):
            process(feed, [ExportTarget("google", "google", data / "direct.xml")])
        direct = (time.perf_counter() - started) / n
        deps = deps_from_settings(get_settings())
        started = time.perf_counter()
        for i in range(n):
            _touch(feed, i)
            assert run_project_inline(project_id, deps).status == "succeeded"
        inline = (time.perf_counter() - started) / n
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
        from prefect.testing.utilities import prefect_test_harness

        from feedhub.serve import run_project

        def per_flow_run(first_touch: int) -> float:
            run_project(project_id)  # warm-up: imports, first API calls
            started = time.perf_counter()
            for i in range(n):
                _touch(feed, first_touch + i)
                assert run_project(project_id)["status"] == "succeeded"
            return (time.perf_counter() - started) / n

        with prefect_test_harness(server_startup_timeout=120):
            flow = per_flow_run(n)
            # Prefect's heartbeat thread sleeps in 1 s steps and is joined when the flow ends, so with
            # heartbeats on (Prefect's default) a run lasts at least until the next whole second.
            with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                quiet = per_flow_run(2 * n)
    return {
        "pipeline_s": direct, "steps_s": inline, "flow_s": flow, "flow_no_heartbeat_s": quiet,
        "prefect_overhead_s": flow - inline, "prefect_overhead_no_heartbeat_s": quiet - inline,
    }


BIG_PASSES = ("convert", "steps", "flow")


def big(n_products: int) -> dict[str, object]:
    """One feed of N products through `feedhub convert`, the run's steps and the Prefect flow (no rules,
    Google export each time), each pass in a process of its own: wall seconds and peak RSS."""
    data_dir = Path(__file__).resolve().parent / "data"
    feed = data_dir / f"heureka_{n_products}.xml"
    if not feed.is_file():
        from bench.make_feed import write_feed

        data_dir.mkdir(exist_ok=True)
        with open(feed, "wb") as out:
            write_feed(n_products, out)
    passes = {}
    for name in BIG_PASSES:
        done = subprocess.run(
            [sys.executable, __file__, "big-pass", name, str(feed)], check=True, capture_output=True, text=True
        )
        passes[name] = json.loads(done.stdout.strip().splitlines()[-1])
    flow, convert = passes["flow"]["seconds"], passes["convert"]["seconds"]
    return {"products": n_products, **passes, "flow_vs_convert": round(flow / convert, 3)}


def big_pass(name: str, feed: Path) -> dict[str, float]:
    """One pass of `big`: seconds and this process's peak RSS (convert: its child's)."""
    started = time.perf_counter()
    os.environ.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        os.environ.update(FEEDHUB_DATA_DIR=str(data), PREFECT_HOME=str(data / "prefect"))
        if name == "convert":
            out = str(data / "g.xml")
            command = [sys.executable, "-m", "feedhub", "convert", str(feed), "--to", "google", "-o", out]
            subprocess.run(command, check=True, capture_output=True)
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mib": round(rss)}
        project_id, _ = _setup(data, 0, feed=feed)
        if name == "steps":
            from feedhub.cli_projects import deps_from_settings
            from feedhub.settings import get_settings
            from flows.runner import run_project_inline

            started = time.perf_counter()  # the database set-up is the bench's, not the run's
            assert run_project_inline(project_id, deps_from_settings(get_settings())).status == "succeeded"
        else:
            from prefect.testing.utilities import prefect_test_harness

            from feedhub.serve import run_project

            with prefect_test_harness(server_startup_timeout=150):
                started = time.perf_counter()  # the temporary Prefect server's start is not the run's
                assert run_project(project_id)["status"] == "succeeded"
        seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(rss)}


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "big-pass":
        print(json.dumps(big_pass(sys.argv[2], Path(sys.argv[3]))))
    else:
        arg = int(sys.argv[2]) if len(sys.argv) > 2 else 20
        print(json.dumps(overhead(arg) if mode == "overhead" else big(arg), indent=2))
