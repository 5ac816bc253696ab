"""The run-project flow: what `feedhub serve` and every worker import to run a scheduled project.

Prefect starts each scheduled run in a new Python process that imports this module, so it imports
only what a run needs (bench/bench_flows.py measures that start as `worker_process_start`).
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from feedhub.runtime import deps_from_settings
from feedhub.settings import get_settings
from flows.project_flow import FLOW_NAME, run_project_in_flow


@flow(name=FLOW_NAME, flow_run_name="project-{project_id}", persist_result=False)
def run_project(project_id: int, trigger: str = "schedule") -> dict[str, Any]:
    """Run one project: fetch, process, gate, publish, record (see flows.runner)."""
    return run_project_in_flow(project_id, deps_from_settings(get_settings()), trigger=trigger)
