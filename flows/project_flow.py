"""The Prefect side of runs: a batch of due runs is one flow run; its runs' outcomes are one table
artifact of it.

The `@flow` object itself is made by the application shell (`feedhub.flow.run_due_projects`), which
knows the settings; the flow body is `run_batch_in_flow` and then `batch_table`.

Why batches, and why no task run per project: Prefect's bookkeeping, not the feed work, was what small
runs cost. Measured against a local Prefect 3.8.8 server (docs/operations.md, "At agency scale"): a
flow run per project costs 0.34 s of CPU, a task run per project inside a flow run per batch 0.09 s,
most of it the server recording each task run's states; 500 projects due in one minute then kept two
cores busy with bookkeeping and held the server's SQLite locked. A batch's runs are made plainly on a
thread pool (FEEDHUB_RUN_THREADS: downloads overlap, one slow source does not hold up the rest), each
logs one line, and Feedhub's run history keeps every run's report; Prefect records the batch, its
state and the table of its runs, in a handful of API calls whatever the batch's size.

A batch's parameters name queued runs; what each entry may run, and as what, Feedhub's database
decides (flows.admission): whoever reaches Prefect's API can write a flow run's parameters.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from accounts.errors import ProjectNotFound
from accounts.runs import ProjectRun
from flows.admission import admit
from flows.deps import RunDeps
from flows.finish import RunSummary
from flows.runner import run_project_inline

FLOW_NAME = "feedhub-run-due-projects"


def run_queued_project(
    entry: dict[str, Any], deps: RunDeps, log: logging.LoggerAdapter[Any]
) -> dict[str, Any]:
    """One entry of a batch (`queue_id`, `project_id`), run as Feedhub's database vouches for it
    (flows.admission), or skipped with the reason (also when another run of the project holds the lock);
    returns its summary."""
    project_id = entry["project_id"]
    try:
        with deps.sessions.begin() as session:
            admitted = admit(session, entry, log)
        if isinstance(admitted, ProjectRun):
            summary = RunSummary.of(admitted)  # skipped before it began
        else:
            summary = run_project_inline(project_id, deps, trigger=admitted.trigger, due_at=admitted.due_at,
                                         requested_by=admitted.requested_by)
    except ProjectNotFound:  # deleted after it was queued, or never was: nothing to run, nothing to record
        log.info(f"project {project_id} does not exist")
        return {"project_id": project_id, "status": "deleted"}
    log.info(describe_summary(summary))
    return dataclasses.asdict(summary)


def run_batch_in_flow(
    batch: list[dict[str, Any]], deps: RunDeps, *, threads: int, log: logging.LoggerAdapter[Any]
) -> list[dict[str, Any]]:
    """The body of the flow: each entry (`queue_id`, `project_id`) on `threads` threads; their summaries, in
    the batch's order. One run's failure is its own, not the batch's."""
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="feedhub-run") as pool:
        futures = [pool.submit(run_queued_project, due, deps, log) for due in batch]
    summaries = []
    for due, future in zip(batch, futures, strict=True):
        try:
            summaries.append(future.result())
        except Exception as exc:  # noqa: BLE001 - a run's steps record their own failures; this is the rest
            log.error(f"project {due['project_id']}: {type(exc).__name__}: {exc}")
            summaries.append({"project_id": due["project_id"], "status": "error", "error": str(exc)})
    return summaries


def batch_table(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The batch's runs as the rows of its Prefect table artifact."""
    return [
        {"project": s["project_id"], "run": s.get("run_id"), "status": s["status"],
         "products out": s.get("products_out"), "seconds": round(s.get("seconds") or 0, 2),
         "error": s.get("error") or ""}
        for s in summaries
    ]


def describe_summary(summary: RunSummary) -> str:
    """One line for the flow run's log: outcome, counts and the time of each stage."""
    stages = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in summary.stages.items()) or "none"
    line = (
        f"run {summary.run_id} of project {summary.project_id}: {summary.status}, {summary.products_in} in, "
        f"{summary.products_out} out in {summary.seconds:.2f} s (stages: {stages})"
    )
    return line + (f": {summary.error}" if summary.error else "")
