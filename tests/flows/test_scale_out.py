"""Several machines, as docs/operations.md sets them up: a Prefect server on PostgreSQL, `feedhub serve
--workers 0` (pages and the ticker), two `feedhub worker` processes on machines of their own, Feedhub's
database on PostgreSQL and exports in S3, Prefect's basic auth on. Every project is triggered twice at
once: the run that takes the project's lock publishes, the other is recorded as skipped, and no project
runs twice at the same time, whichever worker took its runs; Prefect has every batch as a completed flow
run, and refuses a client without the secret.

Every feed download is held open until each project's second trigger has been recorded as skipped,
so both triggers of a project really did overlap and the outcome is exact, not a matter of timing.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, select, text

from accounts import create_project, create_shop
from accounts.db import make_engine, make_session_factory
from accounts.runs import ProjectRun, RunStatus
from feeds.project import ExportSpec, ProjectSpec
from tests.feeds.conftest import LocalServer, respond
from tests.flows.conftest import ROOT, environ_for_subprocess, heureka_feed, make_user

pytestmark = pytest.mark.postgres

PROJECTS = 3  # held runs occupy a worker's batch threads (FEEDHUB_RUN_THREADS, 4) until every second trigger is skipped
TRIGGERS_PER_PROJECT = 2
BUCKET = "scale-out"
DEADLINE_S = 240.0  # a loaded 2-core machine is 3-5x slower than a quiet one; a hang still fails
AUTH = f"feedhub:{secrets.token_urlsafe(16)}"  # the `user:secret` of Prefect's basic auth


def test_two_workers_run_each_project_once_at_a_time_and_publish_to_s3(
    pg_db_url: str, postgres_url: str, http_server: LocalServer, s3_server: str, tmp_path: Path
) -> None:
    release = threading.Event()
    keys = _make_projects(pg_db_url, http_server, release)
    project_ids = list(keys)
    _create_bucket(s3_server)
    feedhub_env = {
        "FEEDHUB_DATABASE_URL": pg_db_url,
        "FEEDHUB_S3_ENDPOINT_URL": s3_server,
        "FEEDHUB_ALLOW_PRIVATE_SOURCES": "true",
        "FEEDHUB_FETCH_TIMEOUT_S": str(DEADLINE_S),
        "FEEDHUB_RUNS_PER_SHOP": str(PROJECTS * TRIGGERS_PER_PROJECT),  # every trigger taken at once, to overlap
    }
    with _prefect_database(postgres_url) as database_url, contextlib.ExitStack() as stack:
        url = stack.enter_context(_prefect_server(tmp_path / "server", database_url))
        machine = _machine_env(feedhub_env, url)
        start = _starter(stack, tmp_path)
        serve = ["-m", "feedhub", "serve", "--workers", "0", "--port", str(_free_port())]
        start("serve", serve, machine(tmp_path / "ops"))
        for name in ("worker-a", "worker-b"):
            start(name, ["-m", "feedhub", "worker"], machine(tmp_path / name))
        _wait_until(lambda: len(_live_workers(pg_db_url)) == 2, "both workers to beat")
        stack.callback(release.set)  # first thing on the way out: no download stays held
        for project_id, _ in itertools.product(project_ids, range(TRIGGERS_PER_PROJECT)):
            _run_now(pg_db_url, project_id)
        _wait_until(lambda: _count(pg_db_url, RunStatus.SKIPPED) == PROJECTS, "every second trigger skipped")
        release.set()
        _wait_until(lambda: _undone(pg_db_url) == 0, "every queued run made")
        states = _flow_run_states(url, auth=AUTH)
        refused = [_refusal(url, auth) for auth in (None, "feedhub:wrong")]

    assert states and set(states) == {"COMPLETED"}
    assert refused == [401, 401]
    runs = _runs(pg_db_url)
    for project_id in project_ids:
        statuses = sorted(run.status.value for run in runs if run.project_id == project_id)
        assert statuses == ["skipped", "succeeded"], (project_id, statuses)
        ran = [run for run in runs if run.project_id == project_id and run.status is not RunStatus.SKIPPED]
        assert not _overlapping(ran)
        (skipped,) = [run for run in runs if run.project_id == project_id and run.status is RunStatus.SKIPPED]
        (succeeded,) = ran
        assert succeeded.finished_at is not None
        assert skipped.started_at < succeeded.finished_at  # the triggers really overlapped
    for run in runs:
        if run.status is RunStatus.SUCCEEDED:
            (published,) = run.report["published"]
            assert published["uri"] == f"s3://{BUCKET}/{keys[run.project_id]}"
            assert _s3_sha256(s3_server, keys[run.project_id]) == published["sha256"]


# ---------------------------------------------------------------------------------------------- set-up


def _make_projects(db_url: str, http_server: LocalServer, release: threading.Event) -> dict[int, str]:
    """PROJECTS projects of one shop, each over its own feed (sent once `release` is set); id -> S3 key."""

    def held(body: bytes) -> Callable[[BaseHTTPRequestHandler, LocalServer], None]:
        def send(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            release.wait(DEADLINE_S)
            respond(body)(handler, server)

        return send

    engine = make_engine(db_url)
    keys = {}
    with make_session_factory(engine)() as session:
        owner = make_user(session, "owner@example.com")
        shop = create_shop(session, owner, name="Scale")
        for i in range(PROJECTS):
            http_server.routes[f"/feed-{i}.xml"] = held(heureka_feed(30 + i, seed=i))
            export = ExportSpec(name="google", format="google", uri=f"s3://{BUCKET}/p{i}/google.xml")
            spec = ProjectSpec(source=http_server.url(f"/feed-{i}.xml"), exports=[export])
            keys[create_project(session, owner, shop.id, name=f"p{i}", spec=spec).id] = f"p{i}/google.xml"
        session.commit()
    engine.dispose()
    return keys


def _create_bucket(endpoint: str) -> None:
    import boto3

    boto3.client("s3", endpoint_url=endpoint).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )


def _s3_sha256(endpoint: str, key: str) -> str:
    import boto3

    body = boto3.client("s3", endpoint_url=endpoint).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return hashlib.sha256(body).hexdigest()


@contextlib.contextmanager
def _prefect_database(postgres_url: str) -> Iterator[str]:
    """A fresh database for the Prefect server (its own tables, its own migrations), dropped after."""
    admin_url = make_url(postgres_url).set(query={})
    name = f"feedhub_prefect_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def _prefect_server(home: Path, database_url: str) -> Iterator[str]:
    """`prefect server start` on the Prefect database with basic auth on, as docs/operations.md runs it."""
    from feedhub.serve import local_prefect_server
    from feedhub.settings import Settings

    with pytest.MonkeyPatch.context() as env:
        env.setenv("PREFECT_API_DATABASE_CONNECTION_URL", database_url)
        env.setenv("PREFECT_SERVER_API_AUTH_STRING", AUTH)
        with local_prefect_server(Settings(data_dir=home), port=_free_port()) as url:
            env.delenv("PREFECT_API_DATABASE_CONNECTION_URL")
            env.delenv("PREFECT_SERVER_API_AUTH_STRING")
            yield url
    assert (home / "prefect" / "server.log").stat().st_size > 0  # the server's output is kept, not thrown away


def _machine_env(feedhub_env: dict[str, str], api_url: str) -> Callable[[Path], dict[str, str]]:
    """The environment of one machine of the docs: shared settings, its own data folder and Prefect home."""

    def env(data_dir: Path) -> dict[str, str]:
        (data_dir / "prefect").mkdir(parents=True, exist_ok=True)
        return environ_for_subprocess(
            **feedhub_env,
            FEEDHUB_DATA_DIR=str(data_dir),
            PREFECT_HOME=str(data_dir / "prefect"),
            PREFECT_API_URL=api_url,
            PREFECT_API_AUTH_STRING=AUTH,
        )

    return env


def _starter(stack: contextlib.ExitStack, logs: Path) -> Callable[[str, list[str], dict[str, str]], None]:
    """Start a long-running process, logging to `logs/<name>.log`; stopped with all it started when the
    stack closes."""
    from feedhub.serve import stop_process

    def start(name: str, args: list[str], env: dict[str, str]) -> None:
        log = stack.enter_context(open(logs / f"{name}.log", "wb"))
        process = subprocess.Popen([sys.executable, *args], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        stack.callback(stop_process, process, grace_s=6.0)

    return start


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------------------------------- checks


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.5)


def _live_workers(db_url: str) -> list[str]:
    from accounts.run_queue import live_workers

    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        found = live_workers(session)
    engine.dispose()
    return found


def _run_now(db_url: str, project_id: int) -> None:
    from accounts.run_queue import run_now

    engine = make_engine(db_url)
    with make_session_factory(engine).begin() as session:
        run_now(session, project_id, trigger="manual", big_feed_products=50_000)
    engine.dispose()


def _undone(db_url: str) -> int:
    from accounts.run_queue import QueuedRun

    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        count = len(session.scalars(select(QueuedRun.id).where(QueuedRun.done_at.is_(None))).all())
    engine.dispose()
    return count


def _flow_run_states(api_url: str, *, auth: str | None) -> list[str]:
    """The state of every flow run the workers recorded in Prefect, read by Prefect's client sending `auth`."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    updates = {PREFECT_API_URL: api_url, PREFECT_API_AUTH_STRING: auth}
    with temporary_settings(updates=updates), get_client(sync_client=True) as client:
        return [run.state_type.value for run in client.read_flow_runs()]


def _refusal(api_url: str, auth: str | None) -> int:
    """The status Prefect's client gets sending `auth` (None: no secret at all), or 200 if it gets in."""
    from prefect.exceptions import PrefectHTTPStatusError

    try:
        _flow_run_states(api_url, auth=auth)
    except PrefectHTTPStatusError as exc:
        return exc.response.status_code
    return 200


def _runs(db_url: str) -> list[ProjectRun]:
    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        runs = list(session.scalars(select(ProjectRun).order_by(ProjectRun.id)))
        session.expunge_all()
    engine.dispose()
    return runs


def _count(db_url: str, status: RunStatus) -> int:
    return sum(run.status is status for run in _runs(db_url))


def _overlapping(runs: list[ProjectRun]) -> list[tuple[int, int]]:
    """Pairs of runs whose [started_at, finished_at] intervals overlap."""
    return [
        (a.id, b.id)
        for a, b in itertools.combinations(runs, 2)
        if a.finished_at is not None
        and b.finished_at is not None
        and a.started_at < b.finished_at
        and b.started_at < a.finished_at
    ]
