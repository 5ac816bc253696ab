"""The queue of project runs that are due: written by the ticker and by "run now", taken by workers.

Why a table in Feedhub's database rather than Prefect's scheduler: Prefect's scheduler spent most of
a 2-core machine generating cron runs for 60 schedules, and every flow run it made started a new
Python process (docs/operations.md, "At agency scale"). Here a due run is one row; long-lived workers
claim rows in batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers on several machines never
take the same row; SQLite serialises writers itself).

A row stays after its run, marked done, until `prune_done` removes it: the unique (project, due time)
then keeps a second ticker, or a restarted one, from queueing the same scheduled run again.

Lanes keep big feeds from starving small ones: a project whose last feed had at least
FEEDHUB_BIG_FEED_PRODUCTS products is queued in the `big` lane, which only some workers take.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, ForeignKey, Index, Select, String, UniqueConstraint, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from accounts.models import NEVER_REUSE_IDS, Base, Project
from accounts.run_lock import FEEDHUB_LOCK_SPACE
from accounts.runs import ProjectRun
from accounts.types import UTCDateTime, utcnow

SMALL, BIG = "small", "big"
LANES = (SMALL, BIG)
WORKER_ALIVE_S = 60.0  # a worker not seen for this long is gone (its heartbeat comes every HEARTBEAT_S)
HEARTBEAT_S = 10.0
DONE_KEPT = timedelta(days=1)
CLAIM_LOCK_ID = 0  # with FEEDHUB_LOCK_SPACE, the lock of claims under a per-shop limit (project ids start at 1)


class QueuedRun(Base):
    """One due run of a project: when it was due, why, and which worker took it."""

    __tablename__ = "run_queue"
    __table_args__ = (
        UniqueConstraint("project_id", "due_at"),
        Index("ix_run_queue_waiting", "lane", "claimed_at", "due_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(20))
    lane: Mapped[str] = mapped_column(String(10), default=SMALL)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    requested_by_id: Mapped[int | None] = mapped_column()  # who asked (run now); None: the schedule


class RunWorker(Base):
    """A worker process that takes runs from the queue, and when it was last seen alive."""

    __tablename__ = "run_workers"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid
    lanes: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class DueRun:
    """What a worker needs to make one queued run."""

    queue_id: int
    project_id: int
    due_at: datetime
    trigger: str
    requested_by_id: int | None = None


# ---------------------------------------------------------------------------------------------- queueing


def enqueue(
    session: Session, due: Iterable[tuple[int, datetime]], *, trigger: str, big_feed_products: int,
    requested_by: int | None = None,
) -> int:
    """Queue a run of each (project, due time) not queued before; returns how many are new. `requested_by`:
    the user who asked, whom the run checks again when it starts and before it publishes."""
    due = list(due)
    if not due:
        return 0
    sizes = last_feed_sizes(session, {project_id for project_id, _ in due})
    rows = [
        {"project_id": project_id, "due_at": due_at, "trigger": trigger[:20], "queued_at": utcnow(),
         "requested_by_id": requested_by,
         "lane": BIG if sizes.get(project_id, 0) >= big_feed_products else SMALL}
        for project_id, due_at in due
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    result = session.execute(insert(QueuedRun).values(rows).on_conflict_do_nothing().returning(QueuedRun.id))
    return len(result.all())


def run_now(
    session: Session, project_id: int, *, trigger: str, big_feed_products: int, requested_by: int | None = None
) -> None:
    """Queue a run of the project for now (a person's "run now"); a worker picks it up within seconds."""
    enqueue(session, [(project_id, utcnow())], trigger=trigger, big_feed_products=big_feed_products,
            requested_by=requested_by)


def last_feed_sizes(session: Session, project_ids: set[int]) -> dict[int, int]:
    """Products in each project's latest feed that was read (0 for a project never run)."""
    latest = (
        select(ProjectRun.products_in)
        .where(ProjectRun.project_id == Project.id, ProjectRun.products_in > 0)
        .order_by(ProjectRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(select(Project.id, latest).where(Project.id.in_(project_ids)))
    return {project_id: size or 0 for project_id, size in rows}


# ---------------------------------------------------------------------------------------------- taking


def claim(
    session: Session, worker: str, lanes: Iterable[str], *, limit: int, per_shop: int | None = None
) -> list[DueRun]:
    """Take up to `limit` due runs for this worker from the first of its lanes that has any (at most one
    from the big lane: a big run takes long, and the rest of a batch would wait for it). `per_shop`: a shop
    whose runs taken and not yet made reach it gets no more, so one shop with many projects cannot hold every
    worker while other shops' runs wait; its runs stay queued, in order, until one of its runs is made."""
    now = utcnow()
    for lane in lanes:
        waiting = (QueuedRun.lane == lane, QueuedRun.claimed_at.is_(None), QueuedRun.due_at <= now)
        if session.scalar(select(QueuedRun.id).where(*waiting).limit(1)) is None:
            continue  # a read first: an idle worker's poll takes no write lock
        if per_shop is not None and session.get_bind().dialect.name == "postgresql":
            # claims one at a time, so two workers cannot both see a shop below its limit; one statement each
            session.execute(select(func.pg_advisory_xact_lock(FEEDHUB_LOCK_SPACE, CLAIM_LOCK_ID)))
        candidates = select(QueuedRun.id).where(*waiting) if per_shop is None else _below_shop_limit(waiting, per_shop)
        oldest = (  # a CTE: PostgreSQL runs it once; as an IN subquery it may rerun it and take more than asked
            select(QueuedRun.id)
            .where(QueuedRun.id.in_(candidates))
            .order_by(QueuedRun.due_at, QueuedRun.id)
            .limit(1 if lane == BIG else limit)
            .with_for_update(skip_locked=True)
            .cte("oldest")
        )
        taken = session.execute(
            update(QueuedRun)
            .where(QueuedRun.id.in_(select(oldest.c.id)), QueuedRun.claimed_at.is_(None))
            .values(claimed_by=worker[:200], claimed_at=now)
            .returning(QueuedRun.id, QueuedRun.project_id, QueuedRun.due_at, QueuedRun.trigger,
                       QueuedRun.requested_by_id)
        ).all()
        if taken:
            return sorted((DueRun(*row) for row in taken), key=lambda run: (run.due_at, run.queue_id))
    return []


def _below_shop_limit(waiting: tuple[ColumnElement[bool], ...], per_shop: int) -> Select[tuple[int]]:
    """The waiting runs that fit their shop's limit: each shop's oldest, as many as it has free places."""
    taken = (
        select(Project.shop_id, func.count().label("runs"))
        .join(QueuedRun, QueuedRun.project_id == Project.id)
        .where(QueuedRun.claimed_at.is_not(None), QueuedRun.done_at.is_(None))
        .group_by(Project.shop_id)
        .subquery("taken")
    )
    place = func.row_number().over(partition_by=Project.shop_id, order_by=(QueuedRun.due_at, QueuedRun.id))
    ranked = (
        select(QueuedRun.id, (place + func.coalesce(taken.c.runs, 0)).label("place"))
        .join(Project, Project.id == QueuedRun.project_id)
        .outerjoin(taken, taken.c.shop_id == Project.shop_id)
        .where(*waiting)
        .subquery("ranked")
    )
    return select(ranked.c.id).where(ranked.c.place <= per_shop)


def unmade_run(session: Session, queue_id: int, project_id: int) -> DueRun | None:
    """The queued run `queue_id` of the project, as Feedhub queued it, if no worker has made it yet; else None."""
    row = session.get(QueuedRun, queue_id)
    if row is None or row.project_id != project_id or row.done_at is not None:
        return None
    return DueRun(row.id, row.project_id, row.due_at, row.trigger, row.requested_by_id)


def mark_done(session: Session, queue_ids: Iterable[int]) -> None:
    """The worker made these runs (whatever their outcome: the run history has it)."""
    session.execute(update(QueuedRun).where(QueuedRun.id.in_(list(queue_ids))).values(done_at=utcnow()))


# ---------------------------------------------------------------------------------------------- workers


def heartbeat(session: Session, worker: str, lanes: Iterable[str]) -> None:
    """Record that the worker is alive (and create its row on the first beat)."""
    row = session.get(RunWorker, worker)
    if row is None:
        session.add(RunWorker(name=worker[:200], lanes=",".join(lanes)))
    else:
        row.seen_at = utcnow()


def forget_worker(session: Session, worker: str) -> None:
    """A worker that stops says so; runs it took but never made go back to the queue."""
    _release(session, [worker])
    session.execute(delete(RunWorker).where(RunWorker.name == worker))


def live_workers(session: Session, *, lane: str | None = None) -> list[str]:
    """Workers seen in the last WORKER_ALIVE_S seconds (taking `lane`, when given)."""
    since = utcnow() - timedelta(seconds=WORKER_ALIVE_S)
    names = session.execute(select(RunWorker.name, RunWorker.lanes).where(RunWorker.seen_at >= since))
    return [name for name, lanes in names if lane is None or lane in lanes.split(",")]


def drop_dead_workers(session: Session) -> list[str]:
    """Forget workers not seen for WORKER_ALIVE_S, and give the runs they held back to the queue.

    A run they had started is already recorded (crashed, found by the project's next run); queueing it
    again is safe, as the run lock keeps a project to one run at a time."""
    since = utcnow() - timedelta(seconds=WORKER_ALIVE_S)
    dead = list(session.scalars(select(RunWorker.name).where(RunWorker.seen_at < since)))
    if dead:
        _release(session, dead)
        session.execute(delete(RunWorker).where(RunWorker.name.in_(dead)))
    return dead


def _release(session: Session, workers: list[str]) -> None:
    session.execute(
        update(QueuedRun)
        .where(QueuedRun.claimed_by.in_(workers), QueuedRun.done_at.is_(None))
        .values(claimed_by=None, claimed_at=None)
    )


def prune_done(session: Session, *, now: datetime | None = None) -> int:
    """Delete rows of runs made more than DONE_KEPT ago."""
    cutoff = (now or utcnow()) - DONE_KEPT
    result = session.execute(delete(QueuedRun).where(QueuedRun.done_at < cutoff).returning(QueuedRun.id))
    return len(result.all())
