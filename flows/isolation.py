"""A run's processing in a child process of its own, under limits of CPU time, memory and priority.

Why: a worker makes several runs at once on threads. In one process a shop whose rules or feed eat CPU
slows every other shop's run (they share one interpreter lock), and one that eats memory takes the worker
down with everyone's runs. In a child each run gets a core of its own, and a limit ends only the run that
reached it, with a message that names the limit; like any failed run, it publishes nothing.

Children come from a fork server that has imported the pipeline once: forking the worker itself would
copy its threads' held locks, and a fresh interpreter per run would import lxml and pandas every time.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
PRELOAD = ["flows.finish", "flows.processing", "feeds.transforms"]  # what every child needs, imported once
CPU_GRACE_S = 10  # past the soft limit (SIGXCPU, answered with a message) the kernel kills the child
LOWEST_NICE = 19
LIMIT_KIND = "RunLimit"

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


@dataclass(frozen=True)
class ProcessLimits:
    """What one run's processing may use (settings FEEDHUB_RUN_CPU_S, FEEDHUB_RUN_MEMORY_MB, FEEDHUB_RUN_NICE)."""

    cpu_s: int
    memory_mb: int
    nice: int
    heavy_cpu_s: float = 5.0  # past this much CPU the child drops to the lowest priority, so short runs pass it

    def cpu_text(self) -> str:
        return f"processing stopped: it used up a run's CPU-time limit of {self.cpu_s} s (FEEDHUB_RUN_CPU_S)"

    def memory_text(self) -> str:
        return (f"processing stopped: it needed more than a run's memory limit of {self.memory_mb} MB "
                "(FEEDHUB_RUN_MEMORY_MB)")


class ProcessFailed(Exception):
    """The child's processing failed: the kind and the text of what stopped it, as the run records them."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__(text)
        self.kind, self.text = kind, text


class _CpuTimeUp(BaseException):
    """SIGXCPU arrived; a BaseException, so no `except Exception` in the pipeline swallows it."""


def run_limited(limits: ProcessLimits, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`function(*args, **kwargs)` in a child process under `limits`; its result, or ProcessFailed.
    `function` and its arguments cross to the child by pickle: module-level functions and plain values."""
    results, child_results = _context.Pipe(duplex=False)
    parent_gone, alive = _context.Pipe(duplex=False)
    child = _context.Process(target=_child, args=(child_results, parent_gone, limits, function, args, kwargs),
                             name="feedhub-run", daemon=False)
    child.start()
    child_results.close()
    parent_gone.close()
    try:
        outcome = results.recv()
    except EOFError:  # died without a word: killed by a signal
        outcome = None
    finally:
        alive.close()
        child.join()
    if outcome is None:
        raise ProcessFailed(LIMIT_KIND, _killed_text(child.exitcode, limits))
    status, *rest = outcome
    if status == "ok":
        return rest[0]  # type: ignore[no-any-return]
    raise ProcessFailed(*rest)


def _killed_text(exitcode: int | None, limits: ProcessLimits) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        if -exitcode in (signal.SIGKILL, signal.SIGXCPU):
            return (f"processing was killed ({name}): it reached a run's CPU-time limit of {limits.cpu_s} s "
                    f"(FEEDHUB_RUN_CPU_S), or the machine ran out of memory")
        return f"processing was killed ({name})"
    return f"processing ended without a result (exit code {exitcode})"


def _child(results: Connection, parent_gone: Connection, limits: ProcessLimits,
           function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The child's whole life: limits on, the work, one message back."""
    from flows.finish import describe_error

    threading.Thread(target=_exit_with_parent, args=(parent_gone,), daemon=True).start()
    _apply(limits)
    threading.Thread(target=_yield_when_heavy, args=(limits.heavy_cpu_s,), daemon=True).start()
    try:
        outcome: tuple[Any, ...] = ("ok", function(*args, **kwargs))
    except _CpuTimeUp:
        outcome = ("failed", LIMIT_KIND, limits.cpu_text())
    except BaseException as exc:  # noqa: BLE001 - every ending becomes the run's recorded reason
        near_limit = _peak_mb() >= 0.9 * limits.memory_mb  # lxml and pandas report a failed allocation their way
        outcome = (("failed", LIMIT_KIND, limits.memory_text()) if isinstance(exc, MemoryError) or near_limit
                   else ("failed", *describe_error(exc)))
    results.send(outcome)


def _apply(limits: ProcessLimits) -> None:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # numpy, imported late, would reserve a thread pool's memory
    os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), limits.nice))
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + CPU_GRACE_S))
    signal.signal(signal.SIGXCPU, _cpu_time_up)


def _cpu_time_up(signum: int, frame: object) -> None:
    raise _CpuTimeUp


def _yield_when_heavy(heavy_cpu_s: float) -> None:
    """Past `heavy_cpu_s` of CPU, lowest priority: when runs outnumber the cores, a shop's long or runaway run
    gives way to the short runs of everyone else (a process may always lower its own priority)."""
    while (used := resource.getrusage(resource.RUSAGE_SELF)).ru_utime + used.ru_stime < heavy_cpu_s:
        time.sleep(0.5)
    os.setpriority(os.PRIO_PROCESS, os.getpid(), LOWEST_NICE)  # Linux: niceness is per thread; the main one works


def _exit_with_parent(parent_gone: Connection) -> None:
    """A stopped worker takes its runs' children with it (their parent is the fork server, not the worker)."""
    try:
        parent_gone.recv()
    except EOFError:
        os._exit(1)


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) / 1024
    return 0.0
