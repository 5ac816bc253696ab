"""The run flow under Prefect's test harness: orchestration is the point here (a batch is one flow run
with a table of its runs, states recorded; the worker takes queued runs and marks them done).
Everything else is tested on the plain steps.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from accounts import delete_project
from accounts.models import User
from accounts.run_queue import SMALL, QueuedRun, RunWorker, claim, enqueue, run_now
from accounts.runs import ProjectRun
from accounts.types import utcnow
from flows.deps import RunDeps
from tests.feeds.conftest import LocalServer
from tests.flows.conftest import ProjectFactory, heureka_feed


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole session (12 s idle; over 60 s on a loaded 2-core box)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=150):
        yield


@pytest.fixture
def flow_env(monkeypatch: pytest.MonkeyPatch, deps: RunDeps) -> None:
    """The settings the flow reads (it builds its own RunDeps, as a worker would)."""
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(deps.data_dir))
    monkeypatch.setenv("FEEDHUB_DATABASE_URL", str(deps.engine.url))
    monkeypatch.setenv("FEEDHUB_ALLOW_PRIVATE_SOURCES", "true")
    monkeypatch.setenv("FEEDHUB_EXPORTS_DIR", str(deps.data_dir.parent))  # make_project publishes to tmp/published


def test_a_batch_is_one_flow_run_with_a_table_of_its_runs(
    prefect_harness: None, flow_env: None, http_server: LocalServer, make_project: ProjectFactory,
    people: dict[str, User], deps: RunDeps, tmp_path: Path,
) -> None:
    from prefect.client.orchestration import get_client

    from feedhub.flow import run_due_projects

    good = make_project(http_server.serve("/feed.xml", heureka_feed(20)))
    broken = make_project(http_server.serve("/down.xml", b"<html>down for maintenance</html>"), name="down")
    gone = make_project(http_server.serve("/gone.xml", heureka_feed(3)), name="gone")
    due = utcnow().replace(microsecond=0)
    with deps.sessions.begin() as session:
        enqueue(session, [(pid, due) for pid in (good, broken, gone)], trigger="schedule", big_feed_products=50_000)
        taken = claim(session, "here:1", (SMALL,), limit=3)
    with deps.sessions.begin() as session:
        delete_project(session, session.merge(people["owner"]), gone)  # deleted after it was queued
    batch = [{"queue_id": run.queue_id, "project_id": run.project_id} for run in taken]
    state = asyncio.run(run_due_projects(batch, label="test batch", return_state=True))
    assert state.is_completed()  # one run's failure is its own, not the batch's
    summaries = state.result()
    assert [s["status"] for s in summaries] == ["succeeded", "failed", "deleted"]
    assert summaries[0]["products_out"] == 20 and list(summaries[0]["stages"]) == ["fetch", "process", "publish"]
    assert (tmp_path / "published" / "heureka.xml").is_file()
    with deps.sessions() as session:
        recorded = dict(session.execute(select(ProjectRun.project_id, ProjectRun.due_at)).tuples().all())
    assert recorded == {good: due, broken: due}

    async def artifact_table() -> list[dict[str, object]]:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        async with get_client() as client:
            (artifact,) = await client.read_artifacts(artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
        assert artifact.type == "table" and artifact.description == "3 runs: test batch"
        return json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data

    rows = asyncio.run(artifact_table())
    assert [(row["project"], row["status"]) for row in rows] == [(good, "succeeded"), (broken, "failed"),
                                                                 (gone, "deleted")]
    assert rows[0]["products out"] == 20 and rows[0]["run"] == summaries[0]["run_id"]
    assert rows[1]["error"] == summaries[1]["error"] and "html" in rows[1]["error"].lower()


def test_a_worker_makes_queued_runs_marks_them_done_and_signs_off(
    prefect_harness: None, flow_env: None, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
) -> None:
    from feedhub.settings import get_settings
    from feedhub.worker import work

    ids = [make_project(http_server.serve(f"/{n}.xml", heureka_feed(5)), name=n) for n in "ab"]
    with deps.sessions.begin() as session:
        for project_id in ids:
            run_now(session, project_id, trigger="manual", big_feed_products=50_000)
    stop = threading.Event()
    worker = threading.Thread(target=work, args=(get_settings(), (SMALL,), stop))
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while _undone(deps) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop.set()
        worker.join(30)
    assert _undone(deps) == 0
    with deps.sessions() as session:
        runs = session.execute(select(ProjectRun.project_id, ProjectRun.status, ProjectRun.trigger)).tuples().all()
        workers_left = session.scalars(select(RunWorker.name)).all()
    assert sorted((pid, status.value, trigger) for pid, status, trigger in runs) == [
        (pid, "succeeded", "manual") for pid in ids]
    assert workers_left == []


def _undone(deps: RunDeps) -> int:
    with deps.sessions() as session:
        return len(session.scalars(select(QueuedRun.id).where(QueuedRun.done_at.is_(None))).all())


def test_flow_runs_leave_no_connection_open(
    prefect_harness: None, flow_env: None, http_server: LocalServer, make_project: ProjectFactory
) -> None:
    """Each batch closes its API clients: a worker makes batch after batch and must not pile up sockets."""
    from feedhub.flow import run_due_projects

    project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)))
    batch = [{"project_id": project_id, "trigger": "test"}]
    asyncio.run(run_due_projects(batch))  # the first batch's clients (events, logs) live as long as the process
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for _ in range(2):
            (summary,) = asyncio.run(run_due_projects(batch))
            assert summary["status"] in ("succeeded", "unchanged")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
