"""The Prefect side of a run: the sequence of `flows.runner`, with the slow steps as Prefect tasks.

The `@flow` object itself is made by the application shell (`feedhub.flow.run_project`), which
knows the settings; the flow body is one call of `run_project_in_flow`.

Only fetch, process and publish are tasks: they do the I/O, take the time and fail in ways worth
seeing on their own. Begin (lock, history row), the quality gate and the record step are a few
milliseconds of bookkeeping each, run inline; every task run costs a state round trip and events
on the Prefect server, and six of them per run tripled Prefect's share of a small feed's run
(bench/bench_flows.py). The stage timings are logged on the flow run, and kept in the run history.

Tasks neither cache nor persist results: a run's inputs are live objects (an engine, a workspace),
and re-running a step from a cache would skip the very I/O it exists for.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.deps import RunDeps
from flows.finish import RunSummary, finish_step
from flows.runner import Steps, run_with
from flows.steps import begin_run, fetch_step, gate_step, process_step, publish_step

FLOW_NAME = "feedhub-run-project"
TASK_NAMES = ("fetch", "process", "publish")


def _task(name: str, fn: Any) -> Any:
    return task(name=name, cache_policy=NO_CACHE, persist_result=False)(fn)


TASK_STEPS = Steps(
    begin=begin_run,
    fetch=_task("fetch", fetch_step),
    process=_task("process", process_step),
    gate=gate_step,
    publish=_task("publish", publish_step),
    finish=finish_step,
)


def run_project_in_flow(project_id: int, deps: RunDeps, *, trigger: str) -> dict[str, Any]:
    """The body of the run-project flow: the run's steps, the slow ones as tasks; returns the run summary."""
    summary = run_with(TASK_STEPS, project_id, deps, trigger=trigger)
    get_run_logger().info(describe_summary(summary))
    return dataclasses.asdict(summary)


def describe_summary(summary: RunSummary) -> str:
    """One line for the flow run's log: outcome, counts and the time of each stage."""
    stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in summary.stages.items()) or "none"
    line = (
        f"run {summary.run_id} of project {summary.project_id}: {summary.status}, {summary.products_in} in, "
        f"{summary.products_out} out in {summary.seconds:.2f} s (stages: {stages})"
    )
    return line + (f": {summary.error}" if summary.error else "")
