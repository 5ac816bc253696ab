"""The run-project flow under Prefect's test harness: orchestration is the point here (tasks run,
states recorded, schedules synced onto the deployment). Everything else is tested on the plain steps.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.project import ScheduleSpec
from flows.deps import RunDeps
from flows.schedules import ProjectSchedule, project_schedules, sync_schedules
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


def test_flow_runs_the_slow_steps_as_tasks_and_returns_the_summary(
    prefect_harness: None, flow_env: None, http_server: LocalServer, make_project: ProjectFactory, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from feedhub.flow import run_project
    from flows.project_flow import TASK_NAMES

    project_id = make_project(http_server.serve("/feed.xml", heureka_feed(20)))
    state = asyncio.run(run_project(project_id, trigger="test", return_state=True))
    assert state.is_completed()
    summary = state.result()
    assert summary["status"] == "succeeded" and summary["products_out"] == 20
    assert (tmp_path / "published" / "heureka.xml").is_file()

    assert list(summary["stages"]) == ["fetch", "process", "publish"]
    expected = sorted(TASK_NAMES)  # the slow steps; begin, gate and record run inline in the flow

    async def task_names() -> list[str]:
        # Task runs reach the API through Prefect's background event writer: wait for them, briefly.
        names: list[str] = []
        async with get_client() as client:
            for _ in range(100):
                runs = await client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
                )
                names = sorted(run.name.rsplit("-", 1)[0] for run in runs)
                if len(names) >= len(expected):
                    break
                await asyncio.sleep(0.1)
        return names

    assert asyncio.run(task_names()) == expected


def test_failed_run_completes_the_flow_and_is_recorded_failed(
    prefect_harness: None, flow_env: None, http_server: LocalServer, make_project: ProjectFactory
) -> None:
    from feedhub.flow import run_project

    project_id = make_project(http_server.serve("/feed.xml", b"<html>down for maintenance</html>"))
    assert asyncio.run(run_project(project_id))["status"] == "failed"


def test_flow_runs_leave_no_connection_open(
    prefect_harness: None, flow_env: None, http_server: LocalServer, make_project: ProjectFactory
) -> None:
    """Each run closes its API clients: many runs in one process (tests, the bench) must not pile up sockets."""
    from feedhub.flow import run_project

    project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)))
    asyncio.run(run_project(project_id))  # the first run's clients (events, logs) live as long as the process
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        for trigger in ("a", "b"):
            assert asyncio.run(run_project(project_id, trigger=trigger))["status"] in ("succeeded", "unchanged")
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_schedules_follow_the_database(
    prefect_harness: None, make_project: ProjectFactory, deps: RunDeps, http_server: LocalServer
) -> None:
    from prefect.client.orchestration import get_client

    from feedhub.serve import build_deployment

    first = make_project("http://example.invalid/a.xml", name="a")
    paused = ScheduleSpec(cron="15 3 * * *", paused=True)
    second = make_project("http://example.invalid/b.xml", name="b", schedule=paused)
    deployment_id = build_deployment().apply()
    with deps.sessions() as session:
        wanted = project_schedules(session)
    assert [(s.project_id, s.active) for s in wanted] == [(first, True), (second, False)]
    with get_client(sync_client=True) as client:
        sync_schedules(client, deployment_id, wanted)
        assert sync_schedules(client, deployment_id, wanted).created == 0  # idempotent
        changed = [ProjectSchedule(first, "0 1 * * *", "UTC", True)]  # b deleted, a moved
        result = sync_schedules(client, deployment_id, changed)
        assert (result.updated, result.deleted) == (1, 1)
        (only,) = client.read_deployment_schedules(deployment_id)
        # saved before saves were checked: Prefect refuses it, the others still sync, the old one stays
        broken = [
            ProjectSchedule(first, "not a cron", "UTC", True),
            ProjectSchedule(second, "0 2 * * *", "UTC", True),
            ProjectSchedule(999, "0 0 31 2 *", "UTC", True),  # valid syntax, never fires: Prefect's scheduler chokes
        ]
        result = sync_schedules(client, deployment_id, broken)
        assert (result.refused, result.created, result.deleted) == ((first, 999), 1, 0)
        kept = {s.slug: s.schedule.cron for s in client.read_deployment_schedules(deployment_id)}
    assert (only.slug, only.schedule.cron) == (f"project-{first}", "0 1 * * *")
    assert only.parameters == {"project_id": first}
    assert kept == {f"project-{first}": "0 1 * * *", f"project-{second}": "0 2 * * *"}
