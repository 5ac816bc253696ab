"""One run per project at a time, across processes and machines.

PostgreSQL: a session-level advisory lock keyed by (FEEDHUB_LOCK_SPACE, project id), held on a
connection of its own for the whole run. The server drops it when that connection dies, so a killed
worker never leaves a stale lock behind and no lease or heartbeat is needed.
SQLite: the database is a local file, so every process using it is on this machine; an exclusive
`flock` on a file beside the database gives the same guarantee (the kernel drops it on exit).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

FEEDHUB_LOCK_SPACE = 0x46480001  # first key of the advisory lock pair: "FH" + 1, keeps clear of other users


@contextlib.contextmanager
def project_run_lock(engine: Engine, project_id: int) -> Iterator[bool]:
    """Try to take the project's run lock without waiting; yields whether it was taken."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, project_id) as taken:
            yield taken
    elif engine.dialect.name == "sqlite":
        with _file_lock(_lock_path(engine, project_id)) as taken:
            yield taken
    else:
        raise NotImplementedError(f"no run lock for {engine.dialect.name}")


@contextlib.contextmanager
def _advisory_lock(engine: Engine, project_id: int) -> Iterator[bool]:
    # AUTOCOMMIT: the connection sits idle for the whole run, and must not hold a transaction open.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        keys = {"space": FEEDHUB_LOCK_SPACE, "id": project_id}
        taken = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:space, :id)"), keys))
        try:
            yield taken
        finally:
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:space, :id)"), keys)


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
