"""A run that loses its lock (its database connection cut) stops before publishing, and a run that takes
the lock meanwhile leaves the live one alone; a killed run is marked crashed from its silent heartbeat."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, make_url, select, text
from sqlalchemy.orm import Session

from accounts import create_project, create_shop
from accounts.db import make_engine, make_session_factory
from accounts.run_lock import FEEDHUB_LOCK_SPACE
from accounts.runs import RUN_STALE_S, ProjectRun, RunStatus, mark_silent_runs
from accounts.types import utcnow
from feeds.fetch import FetchPolicy
from feeds.project import ExportSpec, ProjectSpec
from flows.deps import RetryPolicy, RunDeps
from flows.runner import run_project_inline
from flows.steps import ActiveRun, begin_run, run_workspace
from tests.feeds.conftest import LocalServer, respond
from tests.flows.conftest import ProjectFactory, heureka_feed, make_user
from tests.tcp_proxy import tcp_proxy


def _deps(engine: Engine, tmp_path: Path, mailer: object) -> RunDeps:
    return RunDeps(
        engine=engine, data_dir=tmp_path / "data", mailer=mailer,  # type: ignore[arg-type]
        fetch_policy=FetchPolicy(timeout_s=20.0, deadline_s=60.0, allow_private=True),
        retry=RetryPolicy(attempts=1), heartbeat_s=0.1,
    )


def _lock_holders(engine: Engine, project_id: int) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = :space"
                 " AND objid::bigint = :id AND granted"),
            {"space": FEEDHUB_LOCK_SPACE, "id": project_id},
        ))


@pytest.mark.postgres
def test_a_run_whose_database_connection_is_cut_stops_unpublished_and_the_next_run_spares_it(
    pg_db_url: str, http_server: LocalServer, tmp_path: Path
) -> None:
    from accounts.mail import MemoryMailer

    direct = make_engine(pg_db_url)
    published = tmp_path / "pub" / "heureka.xml"
    with make_session_factory(direct)() as session:
        owner = make_user(session, "owner@example.com")
        shop = create_shop(session, owner, name="Cut")
        spec = ProjectSpec(source=http_server.serve("/feed.xml", heureka_feed(3)),
                           exports=[ExportSpec(name="heureka", format="heureka", uri=published.as_uri())])
        project_id = create_project(session, owner, shop.id, name="cut", spec=spec).id
        session.commit()
    url = make_url(pg_db_url)
    with tcp_proxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        proxied = make_engine(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
        first = _deps(proxied, tmp_path, MemoryMailer())
        assert run_project_inline(project_id, first).status == "succeeded"
        good = published.read_bytes()

        entered, release = threading.Event(), threading.Event()

        def stalled(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            body = heureka_feed(5, seed=7)
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[:100])  # the download has begun in the run's workspace
            handler.wfile.flush()
            entered.set()
            release.wait(30)
            handler.wfile.write(body[100:])

        http_server.routes["/feed.xml"] = stalled
        outcome: list[object] = []
        worker = threading.Thread(target=lambda: outcome.append(run_project_inline(project_id, first)))
        worker.start()
        assert entered.wait(10)
        time.sleep(0.2)  # the first bytes reach the workspace
        proxy.cut()  # run 1 is fetching: its lock's connection dies, and the server drops the lock
        deadline = time.monotonic() + 10
        while _lock_holders(direct, project_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _lock_holders(direct, project_id) == 0

        second = run_project_inline(project_id, _deps(direct, tmp_path, MemoryMailer()))
        proxy.restore()
        with make_session_factory(direct)() as session:
            working = session.scalars(select(ProjectRun).where(ProjectRun.status == RunStatus.RUNNING)).one()
        assert second.status == "skipped" and f"run {working.id} of this project is still working" in second.error
        assert run_workspace(first, project_id, working.id).is_dir()  # not crashed, not cleaned away

        release.set()
        worker.join(30)
        proxied.dispose()
    (cut,) = outcome
    assert cut.status == "failed" and "lost its project's run lock" in cut.error  # type: ignore[attr-defined]
    assert published.read_bytes() == good  # the last good export stays
    with make_session_factory(direct)() as session:
        statuses = session.scalars(
            select(ProjectRun.status).where(ProjectRun.project_id == project_id).order_by(ProjectRun.id)
        ).all()
    assert statuses == [RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED]
    assert _lock_holders(direct, project_id) == 0
    direct.dispose()


def test_a_working_run_stamps_its_heartbeat(
    http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session
) -> None:
    stamps: list[object] = []

    def slow(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
        time.sleep(0.6)
        with make_session_factory(deps.engine)() as look:
            stamps.append(look.scalar(select(ProjectRun.heartbeat_at)))
        respond(heureka_feed(3))(handler, server)

    http_server.routes["/feed.xml"] = slow
    project_id = make_project(http_server.url("/feed.xml"))
    started = utcnow()
    assert run_project_inline(project_id, dataclasses.replace(deps, heartbeat_s=0.1)).status == "succeeded"
    (stamp,) = stamps
    assert stamp is not None and stamp > started + timedelta(seconds=0.3)  # stamped again while it fetched


def test_a_live_run_on_another_machine_is_not_crashed_by_the_next_run(
    http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session
) -> None:
    project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
    live = _started(deps, project_id, host="other-machine:4242", heartbeat_age_s=1)
    summary = run_project_inline(project_id, deps)
    assert summary.status == "skipped" and f"run {live.run_id} of this project is still working" in summary.error
    assert session.get_one(ProjectRun, live.run_id).status is RunStatus.RUNNING
    assert live.workspace.is_dir()


@pytest.mark.parametrize(
    ("host", "heartbeat_age_s"),
    [(f"{socket.gethostname()}:{2**22 + 7}", 1), ("other-machine:4242", RUN_STALE_S + 5), ("other-machine:4242", None)],
    ids=["its-process-ended", "its-heartbeat-stopped", "it-never-beat"],
)
def test_a_dead_run_is_crashed_and_cleaned_by_the_next_run(
    host: str, heartbeat_age_s: float | None, http_server: LocalServer, make_project: ProjectFactory,
    deps: RunDeps, session: Session,
) -> None:
    project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
    dead = _started(deps, project_id, host=host, heartbeat_age_s=heartbeat_age_s)
    assert run_project_inline(project_id, deps).status == "succeeded"
    assert session.get_one(ProjectRun, dead.run_id).status is RunStatus.CRASHED
    assert not dead.workspace.exists()


def test_runs_whose_heartbeat_stopped_are_marked_crashed_by_the_sweep(
    http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session
) -> None:
    ids = [make_project(http_server.serve(f"/{n}.xml", heureka_feed(3)), name=n) for n in "abcd"]
    silent = _started(deps, ids[0], host="m:1", heartbeat_age_s=RUN_STALE_S + 1)
    fresh = _started(deps, ids[1], host="m:2", heartbeat_age_s=2)
    never_beat_old = _started(deps, ids[2], host="m:3", heartbeat_age_s=None, started_age_s=RUN_STALE_S + 1)
    never_beat_new = _started(deps, ids[3], host="m:4", heartbeat_age_s=None)
    with deps.sessions.begin() as writing:
        marked = {run.id for run in mark_silent_runs(writing)}
    assert marked == {silent.run_id, never_beat_old.run_id}
    crashed = session.get_one(ProjectRun, silent.run_id)
    assert crashed.status is RunStatus.CRASHED and "heartbeat" in crashed.error
    assert session.scalar(select(func.count()).where(ProjectRun.status == RunStatus.RUNNING)) == 2
    assert {fresh.run_id, never_beat_new.run_id} == set(
        session.scalars(select(ProjectRun.id).where(ProjectRun.status == RunStatus.RUNNING))
    )


def _started(
    deps: RunDeps, project_id: int, *, host: str, heartbeat_age_s: float | None, started_age_s: float = 0
) -> ActiveRun:
    """A `running` row as another process left it: its host, its last heartbeat, its workspace."""
    run = begin_run(deps, project_id, trigger="test", locked=True)
    assert isinstance(run, ActiveRun)
    run.workspace.mkdir(parents=True)
    now = utcnow()
    with deps.sessions.begin() as session:
        row = session.get_one(ProjectRun, run.run_id)
        row.host = host
        row.started_at = now - timedelta(seconds=started_age_s)
        row.heartbeat_at = None if heartbeat_age_s is None else now - timedelta(seconds=heartbeat_age_s)
    return run
