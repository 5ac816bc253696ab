"""`feedhub worker`: a long-lived process that takes due runs from the queue and makes them.

Each batch it takes (up to FEEDHUB_RUN_BATCH runs) is one Prefect flow run (`feedhub.flow`), its runs
made on FEEDHUB_RUN_THREADS threads. The process holds its imports, database pool and Prefect client from batch to
batch, so a small run costs its own work and a little bookkeeping, not a new Python process.

`feedhub serve` starts FEEDHUB_RUN_LIMIT of them; more machines start more (docs/operations.md).
A worker beats every few seconds in the `run_workers` table; one that stops or dies gives the runs
it had taken and not made back to the queue.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from typing import Any

from accounts.run_queue import HEARTBEAT_S, DueRun, claim, forget_worker, heartbeat, mark_done
from feedhub.runtime import deps_from_settings
from feedhub.settings import Settings

POLL_S = 1.0  # how often an idle worker looks for due runs: the start delay of a run queued "now"


def worker_name() -> str:
    """This process, as the queue and the run history name it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def work(settings: Settings, lanes: Sequence[str], stop: threading.Event) -> None:
    """Take and make batches of due runs until `stop` is set (SIGTERM or Ctrl-C sets it)."""
    from feedhub.flow import run_due_projects

    name, deps = worker_name(), deps_from_settings(settings)
    _beat(deps, name, lanes)
    beating = threading.Thread(target=_beat_until, args=(deps, name, lanes, stop), name="heartbeat", daemon=True)
    beating.start()
    try:
        while not stop.is_set():
            with deps.sessions.begin() as session:
                batch = claim(session, name, lanes, limit=settings.run_batch, per_shop=settings.runs_per_shop)
            if not batch:
                stop.wait(POLL_S)
                continue
            try:
                asyncio.run(run_due_projects([_parameters(due) for due in batch], label=_label(batch),
                                             threads=settings.run_threads))
            except Exception as exc:  # noqa: BLE001 - Prefect could not record the batch; its runs are recorded
                print(f"feedhub worker: a batch failed in Prefect: {exc}", file=sys.stderr)
            with deps.sessions.begin() as session:
                mark_done(session, [due.queue_id for due in batch])
    finally:
        with deps.sessions.begin() as session:
            forget_worker(session, name)


def _beat(deps: Any, name: str, lanes: Sequence[str]) -> None:
    with deps.sessions.begin() as session:
        heartbeat(session, name, lanes)


def _beat_until(deps: Any, name: str, lanes: Sequence[str], stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            _beat(deps, name, lanes)
        except Exception as exc:  # noqa: BLE001 - the next beat retries; a worker unseen for long is dropped
            print(f"feedhub worker: heartbeat failed: {exc}", file=sys.stderr)


def _parameters(due: DueRun) -> dict[str, Any]:
    """The flow run's entry for a run taken: the run reads its trigger, due time and requester from the queue
    (flows.admission), never from parameters, which anyone who reaches Prefect's API can write."""
    return {"queue_id": due.queue_id, "project_id": due.project_id}


def _label(batch: list[DueRun]) -> str:
    """The flow run's name: which projects it runs."""
    shown = ", ".join(str(due.project_id) for due in batch[:10])
    return f"projects {shown}" + (f" and {len(batch) - 10} more" if len(batch) > 10 else "")


def run_worker(settings: Settings, lanes: Sequence[str]) -> None:
    """The `feedhub worker` process: work until SIGTERM or Ctrl-C; the batch in progress is cut short."""
    stop = threading.Event()

    def interrupt(signum: int, frame: Any) -> None:
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    os.nice(settings.worker_nice)  # feed work yields the CPU to the web app and the ticker on the same machine
    try:
        work(settings, lanes, stop)
    except KeyboardInterrupt:
        pass
