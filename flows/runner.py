"""One run of a project as a short list of steps: take the project's lock, begin, fetch, process, gate,
publish, finish; watched all along (`flows.run_watch`), so a run that loses its lock never publishes.

The one sequence every door uses: the task of a queued run (`flows.project_flow`), `feedhub project
run --wait`, the web app without workers, and the tests.
"""

from __future__ import annotations

from datetime import datetime

from accounts.run_lock import project_run_lock
from accounts.runs import ProjectRun
from flows.deps import RunDeps
from flows.finish import RunSummary, finish_step
from flows.run_watch import RunWatch
from flows.steps import begin_run, fetch_step, gate_step, process_step, publish_step


def run_project_inline(
    project_id: int, deps: RunDeps, *, trigger: str = "manual", due_at: datetime | None = None,
    requested_by: int | None = None,
) -> RunSummary:
    """Run the project once, in this thread, unless another run of it holds the lock (then the trigger is
    recorded as skipped). `due_at` is when the queue wanted it, kept to measure lateness; `requested_by`
    the user who asked, checked again when the run starts and before it publishes."""
    with project_run_lock(deps.engine, project_id) as lock:
        run = begin_run(deps, project_id, trigger=trigger, locked=lock.taken, due_at=due_at,
                        requested_by=requested_by)
        if isinstance(run, ProjectRun):
            return RunSummary.of(run)
        with RunWatch(deps, run.run_id, lock) as watch:
            try:
                fetch_step(run, deps)
                if not run.settled:
                    watch.check()
                    process_step(run, deps)
                    gate_step(run)
                if not run.settled:
                    watch.check_before_publish()
                    publish_step(run, deps)
            except Exception as exc:  # recorded as a failed run with its reason, never lost
                return finish_step(run, deps, exc)
            return finish_step(run, deps)
