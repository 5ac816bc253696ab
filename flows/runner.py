"""One run of a project as a short list of steps, with or without Prefect.

`run_with(steps, ...)` is the whole orchestration: take the project's lock, begin, fetch, process,
gate, publish, finish. `PLAIN_STEPS` calls the step functions directly (tests, `feedhub project run
--wait` when no Prefect server is running); `flows.project_flow` passes the same functions wrapped
as Prefect tasks, so there is exactly one sequence to read and to test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.run_lock import project_run_lock
from accounts.runs import ProjectRun
from flows.deps import RunDeps
from flows.finish import RunSummary, finish_step
from flows.steps import begin_run, fetch_step, gate_step, process_step, publish_step


@dataclass(frozen=True)
class Steps:
    """The callables of one run, plain or as Prefect tasks."""

    begin: Callable[..., Any]
    fetch: Callable[..., Any]
    process: Callable[..., Any]
    gate: Callable[..., Any]
    publish: Callable[..., Any]
    finish: Callable[..., Any]


PLAIN_STEPS = Steps(begin_run, fetch_step, process_step, gate_step, publish_step, finish_step)


def run_with(steps: Steps, project_id: int, deps: RunDeps, *, trigger: str) -> RunSummary:
    """Run the project once unless another run of it holds the lock (then the trigger is recorded as skipped)."""
    with project_run_lock(deps.engine, project_id) as locked:
        run = steps.begin(deps, project_id, trigger=trigger, locked=locked)
        if isinstance(run, ProjectRun):
            return RunSummary.of(run)
        try:
            steps.fetch(run, deps)
            if not run.settled:
                steps.process(run, deps)
                steps.gate(run)
            if not run.settled:
                steps.publish(run, deps)
        except Exception as exc:  # recorded as a failed run with its reason, never lost
            return steps.finish(run, deps, exc)
        return steps.finish(run, deps)


def run_project_inline(project_id: int, deps: RunDeps, *, trigger: str = "manual") -> RunSummary:
    """One run in this process, without Prefect."""
    return run_with(PLAIN_STEPS, project_id, deps, trigger=trigger)
