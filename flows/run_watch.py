"""A working run's pulse: a heartbeat on its row, and a watch on its lock.

A run stamps `heartbeat_at` every few seconds, so other processes tell a live run from a dead one: a
killed run is marked crashed within a minute, and a run that takes the lock after a cut database
connection skips instead of crashing a live run and deleting its workspace. The same thread asks the
lock whether it is still held, so a run that lost it stops at its next step and never publishes.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from accounts.run_lock import RunLock, RunLockLost
from accounts.runs import ProjectRun, RunStatus
from accounts.types import utcnow
from flows.deps import RunDeps


class RunWatch:
    """Beats and watches while the run works (a `with` block around its steps)."""

    def __init__(self, deps: RunDeps, run_id: int, lock: RunLock) -> None:
        self.deps, self.run_id, self.lock = deps, run_id, lock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"run-{run_id}-watch", daemon=True)

    def __enter__(self) -> RunWatch:
        self._beat()
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def check(self) -> None:
        """Stop the run (RunLockLost) if its lock is gone; asked between steps."""
        if why := self.lock.lost():
            raise RunLockLost(why)

    def check_before_publish(self) -> None:
        """The lock still held and the run still `running` (not marked crashed while its heartbeat failed)."""
        self.check()
        with self.deps.sessions() as session:
            status = session.scalar(select(ProjectRun.status).where(ProjectRun.id == self.run_id))
        if status is not RunStatus.RUNNING:
            raise RunLockLost("the run was marked crashed while it worked: its heartbeat did not reach the database")

    def _watch(self) -> None:
        while not self._stop.wait(self.deps.heartbeat_s):
            self._beat()
            self.lock.lost()  # remembered: the run's next check() stops it

    def _beat(self) -> None:
        try:
            with self.deps.sessions.begin() as session:
                session.execute(
                    update(ProjectRun)
                    .where(ProjectRun.id == self.run_id, ProjectRun.status == RunStatus.RUNNING)
                    .values(heartbeat_at=utcnow())
                )
        except SQLAlchemyError as exc:  # the next beat retries; a run silent for RUN_STALE_S counts as dead
            print(f"feedhub: run {self.run_id}: heartbeat failed: {str(exc).splitlines()[0]}", file=sys.stderr)
