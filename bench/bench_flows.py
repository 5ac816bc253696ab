"""Orchestration cost of a project run: `python bench/bench_flows.py overhead [N]` or `big N_PRODUCTS`.

overhead: a 100-product feed run N times (default 100) (a) through `feeds.pipeline.process` directly,
(b) through the run's steps without Prefect (`run_project_inline`: lock, history, publish), (c) through
the Prefect flow `feedhub.flow.run_due_projects` as a batch of one (temporary local server started once,
not counted; bench/agency.py measures full batches under `feedhub serve`), and
(d) the same body as a sync flow, which waits for Prefect's heartbeat thread (see feedhub.flow). Prints wall
and CPU seconds per run of each (CPU of this process: the Prefect server's is not counted), the flow's
overhead over the pipeline and over the steps, the machine's load average, and what each worker pays
once when it starts: a new Python process importing Feedhub's flow module (best of 3).
big: a synthetic feed of N products (bench/data/heureka_N.xml, written if missing) through
`feedhub convert`, the run's steps and the Prefect flow, each in a process of its own, no rules, a
Google export; wall seconds and peak RSS of each. convert is timed as the whole command (its process
start included); steps and flow from the call of the run, after the bench's database set-up and
(flow) the temporary Prefect server's start.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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


def _per_run(n: int, run: Any) -> tuple[float, float]:
    """Wall and CPU seconds per call of `run(i)`, over n calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        run(i)
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def _process_start() -> tuple[float, float]:
    """Wall and CPU seconds of a new Python process importing Prefect's engine and `feedhub.flow` (best of 3),
    as each flow run started by a worker or `feedhub serve` does before its flow begins."""
    best = (float("inf"), float("inf"))
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import prefect.engine, prefect.flow_engine, feedhub.flow"], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        best = min(best, (time.perf_counter() - started, cpu))
    return best


def overhead(n: int = 100) -> dict[str, float]:
    """Wall (and CPU) seconds per run: pipeline alone, steps without Prefect, Prefect flow."""
    os.environ.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        # the bench's feeds are server paths, which project runs read only when allowed
        os.environ.update(
            FEEDHUB_DATA_DIR=str(data), PREFECT_HOME=str(data / "prefect"), FEEDHUB_ALLOW_LOCAL_SOURCES="true",
            FEEDHUB_EXPORTS_DIR=str(data),
        )
        project_id, feed = _setup(data, 100)
        from feedhub.runtime import deps_from_settings
        from feedhub.settings import get_settings
        from feeds.pipeline import ExportTarget, process
        from flows.runner import run_project_inline

        direct, direct_cpu = _per_run(n, lambda i: process(feed, [ExportTarget("google", "google", data / "d.xml")]))
        deps = deps_from_settings(get_settings())

        def inline_run(i: int) -> None:
            _touch(feed, i)
            assert run_project_inline(project_id, deps).status == "succeeded"

        inline, inline_cpu = _per_run(n, inline_run)
        from prefect import flow
        from prefect.testing.utilities import prefect_test_harness

        from feedhub.flow import run_due_projects
        from flows.project_flow import run_batch_in_flow

        batch = [{"project_id": project_id, "trigger": "schedule"}]

        @flow(name="bench-sync-run-due-projects", persist_result=False)
        def sync_run_due_projects(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
            """The same body as a sync flow, whose engine waits for its heartbeat thread (see feedhub.flow)."""
            return run_batch_in_flow(batch, deps_from_settings(get_settings()))

        runs = iter(range(n, 3 * n + 2))  # every run sees a changed feed

        def flow_run(_: int) -> None:
            _touch(feed, next(runs))
            assert asyncio.run(run_due_projects(batch))[0]["status"] == "succeeded"

        def sync_flow_run(_: int) -> None:
            _touch(feed, next(runs))
            assert sync_run_due_projects(batch)[0]["status"] == "succeeded"

        with prefect_test_harness(server_startup_timeout=150):
            flow_run(0)  # warm-up: imports, first API calls
            sync_flow_run(0)
            flow_s, flow_cpu = _per_run(n, flow_run)
            sync_s, sync_cpu = _per_run(n, sync_flow_run)
    start, start_cpu = _process_start()
    figures = {
        "runs": n,
        "pipeline_s": direct,
        "pipeline_cpu_s": direct_cpu,
        "steps_s": inline,
        "steps_cpu_s": inline_cpu,
        "flow_s": flow_s,
        "flow_cpu_s": flow_cpu,
        "flow_overhead_vs_pipeline_s": flow_s - direct,
        "prefect_overhead_s": flow_s - inline,
        "sync_flow_s": sync_s,
        "sync_flow_cpu_s": sync_cpu,
        "worker_process_start_s": start,
        "worker_process_start_cpu_s": start_cpu,
    }
    return {key: round(value, 3) for key, value in figures.items()} | {"load_avg": list(os.getloadavg())}


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
    passes: dict[str, object] = {"load_avg_before": list(os.getloadavg())}
    for name in BIG_PASSES:
        done = subprocess.run(
            [sys.executable, __file__, "big-pass", name, str(feed)], check=True, capture_output=True, text=True
        )
        passes[name] = json.loads(done.stdout.strip().splitlines()[-1])
    flow, convert = passes["flow"]["seconds"], passes["convert"]["seconds"]  # type: ignore[index]
    passes["load_avg_after"] = list(os.getloadavg())
    return {"products": n_products, **passes, "flow_vs_convert": round(flow / convert, 3)}


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return round(usage.ru_utime + usage.ru_stime, 2)


def big_pass(name: str, feed: Path) -> dict[str, float]:
    """One pass of `big`: seconds and CPU seconds (steps, flow: of the run; convert: of the whole command),
    this process's CPU seconds (imports included) and peak RSS (convert: its child's)."""
    started = time.perf_counter()
    os.environ.update(DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        # the bench's feeds are server paths, which project runs read only when allowed
        os.environ.update(
            FEEDHUB_DATA_DIR=str(data), PREFECT_HOME=str(data / "prefect"), FEEDHUB_ALLOW_LOCAL_SOURCES="true",
            FEEDHUB_EXPORTS_DIR=str(data),
        )
        if name == "convert":
            out = str(data / "g.xml")
            command = [sys.executable, "-m", "feedhub", "convert", str(feed), "--to", "google", "-o", out]
            subprocess.run(command, check=True, capture_output=True)
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            seconds = round(time.perf_counter() - started, 2)
            return {"seconds": seconds, "cpu_s": _cpu(resource.RUSAGE_CHILDREN), "peak_rss_mib": round(rss)}
        project_id, _ = _setup(data, 0, feed=feed)
        if name == "steps":
            from feedhub.runtime import deps_from_settings
            from feedhub.settings import get_settings
            from flows.runner import run_project_inline

            started, cpu = time.perf_counter(), time.process_time()  # the database set-up is the bench's
            assert run_project_inline(project_id, deps_from_settings(get_settings())).status == "succeeded"
        else:
            from prefect.testing.utilities import prefect_test_harness

            from feedhub.flow import run_due_projects

            with prefect_test_harness(server_startup_timeout=150):
                started, cpu = time.perf_counter(), time.process_time()  # not the temporary server's start
                batch = [{"project_id": project_id, "trigger": "schedule"}]
                assert asyncio.run(run_due_projects(batch))[0]["status"] == "succeeded"
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    whole = _cpu(resource.RUSAGE_SELF)
    return {"seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "process_cpu_s": whole, "peak_rss_mib": round(rss)}


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "big-pass":
        print(json.dumps(big_pass(sys.argv[2], Path(sys.argv[3]))))
    else:
        arg = int(sys.argv[2]) if len(sys.argv) > 2 else 100
        print(json.dumps(overhead(arg) if mode == "overhead" else big(arg), indent=2))
