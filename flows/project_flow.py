"""The Prefect side of runs: a batch of due runs is one flow run, each project's run one task run in it.

The `@flow` object itself is made by the application shell (`feedhub.flow.run_due_projects`), which
knows the settings; the flow body is one call of `run_batch_in_flow`.

Why batches: Prefect's bookkeeping, not the feed work, was what small runs cost. Measured against a
local Prefect 3.8.8 server (docs/operations.md, "At agency scale"): a flow run per project costs
0.34 s of CPU with no tasks and 0.74 s with fetch, process and publish as tasks; one task run per
project inside a flow run per batch costs 0.09 s. Each run's steps run plainly inside its task
(`flows.runner.run_project_inline`, the same sequence the tests use); their times are in the run
history and in the task's log line.

Tasks run on a small thread pool (FEEDHUB_RUN_THREADS): a batch's downloads overlap, and one slow
source does not hold up the rest of the batch. Tasks neither cache nor persist results: a run's inputs are live objects
(an engine, a workspace), and re-running a step from a cache would skip the very I/O it exists for.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from accounts.errors import ProjectNotFound
from flows.deps import RunDeps
from flows.finish import RunSummary
from flows.runner import run_project_inline

FLOW_NAME = "feedhub-run-due-projects"
TASK_NAME = "run-project"


@task(name=TASK_NAME, task_run_name="project-{project_id}", cache_policy=NO_CACHE, persist_result=False)
def run_queued_project(project_id: int, trigger: str, due_at: datetime | None, deps: RunDeps) -> dict[str, Any]:
    """One run of one project (skipped if another run of it holds the lock); returns its summary."""
    try:
        summary = run_project_inline(project_id, deps, trigger=trigger, due_at=due_at)
    except ProjectNotFound:  # deleted after it was queued: nothing to run, nothing to record
        get_run_logger().info(f"project {project_id} no longer exists")
        return {"project_id": project_id, "status": "deleted"}
    get_run_logger().info(describe_summary(summary))
    return dataclasses.asdict(summary)


def run_batch_in_flow(batch: list[dict[str, Any]], deps: RunDeps) -> list[dict[str, Any]]:
    """The body of the flow: each queued run (project_id, trigger, due_at) as a task; their summaries."""
    futures = [
        run_queued_project.submit(
            due["project_id"], due["trigger"], _when(due.get("due_at")), deps  # type: ignore[call-overload]
        )
        for due in batch
    ]
    summaries = []
    for due, future in zip(batch, futures, strict=True):
        outcome = future.result(raise_on_failure=False)  # one run's failure is its own, not the batch's
        summaries.append(outcome if isinstance(outcome, dict)
                         else {"project_id": due["project_id"], "status": "error", "error": str(outcome)})
    return summaries


def _when(value: str | datetime | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def describe_summary(summary: RunSummary) -> str:
    """One line for the task run's log: outcome, counts and the time of each stage."""
    stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in summary.stages.items()) or "none"
    line = (
        f"run {summary.run_id} of project {summary.project_id}: {summary.status}, {summary.products_in} in, "
        f"{summary.products_out} out in {summary.seconds:.2f} s (stages: {stages})"
    )
    return line + (f": {summary.error}" if summary.error else "")
