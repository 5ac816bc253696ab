"""Project schedules and the ticker that turns them into queued runs.

Feedhub's database holds every project's cron; `Ticker.tick`, called every few seconds by `feedhub
serve`, queues the runs that fall due (`accounts.run_queue`). Prefect no longer keeps one schedule
per project: its scheduler's cron generation was what a 2-core machine spent most of its time on
with 60 schedules (docs/operations.md, "At agency scale"). The ticker remembers each project's next
fire time, so a tick costs one query and no cron arithmetic for projects that are not due.

Runs are queued LOOKAHEAD_S ahead of their time, and workers take them once due: a run starts at
its minute, not a tick later. A fire time missed while nothing ticked (serve was down) is not made
up; the project runs at its next one, as a cron job would.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Project, ProjectRevision, Shop
from accounts.run_queue import enqueue
from feeds.project import ScheduleSpec, validation_problems

TICK_S = 5.0
LOOKAHEAD_S = 10.0


@dataclass(frozen=True)
class ProjectSchedule:
    """When one project runs by itself, and whether it currently does."""

    project_id: int
    cron: str
    timezone: str
    stopped: str | None  # why the project does not run by itself (paused, shop deleted); None: it does

    @property
    def active(self) -> bool:
        """Whether the ticker queues the project's runs."""
        return self.stopped is None


def project_schedules(session: Session, project_ids: Collection[int] | None = None) -> list[ProjectSchedule]:
    """Every project's schedule (or those of `project_ids`); paused projects and deleted shops are inactive, so a
    restored shop's schedules come back as they were. A shop that may not run for billing (suspended, trial over)
    stays scheduled: each of its runs is recorded as skipped, with what to pay (accounts.lifecycle.shop_may_run)."""
    query = (
        select(Project.id, Shop.status, ProjectRevision.spec["schedule"])
        .join(Shop, Shop.id == Project.shop_id)
        .join(ProjectRevision, (ProjectRevision.project_id == Project.id) & (ProjectRevision.number == Project.head))
        .order_by(Project.id)
    )
    if project_ids is not None:
        query = query.where(Project.id.in_(project_ids))
    schedules = []
    for project_id, status, data in session.execute(query):
        schedule = ScheduleSpec.model_validate(data or {})
        schedules.append(ProjectSchedule(project_id, schedule.cron, schedule.timezone,
                                         _why_stopped(schedule, shop_closed=status.closed)))
    return schedules


def _why_stopped(schedule: ScheduleSpec, *, shop_closed: bool) -> str | None:
    if shop_closed:
        return "its shop was deleted"
    if schedule.paused:
        return "the project is paused: only a person's \"run now\" starts it"
    return None


class Ticker:
    """Queues each active project's runs as their fire times come; one per process that schedules."""

    def __init__(self, *, big_feed_products: int, started: datetime | None = None) -> None:
        self.big_feed_products = big_feed_products
        self._since = (started or datetime.now(UTC)) - timedelta(seconds=TICK_S)  # a run due just before start
        self._next: dict[int, tuple[tuple[str, str], datetime | None]] = {}  # project -> (cron, zone), next fire

    def tick(self, session: Session, *, now: datetime | None = None) -> int:
        """Queue the runs due up to LOOKAHEAD_S from now; returns how many were new."""
        horizon = (now or datetime.now(UTC)) + timedelta(seconds=LOOKAHEAD_S)
        due: list[tuple[int, datetime]] = []
        seen = set()
        for schedule in project_schedules(session):
            seen.add(schedule.project_id)
            if not schedule.active:
                self._next.pop(schedule.project_id, None)
                continue
            key = (schedule.cron, schedule.timezone)
            known = self._next.get(schedule.project_id)
            fire = known[1] if known and known[0] == key else next_fire(schedule, self._since)
            if fire is not None and fire <= horizon:
                due.append((schedule.project_id, fire))
                fire = next_fire(schedule, horizon)  # one run for fire times missed in between
            self._next[schedule.project_id] = (key, fire)
        for gone in self._next.keys() - seen:
            del self._next[gone]
        self._since = horizon
        return enqueue(session, due, trigger="schedule", big_feed_products=self.big_feed_products)


def next_fire(schedule: ProjectSchedule, after: datetime) -> datetime | None:
    """The schedule's first fire time after `after` (UTC), or None for a schedule that cannot fire."""
    from prefect._vendor.croniter import croniter

    try:
        zone = ZoneInfo(schedule.timezone)
        moment: datetime = croniter(schedule.cron, after.astimezone(zone)).get_next(datetime)
    except (ValueError, KeyError, LookupError):  # saved before saves were checked: it never fires
        return None
    return moment.astimezone(UTC)


def schedule_problem(cron: str, timezone: str) -> str | None:
    """Why the scheduler would refuse or choke on this schedule, or None; checked before a project is saved."""
    from pydantic import ValidationError

    try:
        _check_cron(cron, timezone)
    except ValidationError as exc:
        return validation_problems(exc)
    except ValueError as exc:
        return str(exc)
    return None


def _check_cron(cron: str, timezone: str) -> None:
    """Refuse (ValueError) a cron and zone the ticker could not follow.

    Prefect's CronSchedule checks the syntax and the zone; a cron that never fires (`0 0 31 2 *`) passes
    it and is refused here. An empty zone would read as UTC and never match what is stored.
    """
    from prefect._vendor.croniter import CroniterBadDateError, croniter
    from prefect.client.schemas.schedules import CronSchedule

    if not timezone.strip():
        raise ValueError("timezone: empty; name one, e.g. Europe/Prague")
    CronSchedule(cron=cron, timezone=timezone)  # raises ValidationError naming what is wrong
    try:
        croniter(cron, datetime.now(ZoneInfo(timezone))).get_next(datetime)
    except CroniterBadDateError:
        raise ValueError(f"cron: {cron!r} never fires (no such date)") from None
