"""The flows: one flow run per batch of due runs taken from the queue (`feedhub.worker`), and the billing
jobs that `feedhub serve` runs every hour.

A worker is a long-lived process: it imports this module once, and each batch costs Prefect's
bookkeeping only (bench/agency.py measures it), not a new Python process per run.

Why an async flow around a sync body: Prefect 3.8's sync engine waits at the end of every run for its
heartbeat thread, which sleeps in 1-second steps, and no setting outside Python code turns the
heartbeats off; the async engine lets that thread end by itself. The body blocks the event loop while
the batch's tasks run on their thread pool, which costs nothing here: the worker does nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow
from prefect.context import SyncClientContext
from prefect.settings import get_current_settings

from feedhub.runtime import deps_from_settings
from feedhub.settings import get_settings
from flows.project_flow import FLOW_NAME, run_batch_in_flow

# Named rather than left to Prefect: for an async flow without one, Prefect 3.8.8 asks the server for
# its default result storage with an API client it never closes (a socket per run). Nothing is
# written there: the flow persists no results.
RESULT_STORAGE = Path(get_current_settings().results.local_storage_path)


@flow(name=FLOW_NAME, flow_run_name="{label}", persist_result=False, result_storage=RESULT_STORAGE)
async def run_due_projects(batch: list[dict[str, Any]], label: str = "due projects") -> list[dict[str, Any]]:
    """Run each queued project of the batch (`project_id`, `trigger`, `due_at`): see flows.project_flow.
    Its tasks run on Prefect's thread pool; workers size it with `with_runs_at_once`."""
    with SyncClientContext.get_or_create():  # one API client for the batch's tasks, as a sync flow run has
        return run_batch_in_flow(batch, deps_from_settings(get_settings()))


def with_runs_at_once(threads: int) -> Any:
    """The flow with a thread pool of `threads` for its tasks (FEEDHUB_RUN_THREADS)."""
    from prefect.task_runners import ThreadPoolTaskRunner

    return run_due_projects.with_options(task_runner=ThreadPoolTaskRunner(max_workers=threads))


@flow(name="feedhub-billing", persist_result=False, result_storage=RESULT_STORAGE)
def run_billing_jobs() -> dict[str, Any]:
    """Trial reminders, invoices due, unpaid reminders, overdue shops, suspensions (accounts.billing_jobs)."""
    import dataclasses

    from accounts.billing_jobs import run_due
    from flows.steps import remove_project_workspaces

    settings = get_settings()
    deps = deps_from_settings(settings)
    done = run_due(deps.sessions, deps.mailer, base_url=settings.base_url)
    remove_project_workspaces(deps, done.gone_projects)
    return dataclasses.asdict(done)
