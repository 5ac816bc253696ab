"""An agency under `feedhub serve`: N shops x M projects on a cron, feeds served over local HTTP.

    .venv/bin/python bench/agency.py --shops 10 --projects 6 --minutes 5 [--db postgresql] [--cron "* * * * *"]
    .venv/bin/python bench/agency.py --shops 10 --projects 50 --minutes 2 --hourly   # 500 projects hourly

Builds a data folder (bench/data/agency-*, SQLite, or a fresh schema of --postgres-url), one account
owning every shop, projects of 500-20,000 products (--sizes) whose feeds a local HTTP server serves,
starts `feedhub serve` as a real user would, and watches a window of --minutes whole minutes, starting
at the first minute boundary after the scheduler is up. Then it waits --grace seconds for late runs,
stops serve with one SIGTERM and reports:

* runs due in the window by the cron, how many of them started, how late they started (p50, p95, max;
  one never started counts as late until the end), crashed, and Feedhub's outcomes (succeeded,
  unchanged, ...), all from Feedhub's run history (each run keeps the time it was due);
* CPU per run, split into orchestration and work, over every run Feedhub recorded from the window's
  start to the end of the grace period: all that serve's process tree spent in that time (its own, the
  Prefect server's and every flow process's, reaped ones through their parent's accounting), less the
  work, which is the CPU of the same kind of runs made inline in this process afterwards
  (`run_project_inline`, once changed, once unchanged, per feed size);
* peak memory of serve's process tree (sum of RSS, sampled every second);
* how long serve took to stop after one SIGTERM, and what was still alive then.

Before the window, every project runs once (queued at once: the warm-up, a full import of each feed,
its time reported); then every project gets its cron and the window starts at the next minute, so it
measures the steady state of sources that did not change. With --hourly every project's cron fires
once an hour, all at the window's first minute: an hourly agency at its busiest minute, without
waiting an hour.
Results go to the terminal and to bench/agency-results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from flows.processes import descendants, is_running, stat_fields  # noqa: E402 - after the path is set

DATA = ROOT / "bench" / "data"
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shops", type=int, default=10)
    parser.add_argument("--projects", type=int, default=6, help="projects per shop")
    parser.add_argument("--minutes", type=int, default=5, help="the window watched, in whole minutes")
    parser.add_argument("--cron", default="* * * * *")
    parser.add_argument("--hourly", action="store_true", help="every project hourly, due at the window's start")
    parser.add_argument("--sizes", default="500,2000,5000,20000", help="feed sizes, given to projects in turn")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--grace", type=float, default=60.0, help="seconds to wait for late runs")
    parser.add_argument("--port", type=int, default=8765, help="serve's web port")
    parser.add_argument("--prefect-port", type=int, default=4265, help="serve's Prefect server port")
    args = parser.parse_args()

    sizes = [int(size) for size in args.sizes.split(",")]
    run_dir = DATA / f"agency-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    feeds = _feeds(sizes)
    with _feed_server(DATA) as base_url:
        env = _environment(run_dir, args)
        projects = _make_projects(env, base_url, feeds, sizes, args)
        report = _watch_serve(env, run_dir, projects, args)
        report["work_cpu_s"] = _work_per_run(base_url, feeds, run_dir)
    report.update(_split_cpu(report))
    report["config"] = vars(args) | {"sizes": sizes, "cpus": os.cpu_count()}
    _print(report)
    (ROOT / "bench" / "agency-results.json").write_text(json.dumps(report, indent=2, default=str))


# ---------------------------------------------------------------------------------------------- set-up


def _feeds(sizes: list[int]) -> dict[int, Path]:
    """One synthetic Heureka feed per size under bench/data (written once, reused)."""
    from bench.make_feed import write_feed  # type: ignore[import-not-found]

    DATA.mkdir(parents=True, exist_ok=True)
    paths = {}
    for size in sizes:
        paths[size] = DATA / f"heureka_{size}.xml"
        if not paths[size].is_file():
            with open(paths[size], "wb") as out:
                write_feed(size, out)
    return paths


@contextlib.contextmanager
def _feed_server(folder: Path):  # type: ignore[no-untyped-def]
    """bench/data over HTTP on localhost, quietly, in a thread; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _environment(run_dir: Path, args: argparse.Namespace) -> dict[str, str]:
    """The settings serve and this bench share: a new data folder, and SQLite in it or a new PG schema."""
    (run_dir / "exports").mkdir(parents=True)
    env = {"FEEDHUB_DATA_DIR": str(run_dir), "FEEDHUB_ALLOW_PRIVATE_SOURCES": "true",
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if args.db == "postgresql":
        from sqlalchemy import create_engine, text

        schema = f"agency_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres_url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        env["FEEDHUB_DATABASE_URL"] = f"{args.postgres_url}?options=-csearch_path%3D{schema}"
    os.environ.update(env)
    return env


def _make_projects(env: dict[str, str], base_url: str, feeds: dict[int, Path], sizes: list[int],
                   args: argparse.Namespace) -> dict[int, int]:
    """Shops and projects owned by one agency account; project id -> feed size."""
    from accounts import create_project, create_shop, register_user, verify_email
    from accounts.db import make_engine, make_session_factory, migrate
    from feedhub.settings import get_settings
    from feeds.project import ExportSpec, ProjectSpec, ScheduleSpec

    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    projects = {}
    with make_session_factory(engine).begin() as session:
        user, token = register_user(session, email="agency@example.com", password="agency password 1")
        verify_email(session, token)
        for s in range(args.shops):
            shop = create_shop(session, user, name=f"Shop {s + 1}")
            for p in range(args.projects):
                size = sizes[(s * args.projects + p) % len(sizes)]
                out = Path(env["FEEDHUB_DATA_DIR"]) / "exports" / f"shop{s + 1}-{p + 1}.xml"
                spec = ProjectSpec(source=f"{base_url}/{feeds[size].name}",  # scheduled after the warm-up
                                   schedule=ScheduleSpec(cron=args.cron, timezone="Europe/Prague", paused=True),
                                   exports=[ExportSpec(name="heureka", format="heureka", uri=out.as_uri())])
                projects[create_project(session, user, shop.id, name=f"p{p + 1}", spec=spec).id] = size
    engine.dispose()
    return projects


# ---------------------------------------------------------------------------------------------- watching


def _watch_serve(env: dict[str, str], run_dir: Path, projects: dict[int, int],
                 args: argparse.Namespace) -> dict[str, Any]:
    command = ["-m", "feedhub", "serve", "--port", str(args.port), "--prefect-port", str(args.prefect_port)]
    serve = subprocess.Popen([sys.executable, *command], env={**os.environ, **env},
                             stdout=subprocess.DEVNULL, stderr=open(run_dir / "serve.err", "wb"))
    try:
        return _watch(serve, run_dir, projects, args)
    finally:
        if serve.poll() is None:  # the bench failed before it stopped serve: stop it and all it started
            from feedhub.serve import stop_process

            stop_process(serve)


def _watch(serve: subprocess.Popen[bytes], run_dir: Path, projects: dict[int, int],
           args: argparse.Namespace) -> dict[str, Any]:
    sampler = _Sampler(serve.pid)
    sampler.start()
    _wait_for(run_dir / "prefect" / "api-url", serve)
    warm_up_s = _warm_up(projects, serve)
    start = _next_minute(datetime.now(UTC) + timedelta(seconds=15))  # the ticker queues 10 s ahead
    if args.hourly:
        args.cron = f"{start.minute} * * * *"
    _schedule(projects, args.cron)
    end = start + timedelta(minutes=args.minutes)
    print(f"warm-up (every project's first run, a full import) took {warm_up_s:.0f} s; "
          f"watching {start:%H:%M:%S}-{end:%H:%M:%S} UTC, then {args.grace:.0f} s for late runs", file=sys.stderr)
    time.sleep(max(0.0, (start - datetime.now(UTC)).total_seconds()))
    cpu_at_start, server_at_start = _tree_cpu(serve.pid), sampler.server_cpu
    time.sleep(max(0.0, (end - datetime.now(UTC)).total_seconds() + args.grace))
    cpu_in_window, server_cpu = _tree_cpu(serve.pid) - cpu_at_start, sampler.server_cpu - server_at_start
    now = datetime.now(UTC)
    stop_s, left = _stop(serve)
    sampler.stop.set()
    report = {"window": [start.isoformat(), end.isoformat()], "projects": len(projects), "warm_up_s": warm_up_s}
    report.update(_lateness(_runs_due_in(start, end), _due(projects, args.cron, start, end), now))
    report["feedhub_outcomes"] = _outcomes(start, end + timedelta(seconds=args.grace))  # what the CPU paid for
    report["serve_cpu_s"] = round(cpu_in_window, 2)
    report["prefect_server_cpu_s"] = round(server_cpu, 2)
    report["peak_memory_mb"] = round(sampler.peak_rss / 2**20)
    report["peak_processes"] = sampler.peak_processes
    report["stop_s"], report["alive_after_stop"] = stop_s, left
    return report


class _Sampler(threading.Thread):
    """Every second: the RSS of serve's process tree (peak kept) and the Prefect server's CPU so far."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.stop = root, threading.Event()
        self.peak_rss = self.peak_processes = 0
        self.server_cpu = 0.0

    def run(self) -> None:
        while not self.stop.wait(1.0):
            tree = _tree(self.root)
            self.peak_processes = max(self.peak_processes, len(tree))
            self.peak_rss = max(self.peak_rss, sum(_rss(pid) for pid in tree))
            for pid in tree:
                if b"prefect\x00server" in _read(f"/proc/{pid}/cmdline"):
                    self.server_cpu = max(self.server_cpu, _cpu(pid))


def _tree(root: int) -> list[int]:
    return [root, *descendants(root)]


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _rss(pid: int) -> int:
    fields = _read(f"/proc/{pid}/statm").split()
    return int(fields[1]) * PAGE if fields else 0


def _cpu(pid: int) -> float:
    """CPU seconds of the process and of its children it has reaped (/proc/<pid>/stat utime..cstime)."""
    fields = stat_fields(pid)
    return sum(int(value) for value in fields[11:15]) / TICK if fields else 0.0


def _tree_cpu(root: int) -> float:
    """CPU seconds of the process tree so far: each living process's own and its reaped children's."""
    return _cpu(root) + sum(_cpu(pid) for pid in descendants(root))


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout_s: float = 180.0) -> str:
    deadline = time.monotonic() + timeout_s
    while not path.is_file():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"serve did not come up; see {path.parents[1] / 'serve.err'}")
        time.sleep(0.5)
    return path.read_text().strip()


def _warm_up(projects: dict[int, int], serve: subprocess.Popen[bytes]) -> float:
    """Every project's first run (a full import of its feed), queued at once once serve's workers beat;
    seconds until all ended. The window then measures the steady state: sources that did not change."""
    from sqlalchemy import func, select

    from accounts.run_queue import live_workers, run_now
    from accounts.runs import ProjectRun, RunStatus
    from feedhub.runtime import deps_from_settings
    from feedhub.settings import get_settings

    settings = get_settings()
    deps = deps_from_settings(settings)
    while not _in_session(deps, live_workers):
        if serve.poll() is not None:
            raise SystemExit("serve exited before its workers started")
        time.sleep(0.5)
    started = time.monotonic()
    with deps.sessions.begin() as session:
        for project_id in projects:
            run_now(session, project_id, trigger="warm-up", big_feed_products=settings.big_feed_products)
    ended = select(func.count(func.distinct(ProjectRun.project_id))).where(ProjectRun.status != RunStatus.RUNNING)
    while _in_session(deps, lambda session: session.scalar(ended)) < len(projects):
        if serve.poll() is not None:
            raise SystemExit("serve exited during the warm-up")
        time.sleep(1)
    deps.engine.dispose()
    return round(time.monotonic() - started, 1)


def _in_session(deps: Any, read: Any) -> Any:
    with deps.sessions() as session:
        return read(session)


def _schedule(projects: dict[int, int], cron: str) -> None:
    """Every project on `cron` (a new revision each: the schedule is not part of what a run's outputs hang on,
    so its next run is still `unchanged`)."""
    from sqlalchemy import select

    from accounts import save_revision
    from accounts.models import Project, ProjectRevision, User
    from feedhub.runtime import deps_from_settings
    from feedhub.settings import get_settings
    from feeds.project import ProjectSpec, ScheduleSpec

    deps = deps_from_settings(get_settings())
    with deps.sessions.begin() as session:
        user = session.scalars(select(User)).one()
        for project_id in projects:
            project = session.get_one(Project, project_id)
            data = session.scalars(select(ProjectRevision.spec).where(
                ProjectRevision.project_id == project_id, ProjectRevision.number == project.head)).one()
            spec = ProjectSpec.model_validate(data)
            spec.schedule = ScheduleSpec(cron=cron, timezone="Europe/Prague")
            save_revision(session, user, project_id, spec, note="bench: scheduled")
    deps.engine.dispose()


def _next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _runs_due_in(start: datetime, end: datetime) -> list[Any]:
    """(project, due time, started, status) of every run Feedhub recorded as due in the window."""
    from sqlalchemy import select

    from accounts.db import make_engine
    from accounts.runs import ProjectRun
    from feedhub.settings import get_settings

    engine = make_engine(get_settings().effective_database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(ProjectRun.project_id, ProjectRun.due_at, ProjectRun.started_at,
                                         ProjectRun.status).where(ProjectRun.due_at >= start, ProjectRun.due_at < end))
        found = [(pid, due.replace(tzinfo=UTC), started.replace(tzinfo=UTC), status)
                 for pid, due, started, status in rows]
    engine.dispose()
    return found


def _due(projects: dict[int, int], cron: str, start: datetime, end: datetime) -> list[tuple[int, datetime]]:
    """Every (project, time) the cron makes due in the window, whether or not Prefect scheduled it."""
    from zoneinfo import ZoneInfo

    from prefect._vendor.croniter import croniter

    due = []
    for project_id in projects:
        fires = croniter(cron, start.astimezone(ZoneInfo("Europe/Prague")) - timedelta(seconds=1))
        while (moment := fires.get_next(datetime).astimezone(UTC)) < end:
            due.append((project_id, moment))
    return due


def _lateness(runs: list[Any], due: list[tuple[int, datetime]], now: datetime) -> dict[str, Any]:
    """Start minus due time of every due run; one never started is late until now."""
    started = {(pid, due_at.replace(microsecond=0)): started_at for pid, due_at, started_at, _ in runs}
    late = sorted(((started.get((pid, moment)) or now) - moment).total_seconds() for pid, moment in due)
    states = Counter(status.value for *_, status in runs)

    def at(q: float) -> float:
        return round(late[min(len(late) - 1, int(q * len(late)))], 1) if late else 0.0

    return {"due": len(due), "started": len(started), "late_s": {"p50": at(0.5), "p95": at(0.95), "max": at(1.0)},
            "states_of_due_runs": dict(states), "crashed": states.get("crashed", 0)}


def _outcomes(start: datetime, end: datetime) -> dict[str, int]:
    from sqlalchemy import func, select

    from accounts.db import make_engine, make_session_factory
    from accounts.runs import ProjectRun
    from feedhub.settings import get_settings

    engine = make_engine(get_settings().effective_database_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(select(ProjectRun.status, func.count()).where(
            ProjectRun.started_at >= start, ProjectRun.started_at < end).group_by(ProjectRun.status))
        counted = {status.value: count for status, count in rows}
    engine.dispose()
    return counted


def _stop(serve: subprocess.Popen[bytes]) -> tuple[float, int]:
    """One SIGTERM; seconds until serve exited (or 30 s), and how many of its processes were alive then."""
    tree = _tree(serve.pid)
    started = time.monotonic()
    serve.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        serve.wait(30)
    took = round(time.monotonic() - started, 1)
    alive = [pid for pid in tree if is_running(pid)]
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    serve.wait()
    return took, len(alive)


# ---------------------------------------------------------------------------------------------- work


def _work_per_run(base_url: str, feeds: dict[int, Path], run_dir: Path) -> dict[str, float]:
    """CPU seconds of a run's own work per feed size, changed (a new project's first run) and unchanged (its
    second), made inline in this process with serve stopped."""
    from sqlalchemy import select

    from accounts import create_project
    from accounts.models import Shop, User
    from feedhub.runtime import deps_from_settings
    from feedhub.settings import get_settings
    from feeds.project import ExportSpec, ProjectSpec
    from flows.runner import run_project_inline

    deps = deps_from_settings(get_settings())
    costs = {}
    for size, feed in feeds.items():
        with deps.sessions.begin() as session:
            user = session.scalars(select(User)).one()
            shop = session.scalars(select(Shop).order_by(Shop.id)).first()
            assert shop is not None
            spec = ProjectSpec(source=f"{base_url}/{feed.name}", exports=[ExportSpec(
                name="heureka", format="heureka", uri=(run_dir / "exports" / f"calibrate-{size}.xml").as_uri())])
            project_id = create_project(session, user, shop.id, name=f"calibrate {size}", spec=spec).id
        for kind in ("changed", "unchanged"):
            before = time.process_time()
            summary = run_project_inline(project_id, deps, trigger="bench")
            costs[f"{size}-{kind}"] = round(time.process_time() - before, 3)
            assert summary.status == ("succeeded" if kind == "changed" else "unchanged"), summary
    deps.engine.dispose()
    return costs


def _split_cpu(report: dict[str, Any]) -> dict[str, Any]:
    outcomes = report["feedhub_outcomes"]
    work = report["work_cpu_s"]
    runs = sum(outcomes.values()) or 1
    unchanged = outcomes.get("unchanged", 0)
    changed_cost = statistics.mean(v for k, v in work.items() if k.endswith("-changed"))
    unchanged_cost = statistics.mean(v for k, v in work.items() if k.endswith("-unchanged"))
    work_total = unchanged * unchanged_cost + (runs - unchanged) * changed_cost
    return {"cpu_per_run_s": {"total": round(report["serve_cpu_s"] / runs, 3),
                              "work": round(work_total / runs, 3),
                              "orchestration": round((report["serve_cpu_s"] - work_total) / runs, 3)}}


def _print(report: dict[str, Any]) -> None:
    late = report["late_s"]
    print(f"projects {report['projects']}, warm-up {report['warm_up_s']} s, "
          f"window {report['window'][0]} .. {report['window'][1]}")
    print(f"runs due {report['due']}, started {report['started']}, crashed {report['crashed']}; "
          f"late p50 {late['p50']} s, p95 {late['p95']} s, max {late['max']} s")
    print(f"due runs ended {report['states_of_due_runs']}; all runs in the window {report['feedhub_outcomes']}")
    cpu = report["cpu_per_run_s"]
    print(f"CPU per run: {cpu['total']} s = orchestration {cpu['orchestration']} s + work {cpu['work']} s "
          f"(Prefect server {report['prefect_server_cpu_s']} s of {report['serve_cpu_s']} s in all)")
    print(f"peak memory {report['peak_memory_mb']} MB over at most {report['peak_processes']} processes; "
          f"stopped {report['stop_s']} s after one SIGTERM, {report['alive_after_stop']} processes left")


if __name__ == "__main__":
    main()
