"""One run per project at a time, across processes and machines.

PostgreSQL: a session-level advisory lock keyed by (FEEDHUB_LOCK_SPACE, project id), held on a
connection of its own for the whole run. The server drops it when that connection dies, so a killed
worker never leaves a stale lock behind. It also drops it when the connection is cut under a live
run, so a run asks `RunLock.lost()` before it publishes (flows.run_watch asks every few seconds).
SQLite: the database is a local file, so every process using it is on this machine; an exclusive
`flock` on a file beside the database gives the same guarantee (the kernel drops it on exit).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from accounts.errors import AccountsError

FEEDHUB_LOCK_SPACE = 0x46480001  # first key of the advisory lock pair: "FH" + 1, keeps clear of other users
_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = :space"
    " AND objid::bigint = :id AND objsubid = 2 AND pid = pg_backend_pid() AND granted"
)


class RunLockLost(AccountsError):
    """The run's lock went away under it (why): it must not publish, another run may hold the lock now."""

    def __init__(self, why: str) -> None:
        super().__init__(
            f"the run lost its project's run lock ({why}); it stopped without publishing, so that no other run's "
            "exports are overwritten; the next run publishes as usual"
        )


class RunLock:
    """The project's run lock as a run holds it: whether it was taken, and whether it is still held."""

    def __init__(self, taken: bool) -> None:
        self.taken = taken

    def lost(self) -> str | None:
        """Why the lock is no longer held, or None while it is. A file lock cannot be lost."""
        return None


class _AdvisoryLock(RunLock):
    def __init__(self, connection: Connection, keys: dict[str, int], taken: bool) -> None:
        super().__init__(taken)
        self._connection, self._keys = connection, keys
        self._guard = threading.Lock()  # the run's watcher thread and the run itself both ask
        self._lost: str | None = None

    def lost(self) -> str | None:
        with self._guard:
            if self.taken and self._lost is None:
                try:
                    held = self._connection.scalar(_HELD, self._keys)
                except DBAPIError as exc:
                    self._lost = f"the database connection that held it failed: {_first_line(exc)}"
                else:
                    self._lost = None if held else "the database no longer lists it as held"
            return self._lost

    def release(self) -> None:
        """Unlock, unless the lock went with its connection (the server dropped it then: nothing to undo)."""
        if self.taken and self.lost() is None:
            with self._guard, contextlib.suppress(DBAPIError):
                self._connection.execute(text("SELECT pg_advisory_unlock(:space, :id)"), self._keys)


@contextlib.contextmanager
def project_run_lock(engine: Engine, project_id: int) -> Iterator[RunLock]:
    """Try to take the project's run lock without waiting; `.taken` says whether it was taken."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, project_id) as lock:
            yield lock
    elif engine.dialect.name == "sqlite":
        with _file_lock(_lock_path(engine, project_id)) as taken:
            yield RunLock(taken)
    else:
        raise NotImplementedError(f"no run lock for {engine.dialect.name}")


@contextlib.contextmanager
def _advisory_lock(engine: Engine, project_id: int) -> Iterator[_AdvisoryLock]:
    # AUTOCOMMIT: the connection sits idle for the whole run, and must not hold a transaction open.
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        keys = {"space": FEEDHUB_LOCK_SPACE, "id": project_id}
        taken = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:space, :id)"), keys))
        lock = _AdvisoryLock(connection, keys, taken)
        try:
            yield lock
        finally:
            lock.release()
    finally:
        with contextlib.suppress(DBAPIError):  # a connection cut under the run cannot be handed back cleanly
            connection.close()


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__


def _lock_path(engine: Engine, project_id: int) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise NotImplementedError("run locks need a file database; in-memory SQLite has no other processes")
    return Path(f"{database}.locks") / f"project-{project_id}.lock"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
