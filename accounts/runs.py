"""Run history of projects: one row per run, written by the flows, read by people.

A run row is created once the run holds its project's lock (`accounts.run_lock`), so at most one
row per project is ever `running`; a `running` row found by the next lock holder belongs to a
process that died, and becomes `crashed`. System functions (no actor) serve the flows; the
functions that take an actor start with the access check, like every other service.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, Text, delete, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts.access import access_project, access_shop, project_scope
from accounts.errors import AccountsError, ProjectNotFound
from accounts.models import NEVER_REUSE_IDS, Base, Membership, Project, Shop, User
from accounts.roles import Action, Level
from accounts.types import UTCDateTime, enum_column, utcnow

RUN_HISTORY_DAYS = 90
MAX_LISTED_RUNS = 200
RUN_HEARTBEAT_S = 10.0  # a running run stamps `heartbeat_at` this often (flows.run_watch)
RUN_STALE_S = 40.0  # and is dead once it has not for this long: four beats missed
CRASHED_REASON = "the run stopped without finishing (process killed or machine restarted); nothing was published"
SILENT_REASON = (
    "the run stopped sending its heartbeat (process killed, machine lost or database unreachable); "
    "nothing was published"
)


class RunStatus(enum.Enum):
    """How a run ended; `running` only while its process holds the project lock."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"  # exports published
    UNCHANGED = "unchanged"  # same source bytes and same spec as the last good run: nothing to do
    FAILED = "failed"  # nothing published, the last good exports stay
    HELD = "held"  # quality gate: outputs kept in the run workspace until confirmed or pruned
    SKIPPED = "skipped"  # another run of the project was in progress, or the shop may not run
    CRASHED = "crashed"  # the process died mid-run; found by the next run

    @property
    def healthy(self) -> bool:
        """Whether the project's feeds are fine after a run ending so (for recovery notices)."""
        return self in (RunStatus.SUCCEEDED, RunStatus.UNCHANGED)


# The outcomes that say how the feeds are; a crash says nothing about the feed itself, a skip neither.
NOTABLE = (RunStatus.SUCCEEDED, RunStatus.UNCHANGED, RunStatus.FAILED, RunStatus.HELD)


class ProjectRun(Base):
    """One run of a project: outcome, timings, counts, the full report and a readable error."""

    __tablename__ = "project_runs"
    __table_args__ = (Index("ix_project_runs_project_id_id", "project_id", "id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(default=0)
    spec_sha256: Mapped[str] = mapped_column(String(64), default="")
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule, manual, demo, ...
    status: Mapped[RunStatus] = mapped_column(enum_column(RunStatus), default=RunStatus.RUNNING)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    stages: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # stage -> seconds
    bytes_in: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_out: Mapped[int] = mapped_column(BigInteger, default=0)
    products_in: Mapped[int] = mapped_column(default=0)
    products_out: Mapped[int] = mapped_column(default=0)  # kept after rules (hidden ones excluded)
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    source_etag: Mapped[str | None] = mapped_column(String(200))
    source_last_modified: Mapped[str | None] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # RunReport + rules + published
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")  # for people: what went wrong and what to do
    error_kind: Mapped[str] = mapped_column(String(60), default="")  # the exception class, for filters
    workspace: Mapped[str] = mapped_column(Text, default="")  # held outputs wait here
    host: Mapped[str] = mapped_column(String(200), default="")  # host:pid of the process that ran it
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # stamped while it runs (flows.run_watch)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was queued for; started_at - due_at = late
    requested_by_id: Mapped[int | None] = mapped_column()  # the user who asked for it; None: the schedule
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RunNotFound(AccountsError):
    """No such run, or its project is not visible to the actor."""

    def __init__(self, run_id: int) -> None:
        super().__init__(f"no run {run_id}, or you may not access it")
        self.run_id = run_id


class RunNotConfirmable(AccountsError):
    """Only a held run, with no newer publish since, can be confirmed (reason)."""

    def __init__(self, run_id: int, reason: str) -> None:
        super().__init__(f"run {run_id} cannot be confirmed: {reason}")
        self.run_id = run_id
        self.reason = reason


@dataclass
class RunOutcome:
    """What the flow learned about a run, written in one go by `finish_run`."""

    status: RunStatus
    stages: dict[str, float] = field(default_factory=dict)
    bytes_in: int = 0
    bytes_out: int = 0
    products_in: int = 0
    products_out: int = 0
    source_sha256: str = ""
    source_etag: str | None = None
    source_last_modified: str | None = None
    report: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    error_kind: str = ""
    workspace: str = ""


# ---------------------------------------------------------------------------------------------- system


def start_run(
    session: Session, project: Project, *, revision: int, spec_sha256: str, trigger: str, host: str,
    due_at: datetime | None = None, requested_by: int | None = None,
) -> ProjectRun:
    """Insert the `running` row; the caller holds the project lock."""
    run = ProjectRun(
        project_id=project.id,
        shop_id=project.shop_id,
        revision=revision,
        spec_sha256=spec_sha256,
        trigger=trigger[:20],
        host=host[:200],
        due_at=due_at,
        requested_by_id=requested_by,
    )
    session.add(run)
    session.flush()
    return run


def record_skipped(
    session: Session, project: Project, *, trigger: str, reason: str, due_at: datetime | None = None,
    requested_by: int | None = None,
) -> ProjectRun:
    """A run that did not start (the project was busy, or its shop may not run), with the reason."""
    now = utcnow()
    run = ProjectRun(
        project_id=project.id,
        shop_id=project.shop_id,
        trigger=trigger[:20],
        status=RunStatus.SKIPPED,
        finished_at=now,
        started_at=now,
        error=reason,
        due_at=due_at,
        requested_by_id=requested_by,
    )
    session.add(run)
    session.flush()
    return run


class RequesterRefused(AccountsError):
    """Whoever asked for a run may no longer run the project: it stops before publishing."""


def requester_refused(session: Session, user_id: int | None, project_id: int) -> str | None:
    """Why the user who asked for a run may no longer run the project (removed, lowered to read, the shop
    transferred away...), or None when they still may; a scheduled run (no user) acts for the shop."""
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None:
        return f"asked for by user {user_id}, whose account is gone; nothing was published"
    try:
        access_project(session, user, project_id, Action.RUN_FEEDS)
    except AccountsError as exc:
        return f"asked for by {user.email}, who may no longer run this project ({exc.message}); nothing was published"
    return None


def running_runs(session: Session, project_id: int) -> list[ProjectRun]:
    """The project's rows still marked `running`: live runs, or runs that died without saying so."""
    return list(
        session.scalars(
            select(ProjectRun).where(ProjectRun.project_id == project_id, ProjectRun.status == RunStatus.RUNNING)
        )
    )


def run_is_alive(run: ProjectRun, *, machine: str, alive: Callable[[int], bool], now: datetime | None = None) -> bool:
    """A fresh heartbeat and, when it runs on `machine`, a living process: the run works, even if it lost its
    lock (a cut database connection drops it). A killed run's heartbeat stops; so does its process."""
    if run.heartbeat_at is None or (now or utcnow()) - run.heartbeat_at > timedelta(seconds=RUN_STALE_S):
        return False
    host, _, pid = run.host.rpartition(":")
    return host != machine or not pid.isdigit() or alive(int(pid))


def mark_crashed_runs(session: Session, runs: list[ProjectRun], *, reason: str = CRASHED_REASON) -> list[ProjectRun]:
    """Turn dead `running` rows into `crashed`."""
    for run in runs:
        run.status = RunStatus.CRASHED
        run.finished_at = utcnow()
        run.error = reason
        run.error_kind = "Crashed"
    session.flush()
    return runs


def mark_silent_runs(session: Session, *, now: datetime | None = None) -> list[ProjectRun]:
    """Crash every `running` row whose heartbeat stopped RUN_STALE_S ago (or never came): a killed run
    shows as crashed within a minute, not only when its project runs next."""
    since = (now or utcnow()) - timedelta(seconds=RUN_STALE_S)
    silent = session.scalars(
        select(ProjectRun).where(
            ProjectRun.status == RunStatus.RUNNING,
            or_(ProjectRun.heartbeat_at < since, (ProjectRun.heartbeat_at.is_(None)) & (ProjectRun.started_at < since)),
        )
    )
    return mark_crashed_runs(session, list(silent), reason=SILENT_REASON)


def mark_ended_runs(session: Session, machine: str, alive: Callable[[int], bool], reason: str) -> list[ProjectRun]:
    """Turn `running` rows whose process on `machine` (`host` is "<machine>:<pid>") has ended into `crashed`."""
    runs = session.scalars(
        select(ProjectRun).where(ProjectRun.status == RunStatus.RUNNING, ProjectRun.host.startswith(f"{machine}:"))
    )
    ended = [run for run in runs if not alive(int(run.host.rsplit(":", 1)[1]))]
    for run in ended:
        run.status, run.finished_at, run.error, run.error_kind = RunStatus.CRASHED, utcnow(), reason, "Stopped"
    session.flush()
    return ended


def finish_run(session: Session, run: ProjectRun, outcome: RunOutcome) -> ProjectRun:
    """Write the outcome onto the run row."""
    for name, value in vars(outcome).items():
        setattr(run, name, value)
    run.finished_at = utcnow()
    run.seconds = round((run.finished_at - run.started_at).total_seconds(), 3)
    session.flush()
    return run


def last_good_run(session: Session, project_id: int, *, before_id: int | None = None) -> ProjectRun | None:
    """The newest run whose exports were published (or confirmed unchanged): the quality gate's baseline."""
    query = select(ProjectRun).where(
        ProjectRun.project_id == project_id, ProjectRun.status.in_([RunStatus.SUCCEEDED, RunStatus.UNCHANGED])
    )
    if before_id is not None:
        query = query.where(ProjectRun.id < before_id)
    return session.scalars(query.order_by(ProjectRun.id.desc()).limit(1)).first()


def previous_outcome(session: Session, project_id: int, *, before_id: int) -> RunStatus | None:
    """How the newest finished run before `before_id` ended (skipped runs say nothing about the feeds)."""
    return session.scalars(
        select(ProjectRun.status)
        .where(ProjectRun.project_id == project_id, ProjectRun.id < before_id, ProjectRun.status.in_(NOTABLE))
        .order_by(ProjectRun.id.desc())
        .limit(1)
    ).first()


def alert_recipients(session: Session, shop_id: int) -> list[str]:
    """Emails of the owner and the writers: the people who can fix a failing project."""
    owner = session.scalars(select(User.email).join(Shop, Shop.owner_id == User.id).where(Shop.id == shop_id)).all()
    writers = session.scalars(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.shop_id == shop_id, Membership.level == Level.WRITE, User.token_shop_id.is_(None))
        .order_by(User.email)
    ).all()
    return [*owner, *writers]


def prune_runs(session: Session, *, older_than_days: int = RUN_HISTORY_DAYS, now: datetime | None = None) -> list[str]:
    """Delete finished runs older than the cut-off; returns their workspaces for the caller to remove."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    old = (ProjectRun.started_at < cutoff, ProjectRun.status != RunStatus.RUNNING)
    workspaces = [w for w in session.scalars(select(ProjectRun.workspace).where(*old)) if w]
    session.execute(delete(ProjectRun).where(*old))
    return workspaces


def mark_confirmed(session: Session, run: ProjectRun, actor: User) -> None:
    """A held run whose outputs were just published."""
    run.status = RunStatus.SUCCEEDED
    run.confirmed_by_id = actor.id
    run.workspace = ""
    session.flush()


# ---------------------------------------------------------------------------------------------- people


def access_run(session: Session, actor: User, run_id: int, action: Action) -> ProjectRun:
    """The run if the actor may `action` its project; a refused run looks like a missing one."""
    run = session.get(ProjectRun, run_id)
    if run is None:
        raise RunNotFound(run_id)
    try:
        access_project(session, actor, run.project_id, action)
    except ProjectNotFound as exc:
        raise RunNotFound(run_id) from exc
    return run


def check_confirmable(session: Session, actor: User, run_id: int) -> ProjectRun:
    """The held run the actor (owner or writer) may publish; refused when a newer run published since."""
    run = access_run(session, actor, run_id, Action.RUN_FEEDS)
    if run.status is not RunStatus.HELD:
        raise RunNotConfirmable(run_id, f"it is {run.status.value}, not held")
    newer = session.scalar(
        select(ProjectRun.id).where(
            ProjectRun.project_id == run.project_id, ProjectRun.id > run.id, ProjectRun.status == RunStatus.SUCCEEDED
        )
    )
    if newer is not None:
        raise RunNotConfirmable(run_id, f"run {newer} published newer exports since")
    if not run.workspace:
        raise RunNotConfirmable(run_id, "its outputs were pruned")
    return run


def list_runs(session: Session, actor: User, project_id: int, *, limit: int = MAX_LISTED_RUNS) -> list[ProjectRun]:
    """A project's runs, newest first (read)."""
    access_project(session, actor, project_id, Action.VIEW)
    query = select(ProjectRun).where(ProjectRun.project_id == project_id)
    return list(session.scalars(query.order_by(ProjectRun.id.desc()).limit(limit)))


def list_shop_runs(session: Session, actor: User, shop_id: int, *, limit: int = MAX_LISTED_RUNS) -> list[ProjectRun]:
    """Runs of every project of a shop, newest first (read)."""
    shop = access_shop(session, actor, shop_id, Action.VIEW).shop
    query = select(ProjectRun).where(ProjectRun.shop_id == shop_id)
    scope = project_scope(session, actor, shop)
    if scope is not None:
        query = query.where(ProjectRun.project_id.in_(scope))
    return list(session.scalars(query.order_by(ProjectRun.id.desc()).limit(limit)))
