"""Retry transient failures only (`exc.transient`), with backoff, honouring a server's Retry-After.

Our own loop rather than Prefect task retries: the wait depends on the error (Retry-After), the
plain-function path (tests, `project run --wait` without a server) needs it too, and the attempts
stay inside one task run instead of re-running the task.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flows.deps import RetryPolicy

T = TypeVar("T")


def call_with_retries(
    fn: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    deadline: float | None = None,
) -> T:
    """Call `fn`; on an exception whose `transient` is true, wait and try again up to `policy.attempts`.
    `deadline` (time.monotonic()) covers every attempt and wait: no retry starts that would end past it."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except Exception as exc:
            if not getattr(exc, "transient", False) or attempt == policy.attempts:
                raise
            wait = _wait_s(policy, attempt, exc)
            if deadline is not None and time.monotonic() + wait >= deadline:
                raise
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _wait_s(policy: RetryPolicy, attempt: int, exc: BaseException) -> float:
    backoff = policy.backoff_s[min(attempt, len(policy.backoff_s)) - 1] if policy.backoff_s else 0.0
    asked = getattr(exc, "retry_after", None)
    if asked is None:
        return backoff
    return min(max(float(asked), backoff), policy.max_retry_after_s)
