"""The steps of one project run, as plain functions over an `ActiveRun`: begin, fetch, process, gate,
publish. The Prefect flow wraps each in a task; tests and the server-less path call them directly.

Every step reads and writes the `ActiveRun` it is given; errors propagate and `flows.finish`
turns them into a failed run with a reason a person understands.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import shutil
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accounts.errors import ProjectNotFound
from accounts.lifecycle import shop_may_run
from accounts.models import Project, ProjectRevision, Shop
from accounts.published import ensure_links
from accounts.runs import (
    ProjectRun,
    RequesterRefused,
    RunOutcome,
    RunStatus,
    last_good_run,
    mark_crashed_runs,
    record_skipped,
    requester_refused,
    run_is_alive,
    running_runs,
    start_run,
)
from feeds.errors import FeedError
from feeds.fetch import FetchedSource, fetch_source
from feeds.project import ProjectSpec
from flows.deps import RunDeps
from flows.gate import hold_reason
from flows.isolation import run_limited
from flows.processes import is_running
from flows.processing import process_feed
from flows.retry import call_with_retries

BUSY_REASON = "another run of this project was in progress; this trigger was skipped"


@dataclass(frozen=True)
class Baseline:
    """What the last good run left: the gate's product count and the inputs of 'unchanged'."""

    run_id: int
    products_out: int
    products_in: int
    source_sha256: str
    spec_sha256: str
    etag: str | None
    last_modified: str | None


@dataclass
class ActiveRun:
    """A run holding its project's lock: what it runs on and what it has found so far."""

    run_id: int
    project_id: int
    shop_id: int
    shop_name: str
    project_name: str
    spec: ProjectSpec
    spec_sha256: str
    workspace: Path
    baseline: Baseline | None
    outcome: RunOutcome = field(default_factory=lambda: RunOutcome(RunStatus.RUNNING))
    fetched: FetchedSource | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    requested_by: int | None = None  # the user who asked for the run; None: the schedule, acting for the shop

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage into the outcome (also when it fails)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.outcome.stages[name] = round(time.perf_counter() - started, 3)

    @property
    def settled(self) -> bool:
        """Whether the run already knows its ending (unchanged, held) before publishing."""
        return self.outcome.status is not RunStatus.RUNNING


def spec_digest(spec: ProjectSpec) -> str:
    """sha256 of what shapes the outputs: the spec without its schedule (pausing changes nothing)."""
    data = spec.model_dump(mode="json", exclude={"schedule"})
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def project_workspaces(deps: RunDeps, project_id: int) -> Path:
    """The folder of one project's run workspaces (removed with the project)."""
    return deps.runs_dir / f"project-{project_id}"


def remove_project_workspaces(deps: RunDeps, project_ids: Iterable[int]) -> None:
    """Delete the run workspaces of projects that no longer exist (a gone shop's)."""
    for project_id in project_ids:
        shutil.rmtree(project_workspaces(deps, project_id), ignore_errors=True)


def run_workspace(deps: RunDeps, project_id: int, run_id: int) -> Path:
    """Where one run downloads, writes, and (when held) keeps its outputs."""
    return project_workspaces(deps, project_id) / f"run-{run_id}"


# ---------------------------------------------------------------------------------------------- begin


def begin_run(
    deps: RunDeps, project_id: int, *, trigger: str, locked: bool, due_at: datetime | None = None,
    requested_by: int | None = None,
) -> ActiveRun | ProjectRun:
    """Start the run (the caller tried the lock), or record why it is skipped and return that row: the
    project busy, its shop may not run, or whoever asked for the run may no longer run it."""
    with deps.sessions.begin() as session:
        project = session.get(Project, project_id)
        if project is None:  # deleted after this run was queued or scheduled: nothing to run, nothing to record
            raise ProjectNotFound(project_id)
        may_run, why = shop_may_run(session, project.shop_id)
        refused = requester_refused(session, requested_by, project_id)
        running = running_runs(session, project_id) if locked else []
        live = [r for r in running if run_is_alive(r, machine=socket.gethostname(), alive=is_running)]
        if not locked or live or not may_run or refused:
            reason = (BUSY_REASON if not locked else _live_reason(live[0]) if live
                      else f"the shop may not run: {why}" if not may_run else refused)
            return record_skipped(session, project, trigger=trigger, reason=str(reason), due_at=due_at,
                                  requested_by=requested_by)
        crashed = mark_crashed_runs(session, running)
        number = project.head
        spec = ProjectSpec.model_validate(
            session.scalars(
                select(ProjectRevision.spec).where(
                    ProjectRevision.project_id == project_id, ProjectRevision.number == number
                )
            ).one()
        )
        digest = spec_digest(spec)
        run = start_run(session, project, revision=number, spec_sha256=digest, trigger=trigger, host=_host(),
                        due_at=due_at, requested_by=requested_by)
        shop_name = session.get_one(Shop, project.shop_id).name
        active = ActiveRun(
            run.id, project.id, project.shop_id, shop_name, project.name, spec, digest,
            run_workspace(deps, project.id, run.id), _baseline(last_good_run(session, project_id)),
            requested_by=requested_by,
        )
    _clean_leftovers(deps, active, [r.id for r in crashed])
    return active


def _live_reason(run: ProjectRun) -> str:
    return (f"run {run.id} of this project is still working, though it lost the project's lock (a cut database "
            "connection); it will not publish, and this trigger was skipped so that its workspace stays")


def _baseline(run: ProjectRun | None) -> Baseline | None:
    if run is None:
        return None
    return Baseline(
        run.id, run.products_out, run.products_in, run.source_sha256, run.spec_sha256,
        run.source_etag, run.source_last_modified,
    )


def _clean_leftovers(deps: RunDeps, run: ActiveRun, crashed_ids: list[int]) -> None:
    """Remove what killed runs left: the workspaces of those found running, and at every start any half-published
    temporary objects (a run killed just before its rename may have been marked crashed by another process)."""
    for crashed_id in crashed_ids:
        shutil.rmtree(run_workspace(deps, run.project_id, crashed_id), ignore_errors=True)
    removed = 0
    for export in run.spec.exports:
        if not export.uri:
            continue
        try:  # a target refused or unreachable now fails the run where it publishes, with the run recorded
            removed += deps.storage(export.uri, run.shop_id).cleanup_leftovers()
        except FeedError as exc:
            run.outcome.warnings.append(f"could not clean up leftovers of stopped runs at {export.uri}: {exc}")
    if crashed_ids or removed:
        after = f"{len(crashed_ids)} crashed run(s)" if crashed_ids else "an earlier run that was stopped"
        run.outcome.warnings.append(f"cleaned up after {after}: {removed} leftover publish object(s) removed")


def _host() -> str:
    """How a run row names the process that runs it ("<machine>:<pid>"; `mark_ended_runs` reads it)."""
    return f"{socket.gethostname()}:{os.getpid()}"


# ---------------------------------------------------------------------------------------------- fetch


def fetch_step(run: ActiveRun, deps: RunDeps) -> None:
    """Download the source (conditional GET, transient errors retried); settle as unchanged if it is."""
    base = run.baseline if run.baseline and run.baseline.spec_sha256 == run.spec_sha256 else None
    deadline = time.monotonic() + deps.fetch_policy.deadline_s  # the whole step, every attempt and wait

    def fetch_once() -> FetchedSource:
        left = dataclasses.replace(deps.fetch_policy, deadline_s=max(0.001, deadline - time.monotonic()))
        return fetch_source(run.spec.source, run.workspace / "source", policy=left,
                            etag=base.etag if base else None, last_modified=base.last_modified if base else None)

    with run.stage("fetch"):
        fetched = call_with_retries(
            fetch_once,
            deps.retry,
            deadline=deadline,
            on_retry=lambda attempt, exc, wait: run.outcome.warnings.append(
                f"fetch attempt {attempt} failed ({exc}); retried after {wait:.0f} s"
            ),
        )
    run.fetched = fetched
    out = run.outcome
    out.bytes_in, out.source_etag, out.source_last_modified = fetched.size, fetched.etag, fetched.last_modified
    out.source_sha256 = fetched.sha256
    out.warnings.extend(fetched.warnings)
    if base is not None and (fetched.unchanged or fetched.sha256 == base.source_sha256):
        out.status = RunStatus.UNCHANGED
        out.source_sha256 = base.source_sha256
        out.source_etag = fetched.etag or base.etag
        out.source_last_modified = fetched.last_modified or base.last_modified
        out.products_in, out.products_out = base.products_in, base.products_out


# ---------------------------------------------------------------------------------------------- process


def process_step(run: ActiveRun, deps: RunDeps) -> None:
    """Parse once, apply the saved rules, write every export into the workspace; count everything. In a
    child process under limits when the deps set them (`flows.isolation`), so one shop's run cannot slow others.

    A feed without products (a shop that sold out) after a good run writes empty exports for the gate to
    hold; on a project's first run it fails, naming what is missing: there, a wrong source is likelier."""
    assert run.fetched is not None, "fetch_step runs first"
    with run.stage("process"):
        work = functools.partial(process_feed, run.fetched.path, run.spec, run.workspace / "out",
                                 allow_empty=run.baseline is not None,
                                 allow_private_urls=deps.fetch_policy.allow_private,
                                 allow_local_files=deps.fetch_policy.allow_local,
                                 google_taxonomy=deps.google_taxonomy)
        processed = work() if deps.process_limits is None else run_limited(deps.process_limits, work)
    run.outputs = processed.outputs
    out = run.outcome
    out.products_in, out.products_out = processed.products_in, processed.products_out
    out.report = processed.report
    out.warnings.extend(processed.warnings)


# ---------------------------------------------------------------------------------------------- gate


def gate_step(run: ActiveRun) -> None:
    """Hold the run when its product count looks wrong; its outputs stay in the workspace."""
    baseline = run.baseline.products_out if run.baseline else None
    report = run.outcome.report
    reason = hold_reason(run.outcome.products_out, baseline, max_drop_ratio=run.spec.max_drop_ratio,
                         too_many_invalid=[e["too_many_invalid"] for e in report.get("exports", [])
                                           if e.get("too_many_invalid")],
                         empty_source=report.get("empty_source", ""))
    if reason is not None:
        run.outcome.status = RunStatus.HELD
        run.outcome.error, run.outcome.error_kind = reason, "QualityGate"
        run.outcome.workspace = str(run.workspace)


# ---------------------------------------------------------------------------------------------- publish


def publish_step(run: ActiveRun, deps: RunDeps) -> None:
    """Replace every published export atomically with this run's output, then mark the run succeeded; unless
    whoever asked for the run lost the right to run the project meanwhile (then it fails, publishing nothing)."""
    with deps.sessions() as session:
        refused = requester_refused(session, run.requested_by, run.project_id)
    if refused:
        raise RequesterRefused(refused)
    with run.stage("publish"):
        run.outcome.report["published"] = publish_outputs(deps, run.spec, run.outputs, shop_id=run.shop_id)
    run.outcome.bytes_out = sum(item["bytes"] for item in run.outcome.report["published"])
    run.outcome.status = RunStatus.SUCCEEDED
    with deps.sessions.begin() as session:
        ensure_links(session, session.get_one(Project, run.project_id), [e.name for e in run.spec.exports])


def publish_outputs(
    deps: RunDeps, spec: ProjectSpec, outputs: dict[str, Path], *, shop_id: int
) -> list[dict[str, Any]]:
    """Publish each export that has a URI; shared with confirming a held run. Every target is checked
    before the first is replaced, so a refused one leaves all of them as they were."""
    targets = [(export, deps.storage(export.uri, shop_id)) for export in spec.exports if export.uri]
    published = []
    for export, storage in targets:
        storage.cleanup_leftovers()
        result = storage.publish(outputs[export.name], gzip=export.gzip)
        published.append({"name": export.name, **asdict(result)})
    return published

