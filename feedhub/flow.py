"""The flows: one flow run per batch of due runs taken from the queue (`feedhub.worker`), and the billing
jobs that `feedhub serve` runs every hour.

A worker is a long-lived process: it imports this module once, and each batch costs Prefect's
bookkeeping only (bench/agency.py measures it), not a new Python process per run.

Why an async flow around a sync body: Prefect 3.8's sync engine waits at the end of every run for its
heartbeat thread, which sleeps in 1-second steps, and no setting outside Python code turns the
heartbeats off; the async engine lets that thread end by itself. The body blocks the event loop while
the batch's runs go on their thread pool, which costs nothing here: the worker does nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_table_artifact
from prefect.settings import get_current_settings

from feedhub.runtime import deps_from_settings
from feedhub.settings import get_settings
from flows.project_flow import FLOW_NAME, batch_table, run_batch_in_flow

# Named rather than left to Prefect: for an async flow without one, Prefect 3.8.8 asks the server for
# its default result storage with an API client it never closes (a socket per run). Nothing is
# written there: the flow persists no results.
RESULT_STORAGE = Path(get_current_settings().results.local_storage_path)


@flow(name=FLOW_NAME, flow_run_name="{label}", persist_result=False, result_storage=RESULT_STORAGE)
async def run_due_projects(
    batch: list[dict[str, Any]], label: str = "due projects", threads: int = 4
) -> list[dict[str, Any]]:
    """Run each queued run of the batch (`queue_id`, `project_id`) on `threads` threads (FEEDHUB_RUN_THREADS), as
    Feedhub's database vouches for it (flows.admission); the flow run gets a table of their outcomes."""
    summaries = run_batch_in_flow(batch, deps_from_settings(get_settings()), threads=threads,
                                  log=get_run_logger())
    await acreate_table_artifact(batch_table(summaries), description=f"{len(summaries)} runs: {label}")
    return summaries


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
