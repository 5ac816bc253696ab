"""`feedhub serve` keeps up with an agency's schedules on PostgreSQL: 20 projects every minute for 3 minutes,
every due run started within 60 s of its time and none crashed.

Counts and states only: how late runs start, and what a run costs, are measured by bench/agency.py.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from accounts import create_project, create_shop
from accounts.db import make_engine, make_session_factory
from accounts.runs import ProjectRun, RunStatus
from feeds.project import ExportSpec, ProjectSpec, ScheduleSpec
from tests.feeds.conftest import LocalServer
from tests.flows.conftest import ROOT, environ_for_subprocess, heureka_feed, make_user

pytestmark = pytest.mark.postgres

PROJECTS = 20
MINUTES = 3
LATE_LIMIT_S = 60.0
START_TIMEOUT_S = 240.0  # the Prefect server starts slowly on a loaded 2-core machine


def test_twenty_projects_every_minute_all_start_on_time_and_none_crash(
    pg_db_url: str, http_server: LocalServer, tmp_path: Path
) -> None:
    projects = _make_projects(pg_db_url, http_server, tmp_path / "exports")
    data = tmp_path / "serve-data"
    env = environ_for_subprocess(FEEDHUB_DATA_DIR=str(data), FEEDHUB_DATABASE_URL=pg_db_url,
                                 FEEDHUB_ALLOW_PRIVATE_SOURCES="true", FEEDHUB_EXPORTS_DIR=str(tmp_path / "exports"))
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "feedhub", "serve", "--port", str(_free_port()), "--prefect-port",
             str(_free_port())], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (data / "prefect" / "api-url").is_file():
            assert serve.poll() is None and time.monotonic() < deadline, log_path.read_text()[-3000:]
            time.sleep(0.5)
        start = _next_minute(datetime.now(UTC))
        end = start + timedelta(minutes=MINUTES)
        due = {(project_id, start + timedelta(minutes=m)) for project_id in projects for m in range(MINUTES)}
        time.sleep((end - datetime.now(UTC)).total_seconds())
        while len(runs := _runs_due_between(pg_db_url, start, end)) < len(due):  # the last minute's runs
            if datetime.now(UTC) > end + timedelta(seconds=LATE_LIMIT_S):
                break
            time.sleep(1)
        assert serve.poll() is None, log_path.read_text()[-3000:]
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)

    started = {(run.project_id, run.due_at): run for run in runs}
    assert set(started) == due, f"due runs never started: {sorted(due - set(started))[:5]}"
    late = {key: (run.started_at - run.due_at).total_seconds() for key, run in started.items()}
    assert [key for key, seconds in late.items() if seconds > LATE_LIMIT_S] == []
    assert {run.status for run in runs} <= {RunStatus.SUCCEEDED, RunStatus.UNCHANGED}  # none crashed, none failed
    assert {run.project_id for run in runs if run.status is RunStatus.UNCHANGED} == set(projects)


def _make_projects(db_url: str, http_server: LocalServer, exports: Path) -> list[int]:
    engine = make_engine(db_url)
    ids = []
    with make_session_factory(engine).begin() as session:
        owner = make_user(session, "agency@example.com")
        for s in range(4):
            shop = create_shop(session, owner, name=f"Shop {s}")
            for p in range(PROJECTS // 4):
                source = http_server.serve(f"/shop{s}-{p}.xml", heureka_feed(50 + p, seed=s * 10 + p))
                export = ExportSpec(name="heureka", format="heureka", uri=(exports / f"{s}-{p}.xml").as_uri())
                spec = ProjectSpec(source=source, exports=[export], schedule=ScheduleSpec(cron="* * * * *"))
                ids.append(create_project(session, owner, shop.id, name=f"p{p}", spec=spec).id)
    engine.dispose()
    return ids


def _runs_due_between(db_url: str, start: datetime, end: datetime) -> list[ProjectRun]:
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        runs = list(session.scalars(select(ProjectRun).where(ProjectRun.due_at >= start, ProjectRun.due_at < end)))
        session.expunge_all()
    engine.dispose()
    return runs


def _next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
