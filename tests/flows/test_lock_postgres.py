"""One run per project at a time on PostgreSQL, with separate processes racing for the same project
(SQLite ignores FOR UPDATE, so the race belongs here, on the production database).
"""

from __future__ import annotations

import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select

from accounts import create_project, create_shop
from accounts.db import make_engine, make_session_factory
from accounts.runs import ProjectRun, RunStatus
from feeds.project import ExportSpec, ProjectSpec
from tests.feeds.conftest import LocalServer, respond
from tests.flows.conftest import environ_for_subprocess, heureka_feed, make_user

RUN_ONE = (
    "import sys; from feedhub.runtime import deps_from_settings; from feedhub.settings import get_settings; "
    "from flows.runner import run_project_inline; "
    "print(run_project_inline(int(sys.argv[1]), deps_from_settings(get_settings())).status)"
)

pytestmark = pytest.mark.postgres


def test_concurrent_processes_run_a_project_once_and_record_the_others_as_skipped(
    pg_db_url: str, http_server: LocalServer, tmp_path: Path
) -> None:
    body = heureka_feed(50)

    def slow(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
        time.sleep(1.5)  # long enough that every process tries while the first one runs
        respond(body)(handler, server)

    http_server.routes["/slow.xml"] = slow
    engine = make_engine(pg_db_url)
    with make_session_factory(engine)() as session:
        owner = make_user(session, "owner@example.com")
        shop = create_shop(session, owner, name="Race")
        export = ExportSpec(name="heureka", format="heureka", uri=(tmp_path / "pub" / "heureka.xml").as_uri())
        spec = ProjectSpec(source=http_server.url("/slow.xml"), exports=[export])
        project_id = create_project(session, owner, shop.id, name="race", spec=spec).id
        session.commit()
    env = environ_for_subprocess(
        FEEDHUB_DATABASE_URL=pg_db_url,
        FEEDHUB_DATA_DIR=str(tmp_path / "data"),
        FEEDHUB_ALLOW_PRIVATE_SOURCES="true",
        FEEDHUB_EXPORTS_DIR=str(tmp_path / "pub"),
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", RUN_ONE, str(project_id)], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    statuses = sorted(p.communicate(timeout=60)[0].strip() for p in processes)
    assert statuses == ["skipped", "skipped", "succeeded"]
    with make_session_factory(engine)() as session:
        runs = session.scalars(select(ProjectRun).where(ProjectRun.project_id == project_id)).all()
    ran = [r for r in runs if r.status is RunStatus.SUCCEEDED]
    assert len(ran) == 1 and all("in progress" in r.error for r in runs if r.status is RunStatus.SKIPPED)
    engine.dispose()
