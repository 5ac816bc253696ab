"""A worker of `feedhub serve` that dies is replaced; `feedhub serve` stops on one SIGTERM: itself and
every process it started (the Prefect server, its children, the workers) within 10 s, and the run it
cut short is recorded as crashed with the reason instead of staying Running.

The feed's download is held open until serve has been told to stop, so the run is certainly in the
middle of its work when the signal comes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from sqlalchemy import Engine, select

from accounts.db import make_session_factory
from accounts.run_queue import live_workers
from accounts.runs import ProjectRun, RunStatus
from flows.processes import descendants, stat_fields
from tests.feeds.conftest import LocalServer, respond
from tests.flows.conftest import ROOT, ProjectFactory, environ_for_subprocess, heureka_feed

STOP_LIMIT_S = 10.0
START_TIMEOUT_S = 240.0  # the Prefect server and a flow process start slowly on a loaded 2-core machine


def test_a_dead_worker_is_replaced_and_one_sigterm_stops_serve_and_records_the_cut_run(
    db_url: str, engine: Engine, http_server: LocalServer, make_project: ProjectFactory, tmp_path: Path
) -> None:
    release = threading.Event()

    def held(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
        release.wait(START_TIMEOUT_S)
        respond(heureka_feed(5))(handler, server)

    http_server.routes["/held.xml"] = held
    project_id = make_project(http_server.url("/held.xml"))
    data = tmp_path / "serve-data"
    env = environ_for_subprocess(FEEDHUB_DATA_DIR=str(data), FEEDHUB_DATABASE_URL=db_url,
                                 FEEDHUB_ALLOW_PRIVATE_SOURCES="true", FEEDHUB_EXPORTS_DIR=str(tmp_path))
    with open(tmp_path / "serve.log", "wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "feedhub", "serve", "--port", str(_free_port()), "--prefect-port",
             str(_free_port())], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: len(_live_workers(engine)) == 2, "serve's workers", serve, tmp_path)
        first_workers = set(_live_workers(engine))
        niceness = {int(stat_fields(int(w.rsplit(":", 1)[1]))[16]) for w in first_workers}
        assert (niceness, int(stat_fields(serve.pid)[16])) == ({10}, 0)  # feed work below the web app
        killed = int(sorted(first_workers)[0].rsplit(":", 1)[1])
        os.kill(killed, signal.SIGKILL)  # a worker that dies (out of memory, say) is replaced
        _wait(lambda: set(_live_workers(engine)) - first_workers, "a new worker", serve, tmp_path)
        queued = subprocess.run([sys.executable, "-m", "feedhub", "project", "run", str(project_id), "--by",
                                 "owner@example.com"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert queued.returncode == 0, queued.stdout + queued.stderr
        _wait(lambda: _statuses(engine, project_id) == [RunStatus.RUNNING], "the run to start", serve, tmp_path)
        started = descendants(serve.pid)

        stopping = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        serve.wait(STOP_LIMIT_S + 5)
        took = time.monotonic() - stopping
    finally:
        release.set()
        if serve.poll() is None:
            serve.kill()

    assert took < STOP_LIMIT_S, f"serve took {took:.1f} s to stop"
    assert [pid for pid in started if Path(f"/proc/{pid}").exists() and not _zombie(pid)] == []
    with make_session_factory(engine)() as session:
        (run,) = session.scalars(select(ProjectRun).where(ProjectRun.project_id == project_id))
        assert (run.status, run.error_kind) == (RunStatus.CRASHED, "Stopped")
        assert run.error == "stopped when `feedhub serve` shut down; nothing was published"


def _live_workers(engine: Engine) -> list[str]:
    with make_session_factory(engine)() as session:
        return live_workers(session)


def _statuses(engine: Engine, project_id: int) -> list[RunStatus]:
    with make_session_factory(engine)() as session:
        return list(session.scalars(select(ProjectRun.status).where(ProjectRun.project_id == project_id)))


def _wait(done: object, what: str, serve: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not done():  # type: ignore[operator]
        assert serve.poll() is None, f"serve exited: {(logs / 'serve.log').read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"waited too long for {what}: {(logs / 'serve.log').read_text()[-3000:]}"
        time.sleep(0.3)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
