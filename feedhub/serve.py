"""`feedhub serve` on one machine: the web app, the ticker that queues due runs, the workers that make
them, and (unless PREFECT_API_URL names one) a Prefect server where the workers record their flow runs.

Prefect reads its settings (PREFECT_HOME, telemetry) when it is first imported, so callers set
`feedhub.runtime.prefect_environment(settings)` before importing this module (the CLI does).

The Prefect server runs in a child process (its SQLite database under FEEDHUB_DATA_DIR/prefect), the
web app and the ticker in threads, and the workers (`feedhub worker`) in child processes, restarted if
one dies. With `--workers 0` this machine only schedules and serves pages; `feedhub worker` on other
machines makes the runs (docs/operations.md).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from accounts.run_queue import BIG, SMALL, drop_dead_workers, prune_done
from accounts.runs import mark_silent_runs
from accounts.throttle import prune_attempts
from feedhub.runtime import deps_from_settings, prefect_environment
from feedhub.settings import Settings
from flows.deps import RunDeps
from flows.processes import descendants, is_running, stop_all
from flows.schedules import TICK_S, Ticker
from flows.steps import run_workspace

PREFECT_START_TIMEOUT_S = 90.0
STOP_GRACE_S = 5.0  # then SIGKILL: one SIGTERM stops serve and all it started within 10 s
SWEEP_S = 15.0  # how often runs whose heartbeat stopped are marked crashed (within RUN_STALE_S + SWEEP_S)
HOUSEKEEPING_S = 60.0  # how often dead workers' runs go back to the queue and old queue rows go
RESTART_DELAY_S = 10.0
BILLING_S = 3600.0  # how often the billing jobs run (each is safe to run again)
# serve's own Prefect server is never on the network: whoever reaches a Prefect API may create flow runs and
# deployments, so servers other machines use are set up apart, with basic auth (docs/operations.md)
PREFECT_HOST = "127.0.0.1"


# ---------------------------------------------------------------------------------------------- serve


def api_url_file(settings: Settings) -> Path:
    """Where `feedhub serve` writes its Prefect API URL, so other commands of this machine find it."""
    return settings.data_dir / "prefect" / "api-url"


def server_log(settings: Settings) -> Path:
    """Where the local Prefect server's output goes: its HTTP 500s explain runs that crashed."""
    return settings.data_dir / "prefect" / "server.log"


def prefect_auth_string() -> str | None:
    """The secret of Prefect's basic auth here: the one clients send (PREFECT_API_AUTH_STRING), else the one a
    server asks for (PREFECT_SERVER_API_AUTH_STRING); serve's own server requires it and its clients send it."""
    return os.environ.get("PREFECT_API_AUTH_STRING") or os.environ.get("PREFECT_SERVER_API_AUTH_STRING") or None


@contextlib.contextmanager
def local_prefect_server(settings: Settings, *, port: int) -> Iterator[str]:
    """A Prefect server in a child process on PREFECT_HOST (SQLite under the data folder), requiring
    `prefect_auth_string()` when there is one, its output appended to `server_log`; yields its API URL."""
    env = {**os.environ, **prefect_environment(settings)}
    env.pop("PREFECT_API_URL", None)
    if auth := prefect_auth_string():
        env["PREFECT_SERVER_API_AUTH_STRING"] = auth
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", PREFECT_HOST, "--port", str(port)]
    with open(server_log(settings), "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{PREFECT_HOST}:{port}/api"
    try:
        wait_healthy(url, process, log=server_log(settings))
        api_url_file(settings).write_text(url)
        yield url
    finally:
        api_url_file(settings).unlink(missing_ok=True)
        stop_process(process)


def wait_healthy(url: str, process: subprocess.Popen[bytes] | None = None, *, log: Path | None = None) -> None:
    """Wait until the Prefect API answers, or fail clearly (naming the server's log)."""
    deadline = time.monotonic() + PREFECT_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            where = f"; its output is in {log}" if log else ""
            raise RuntimeError(f"the Prefect server exited with status {process.returncode}{where}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server at {url} did not answer within {PREFECT_START_TIMEOUT_S:.0f} s")


def stop_process(process: subprocess.Popen[bytes], *, grace_s: float = STOP_GRACE_S) -> None:
    """Stop a process and every process it started: SIGTERM, then SIGKILL after `grace_s`."""
    stop_all([process.pid, *descendants(process.pid)], grace_s=grace_s)
    process.wait()


def _web_thread(settings: Settings, host: str, port: int) -> tuple[Any, threading.Thread]:
    import uvicorn

    from feedhub.web import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="feedhub-web", daemon=True)
    thread.start()
    return server, thread


def worker_lanes(index: int, count: int) -> tuple[str, ...]:
    """The lanes of serve's worker `index` of `count`: the first takes big feeds first, the others small ones
    only, so big feeds run one at a time and never hold up the small ones (alone, a worker takes both)."""
    if count == 1:
        return (SMALL, BIG)
    return (BIG, SMALL) if index == 0 else (SMALL,)


def serve(settings: Settings, *, host: str, port: int, prefect_port: int, workers: int) -> None:
    """Web app + ticker + `workers` worker processes, until Ctrl-C or SIGTERM.

    Stopping ends every process serve started (the Prefect server's own children and the workers
    included) within STOP_GRACE_S, and records the runs they were making as crashed with the reason.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    web, web_thread = _web_thread(settings, host, port)
    stop = threading.Event()
    try:
        with contextlib.ExitStack() as stack:
            url = os.environ.get("PREFECT_API_URL") or stack.enter_context(
                local_prefect_server(settings, port=prefect_port))
            os.environ["PREFECT_API_URL"] = url  # before this process imports Prefect (the billing flow)
            if auth := prefect_auth_string():  # the workers and the billing flow send what the server asks for
                os.environ["PREFECT_API_AUTH_STRING"] = auth
            stack.callback(_stop_started, settings)  # first thing on the way out, before the server stops
            ticker = threading.Thread(target=_tick_until, args=(settings, stop), name="feedhub-ticker", daemon=True)
            ticker.start()
            _supervise(settings, url, workers, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        web.should_exit = True
        web_thread.join(timeout=2)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _tick_until(settings: Settings, stop: threading.Event) -> None:
    """Every TICK_S: queue due runs; every HOUSEKEEPING_S: requeue dead workers' runs, prune done ones; every
    BILLING_S: the billing jobs, as a Prefect flow run."""
    deps = deps_from_settings(settings)
    ticker = Ticker(big_feed_products=settings.big_feed_products)
    housekept = billed = swept = -BILLING_S
    while not stop.is_set():
        if time.monotonic() - billed >= BILLING_S:
            billed = time.monotonic()
            _bill()
        try:
            with deps.sessions.begin() as session:
                ticker.tick(session)
            if time.monotonic() - swept >= SWEEP_S:
                _crash_silent_runs(deps)
                swept = time.monotonic()
            if time.monotonic() - housekept >= HOUSEKEEPING_S:
                with deps.sessions.begin() as session:
                    for worker in drop_dead_workers(session):
                        print(f"feedhub serve: worker {worker} stopped beating; its runs went back to the queue",
                              file=sys.stderr)
                    prune_done(session)
                    prune_attempts(session)
                housekept = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - a failed tick is retried at the next; nothing is lost
            print(f"feedhub serve: scheduling failed, retrying: {exc}", file=sys.stderr)
        stop.wait(TICK_S)


def _crash_silent_runs(deps: RunDeps) -> None:
    """Runs whose heartbeat stopped (killed anywhere) show as crashed within a minute; their workspaces go."""
    with deps.sessions.begin() as session:
        silent = mark_silent_runs(session)
    for run in silent:  # a run on another machine has its workspace there: nothing to remove here
        shutil.rmtree(run_workspace(deps, run.project_id, run.id), ignore_errors=True)
        print(f"feedhub serve: run {run.id} of project {run.project_id} stopped beating; marked crashed",
              file=sys.stderr)


def _bill() -> None:
    from feedhub.flow import run_billing_jobs

    try:
        done = run_billing_jobs()
    except Exception as exc:  # noqa: BLE001 - the jobs are safe to rerun; the next hour retries
        print(f"feedhub serve: the billing jobs failed, retrying in an hour: {exc}", file=sys.stderr)
        return
    for problem in done["problems"]:
        print(f"feedhub serve: not invoiced: {problem}", file=sys.stderr)


def _supervise(settings: Settings, prefect_url: str, count: int, stop: threading.Event) -> None:
    """Start `count` workers and restart any that exits (not more often than every RESTART_DELAY_S), until
    interrupted."""
    # Log lines stay in the workers' output, not in Prefect's database: with 500 runs due at once, the local
    # Prefect server's SQLite stayed locked for a minute writing them (bench/agency.py --hourly), and every
    # run's outcome and stage times are in Feedhub's run history anyway.
    env = {**os.environ, **prefect_environment(settings), "PREFECT_API_URL": prefect_url,
           "PREFECT_LOGGING_TO_API_ENABLED": os.environ.get("PREFECT_LOGGING_TO_API_ENABLED", "false")}
    workers: list[subprocess.Popen[bytes] | None] = [None] * count
    started = [-RESTART_DELAY_S] * count
    while not stop.is_set():
        for index, process in enumerate(workers):
            if process is not None and process.poll() is None:
                continue
            if time.monotonic() - started[index] < RESTART_DELAY_S:
                continue  # one that fails at once (a bad setting) is not restarted in a tight loop
            if process is not None:
                print(f"feedhub serve: worker {process.pid} exited with status {process.returncode}; "
                      "starting another", file=sys.stderr)
            lanes = ",".join(worker_lanes(index, count))
            workers[index] = subprocess.Popen([sys.executable, "-m", "feedhub", "worker", "--lanes", lanes], env=env)
            started[index] = time.monotonic()
        stop.wait(1.0)


def _stop_started(settings: Settings) -> None:
    """Stop every process serve started, and record the runs they were making as crashed runs with the
    reason, rather than leave them Running."""
    from accounts.runs import mark_ended_runs

    stop_all(descendants(os.getpid()), grace_s=STOP_GRACE_S)
    deps = deps_from_settings(settings)
    with deps.sessions.begin() as session:
        ended = mark_ended_runs(session, socket.gethostname(), is_running,
                                "stopped when `feedhub serve` shut down; nothing was published")
        for run in ended:
            print(f"feedhub serve: run {run.id} of project {run.project_id} was stopped", file=sys.stderr)
    deps.engine.dispose()
