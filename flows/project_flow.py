"""The Prefect side of a run: each step as a task, the sequence of `flows.runner`.

The `@flow` object itself is made by the application shell (`feedhub.serve.run_project`), which
knows the settings; the flow body is one call of `run_project_in_flow`. Tasks neither cache nor
persist results: a run's inputs are live objects (an engine, a workspace), and re-running a step
from a cache would skip the very I/O it exists for.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.deps import RunDeps
from flows.finish import finish_step
from flows.runner import Steps, run_with
from flows.steps import begin_run, fetch_step, gate_step, process_step, publish_step

FLOW_NAME = "feedhub-run-project"

TASK_STEPS = Steps(
    begin=task(name="begin", cache_policy=NO_CACHE)(begin_run),
    fetch=task(name="fetch", cache_policy=NO_CACHE)(fetch_step),
    process=task(name="process", cache_policy=NO_CACHE)(process_step),
    gate=task(name="quality-gate", cache_policy=NO_CACHE)(gate_step),
    publish=task(name="publish", cache_policy=NO_CACHE)(publish_step),
    finish=task(name="record", cache_policy=NO_CACHE)(finish_step),
)


def run_project_in_flow(project_id: int, deps: RunDeps, *, trigger: str) -> dict[str, Any]:
    """The body of the run-project flow: the run's steps as Prefect tasks; returns the run summary."""
    return dataclasses.asdict(run_with(TASK_STEPS, project_id, deps, trigger=trigger))
