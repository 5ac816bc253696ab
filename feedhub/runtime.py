"""What a process that runs or saves projects needs from the settings: the run dependencies, the limits
of a saved spec, and Prefect's environment.

Its own module, apart from the commands: the web app, the workers and the commands all need these,
and none of them should import another's machinery to get them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from accounts.mail import Mailer
    from accounts.project_checks import SpecLimits
    from feedhub.settings import Settings
    from flows.deps import RunDeps


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    from accounts.db import make_engine

    return make_engine(url)  # one pool per database for every run of this process


def deps_from_settings(settings: Settings, *, engine: Engine | None = None, mailer: Mailer | None = None) -> RunDeps:
    """The run dependencies this process's settings describe; the web app passes the engine and mailer it
    holds (and closes), so runs and requests share one pool."""
    from accounts.mail import make_mailer
    from feeds.fetch import FetchPolicy
    from flows.deps import RunDeps
    from flows.isolation import ProcessLimits

    limits = ProcessLimits(cpu_s=settings.run_cpu_s, memory_mb=settings.run_memory_mb, nice=settings.worker_nice)
    return RunDeps(
        engine=engine or _engine(settings.effective_database_url),
        data_dir=settings.data_dir.resolve(),
        mailer=mailer or make_mailer(smtp_url=settings.smtp_url, outbox_dir=settings.outbox_dir,
                                     sender=settings.mail_from),
        fetch_policy=FetchPolicy(
            timeout_s=settings.fetch_timeout_s,
            deadline_s=settings.fetch_deadline_s,
            max_bytes=settings.max_feed_bytes,
            allow_private=settings.allow_private_sources,
            allow_local=settings.allow_local_sources,
        ),
        base_url=settings.base_url,
        s3_endpoint_url=settings.s3_endpoint_url,
        file_exports_dir=settings.exports_dir.resolve(),
        s3_prefixes=settings.s3_prefixes,
        google_taxonomy=settings.google_taxonomy_file.resolve() if settings.google_taxonomy_file else None,
        process_limits=limits if settings.run_in_child else None,
    )


def spec_limits(settings: Settings) -> SpecLimits:
    """What a saved spec may name on this server: the limits `deps_from_settings` gives its runs, and the
    scheduler's own check of a schedule. Every door that saves a spec passes them to `check_spec`."""
    from accounts.project_checks import SpecLimits
    from flows.schedules import schedule_problem

    return SpecLimits(
        allow_local=settings.allow_local_sources,
        allow_private=settings.allow_private_sources,
        max_source_bytes=settings.max_feed_bytes,
        exports_dir=settings.exports_dir.resolve(),
        s3_prefixes=settings.s3_prefixes,
        schedule_problem=schedule_problem,
    )


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Prefect's home inside the data folder, and no telemetry; to set before Prefect is imported."""
    return {
        "PREFECT_HOME": str((settings.data_dir / "prefect").resolve()),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
