"""Which entries of a batch run, and as what: a flow run's parameters are not evidence.

Anyone who reaches Prefect's API can create a flow run of `feedhub-run-due-projects` with parameters
of their choosing, so an entry's project id proves nothing by itself, and a trigger or requester in
it even less. Feedhub's database decides. An entry that names (`queue_id`) a run Feedhub queued and
no worker has made yet runs as it was queued: its trigger, due time and the person who asked, whom
the run checks again when it starts and before it publishes. Any other entry is a run nobody asked
for, acting for the shop, as a scheduled run is. A run nobody asked for starts only where the ticker
would queue one (`flows.schedules.project_schedules`: not for a paused project, nor a deleted shop's),
and, as every run, only while its shop may run (`flows.steps.begin_run`). So a project paused after
the ticker queued its run does not run either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accounts.errors import ProjectNotFound
from accounts.models import Project
from accounts.run_queue import unmade_run
from accounts.runs import ProjectRun, record_skipped
from flows.schedules import project_schedules

OUTSIDE_TRIGGER = "prefect"  # recorded as the trigger of an entry that names no run Feedhub queued


@dataclass(frozen=True)
class Admitted:
    """A batch entry as Feedhub's database vouches for it: how to run the project."""

    project_id: int
    trigger: str
    due_at: datetime | None = None
    requested_by: int | None = None


def admit(session: Session, entry: dict[str, Any], log: logging.LoggerAdapter[Any]) -> Admitted | ProjectRun:
    """How to run a batch entry (`queue_id`, `project_id`), or the skipped run recorded instead, with the reason;
    ProjectNotFound when there is no such project."""
    admitted = _as_queued(session, entry, log)
    if admitted.requested_by is not None:
        return admitted  # a person asked, and may run a paused project; begin_run checks they still may
    schedules = project_schedules(session, [admitted.project_id])
    if not schedules:
        raise ProjectNotFound(admitted.project_id)
    (schedule,) = schedules
    if schedule.stopped is None:
        return admitted
    project = session.get_one(Project, admitted.project_id)
    return record_skipped(session, project, trigger=admitted.trigger, reason=schedule.stopped,
                          due_at=admitted.due_at)


def _as_queued(session: Session, entry: dict[str, Any], log: logging.LoggerAdapter[Any]) -> Admitted:
    project_id, queue_id = entry["project_id"], entry.get("queue_id")
    due = unmade_run(session, queue_id, project_id) if isinstance(queue_id, int) else None
    if due is None:
        log.warning(f"project {project_id}: the flow run names no run Feedhub queued (was it made through "
                    "Prefect's API?); it runs only as a scheduled run would, acting for the shop")
        return Admitted(project_id, OUTSIDE_TRIGGER)
    return Admitted(project_id, due.trigger, due.due_at, due.requested_by_id)
