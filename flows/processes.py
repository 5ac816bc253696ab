"""Processes: the ones a process started, whether one still runs, stopping them all by a deadline (/proc).

`feedhub serve` starts a Prefect server, which starts its own children, and a flow-run process per
run; signalling only the direct children leaves the rest running, holding ports and marked Running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

KILL_WAIT_S = 1.0


def descendants(root: int) -> list[int]:
    """Every living process below `root` (children first, then theirs), not `root` itself."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = stat_fields(int(entry))
            if stat:
                children.setdefault(int(stat[1]), []).append(int(entry))
    found: list[int] = []
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop(0)
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def stop_all(pids: list[int], *, grace_s: float) -> list[int]:
    """SIGTERM each, SIGKILL whatever still lives after `grace_s`; returns the pids that were alive."""
    alive = [pid for pid in pids if _signal(pid, signal.SIGTERM)]
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(is_running(pid) for pid in alive):
        time.sleep(0.1)
    for pid in alive:
        if is_running(pid):
            _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + KILL_WAIT_S  # SIGKILL is not instant: callers then ask who is still running
    while time.monotonic() < deadline and any(is_running(pid) for pid in alive):
        time.sleep(0.02)
    return alive


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name: state, ppid, ...; [] if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError):
        return []


def is_running(pid: int) -> bool:
    """Whether the process exists and has not ended (a zombie has; ours is reaped)."""
    stat = stat_fields(pid)
    if stat and stat[0] == "Z":  # a zombie has stopped; reap it if it is ours
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        return False
    return bool(stat)


def _signal(pid: int, number: int) -> bool:
    try:
        os.kill(pid, number)
    except (ProcessLookupError, PermissionError):
        return False
    return True
