"""The run-project flow: what `feedhub serve` and every worker import to run a scheduled project.

Prefect starts each scheduled run in a new Python process that imports this module, so it imports
only what a run needs (bench/bench_flows.py measures that start as `worker_process_start`).

Why an async flow around a sync body: Prefect 3.8's sync engine waits at the end of every run for its
heartbeat thread, which sleeps in 1-second steps, and no setting outside Python code turns the
heartbeats off; the async engine lets that thread end by itself. bench/bench_flows.py: 1.20 s per run
of a 100-product feed as a sync flow, 0.41 s as this one, against 0.07 s for the pipeline alone.
The body blocks the event loop while it runs, which costs nothing here: every flow run has its
process to itself, and the heartbeats come from their own thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.context import SyncClientContext
from prefect.settings import get_current_settings

from feedhub.runtime import deps_from_settings
from feedhub.settings import get_settings
from flows.project_flow import FLOW_NAME, run_project_in_flow

# Named rather than left to Prefect: for an async flow without one, Prefect 3.8.8 asks the server for
# its default result storage with an API client it never closes (a socket per run). Nothing is
# written there: the flow persists no results.
RESULT_STORAGE = Path(get_current_settings().results.local_storage_path)


@flow(name=FLOW_NAME, flow_run_name="project-{project_id}", persist_result=False, result_storage=RESULT_STORAGE)
async def run_project(project_id: int, trigger: str = "schedule") -> dict[str, Any]:
    """Run one project: fetch, process, gate, publish, record (see flows.runner)."""
    with SyncClientContext.get_or_create():  # one API client for the run's tasks, as a sync flow run has
        return run_project_in_flow(project_id, deps_from_settings(get_settings()), trigger=trigger)
