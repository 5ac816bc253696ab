"""Project schedules: Feedhub's database is the source of truth, Prefect's deployment follows it.

One deployment runs every project; each project is one schedule on it, with slug `project-<id>`
and the parameters `{"project_id": id}`. `sync_schedules` makes the deployment's schedules equal
to the database's (create, update, deactivate, delete), so it can run any time, as often as wanted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.lifecycle import shop_may_run
from accounts.models import Project, ProjectRevision
from feeds.project import ProjectSpec, validation_problems

SLUG_PREFIX = "project-"


@dataclass(frozen=True)
class ProjectSchedule:
    """When one project runs by itself, and whether it currently does."""

    project_id: int
    cron: str
    timezone: str
    active: bool

    @property
    def slug(self) -> str:
        """The schedule's stable name on the deployment."""
        return f"{SLUG_PREFIX}{self.project_id}"


def project_schedules(session: Session) -> list[ProjectSchedule]:
    """Every project's schedule; paused projects and shops that may not run (deleted, suspended, trial over)
    are inactive, so a restored or paid shop's schedules come back as they were."""
    rows = session.execute(
        select(Project.id, Project.shop_id, ProjectRevision.spec)
        .join(ProjectRevision, (ProjectRevision.project_id == Project.id) & (ProjectRevision.number == Project.head))
        .order_by(Project.id)
    )
    schedules = []
    for project_id, shop_id, data in rows:
        schedule = ProjectSpec.model_validate(data).schedule
        active = not schedule.paused and shop_may_run(session, shop_id)[0]
        schedules.append(ProjectSchedule(project_id, schedule.cron, schedule.timezone, active))
    return schedules


def schedule_problem(cron: str, timezone: str) -> str | None:
    """Why the scheduler would refuse or choke on this schedule, or None; checked before a project is saved."""
    from pydantic import ValidationError

    try:
        _cron_schedule(cron, timezone)
    except ValidationError as exc:
        return validation_problems(exc)
    except ValueError as exc:
        return str(exc)
    return None


def _cron_schedule(cron: str, timezone: str) -> Any:
    """Prefect's CronSchedule, refused (ValueError) where Prefect's scheduler would fail on it.

    Prefect's own model checks the syntax and the zone; a cron that never fires (`0 0 31 2 *`)
    passes it, and the scheduler then fails on the whole deployment, every project's runs with it.
    An empty zone would read as UTC and never match what is stored, so every sync rewrote it.
    """
    from prefect._vendor.croniter import CroniterBadDateError, croniter
    from prefect.client.schemas.schedules import CronSchedule

    if not timezone.strip():
        raise ValueError("timezone: empty; name one, e.g. Europe/Prague")
    schedule = CronSchedule(cron=cron, timezone=timezone)
    try:
        croniter(cron, datetime.now(ZoneInfo(timezone))).get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"cron: {cron!r} never fires (no such date)") from None
    return schedule


@dataclass(frozen=True)
class SyncResult:
    """What a sync changed, and the projects whose schedule Prefect refused (their old schedule is kept)."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    refused: tuple[int, ...] = ()


def sync_schedules(client: Any, deployment_id: UUID, wanted: list[ProjectSchedule]) -> SyncResult:
    """Make the deployment's project schedules match `wanted` (a SyncPrefectClient does the calls)."""
    from prefect.client.schemas.actions import DeploymentScheduleCreate

    ours = [s for s in client.read_deployment_schedules(deployment_id) if (s.slug or "").startswith(SLUG_PREFIX)]
    existing = {s.slug: s for s in ours}
    created = updated = 0
    refused: list[int] = []
    for item in wanted:
        current = existing.pop(item.slug, None)
        try:
            cron = _cron_schedule(item.cron, item.timezone)
        except ValueError:  # saved before saves were checked: one bad schedule must not stop every other shop's
            refused.append(item.project_id)
            continue
        if current is None:
            create = DeploymentScheduleCreate(
                schedule=cron, active=item.active, parameters={"project_id": item.project_id}, slug=item.slug
            )
            client.create_deployment_schedules(deployment_id, [create])
            created += 1
        elif current.active != item.active or _cron_of(current.schedule) != (item.cron, item.timezone):
            client.update_deployment_schedule(
                deployment_id, current.id, active=item.active, schedule=cron,
                parameters={"project_id": item.project_id}, slug=item.slug,  # an update without them clears them
            )
            updated += 1
    for gone in existing.values():  # projects deleted since the last sync
        client.delete_deployment_schedule(deployment_id, gone.id)
    return SyncResult(created, updated, len(existing), tuple(refused))


def _cron_of(schedule: Any) -> tuple[str, str] | None:
    cron = getattr(schedule, "cron", None)
    return (cron, getattr(schedule, "timezone", None) or "UTC") if cron else None
