"""Wiring runs to Prefect: the deployment of the run-project flow (`feedhub.flow`), and `feedhub serve`.

Prefect reads its settings (PREFECT_HOME, telemetry) when it is first imported, so callers set
`feedhub.runtime.prefect_environment(settings)` before importing this module (the CLI does).

`feedhub serve` on one machine: a Prefect server (its SQLite database under FEEDHUB_DATA_DIR/prefect)
in a child process, the web app in a thread, and this process running the scheduled flow runs
(`prefect.serve`), with the deployment's schedules synced from Feedhub's database every minute.
With `--pool`, the flows run on the workers of a work pool instead (several machines).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
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
from prefect.deployments.runner import EntrypointType, RunnerDeployment

from feedhub.flow import run_project
from feedhub.processes import descendants, is_running, stop_all
from feedhub.runtime import deps_from_settings, prefect_environment
from feedhub.settings import Settings
from flows.project_flow import FLOW_NAME
from flows.schedules import project_schedules, sync_schedules

DEPLOYMENT_NAME = "projects"
SYNC_INTERVAL_S = 60.0
PREFECT_START_TIMEOUT_S = 90.0
STOP_GRACE_S = 5.0  # then SIGKILL: one SIGTERM stops serve and all it started within 10 s


def build_deployment(*, work_pool: str | None = None) -> RunnerDeployment:
    """The one deployment of every project; its schedules come from `sync_project_schedules`."""
    return run_project.to_deployment(
        DEPLOYMENT_NAME,
        work_pool_name=work_pool,
        entrypoint_type=EntrypointType.MODULE_PATH,  # workers import feedhub.flow, wherever they run
        description="One run of a Feedhub project; one schedule per project.",
    )


def sync_project_schedules(settings: Settings, deployment_id: Any) -> None:
    """Copy every project's schedule from Feedhub's database onto the deployment."""
    from prefect.client.orchestration import get_client

    deps = deps_from_settings(settings)
    with deps.sessions() as session:
        wanted = project_schedules(session)
    with get_client(sync_client=True) as client:
        result = sync_schedules(client, deployment_id, wanted)
    for project_id in result.refused:
        print(f"feedhub serve: project {project_id}'s schedule is invalid; fix it with `feedhub project update`",
              file=sys.stderr)


def trigger_run(project_id: int, *, trigger: str = "manual") -> str:
    """Ask the Prefect server to run a project now (any worker or `feedhub serve` picks it up)."""
    from prefect.deployments import run_deployment

    flow_run = run_deployment(
        f"{FLOW_NAME}/{DEPLOYMENT_NAME}", parameters={"project_id": project_id, "trigger": trigger}, timeout=0
    )
    return str(flow_run.id)


# ---------------------------------------------------------------------------------------------- serve


def api_url_file(settings: Settings) -> Path:
    """Where `feedhub serve` writes its Prefect API URL, so other commands of this machine find it."""
    return settings.data_dir / "prefect" / "api-url"


def server_log(settings: Settings) -> Path:
    """Where the local Prefect server's output goes: its HTTP 500s explain runs that crashed."""
    return settings.data_dir / "prefect" / "server.log"


@contextlib.contextmanager
def local_prefect_server(settings: Settings, *, port: int) -> Iterator[str]:
    """A Prefect server in a child process (SQLite under the data folder), its output appended to
    `server_log`; yields its API URL."""
    env = {**os.environ, **prefect_environment(settings)}
    env.pop("PREFECT_API_URL", None)
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with open(server_log(settings), "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api"
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


def _sync_loop(settings: Settings, deployment_id: Any, stop: threading.Event) -> None:
    while not stop.wait(SYNC_INTERVAL_S):
        with contextlib.suppress(Exception):  # a failed sync is retried next minute; the next one repairs it
            sync_project_schedules(settings, deployment_id)


def serve(settings: Settings, *, host: str, port: int, prefect_port: int, work_pool: str | None = None) -> None:
    """Web app + schedules + (without a work pool) the flow runs, until Ctrl-C or SIGTERM.

    Stopping ends every process serve started (the Prefect server's own children and the flow-run
    processes included) within STOP_GRACE_S, and records the runs they were making as crashed.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    signal.signal(signal.SIGTERM, _interrupt)  # Prefect's runner takes SIGTERM over once it runs
    web, web_thread = _web_thread(settings, host, port)
    stop = threading.Event()
    try:
        with contextlib.ExitStack() as stack:
            if work_pool is None:
                url = stack.enter_context(local_prefect_server(settings, port=prefect_port))
                os.environ["PREFECT_API_URL"] = url  # the flow-run processes the runner starts
                stack.enter_context(temporary_settings(updates={PREFECT_API_URL: url}))
            stack.callback(_stop_started, settings)  # first thing on the way out, before the server stops
            deployment = build_deployment(work_pool=work_pool)
            deployment_id = deployment.apply(work_pool_name=work_pool) if work_pool else None
            if work_pool is None:
                _serve_here(settings, deployment, stop)
            else:
                sync_project_schedules(settings, deployment_id)
                _sync_loop(settings, deployment_id, stop)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        web.should_exit = True
        web_thread.join(timeout=2)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


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


def _serve_here(settings: Settings, deployment: RunnerDeployment, stop: threading.Event) -> None:
    from prefect import serve as prefect_serve
    from prefect.client.orchestration import get_client

    def sync_when_registered() -> None:
        deadline = time.monotonic() + PREFECT_START_TIMEOUT_S
        while not stop.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(Exception), get_client(sync_client=True) as client:
                found = client.read_deployment_by_name(f"{FLOW_NAME}/{DEPLOYMENT_NAME}")
                sync_project_schedules(settings, found.id)
                _sync_loop(settings, found.id, stop)
                return
            stop.wait(1.0)

    context = contextvars.copy_context()  # the thread talks to the same Prefect API as this one
    threading.Thread(target=context.run, args=(sync_when_registered,), name="feedhub-schedules", daemon=True).start()
    prefect_serve(deployment, print_starting_message=False, limit=settings.run_limit)
