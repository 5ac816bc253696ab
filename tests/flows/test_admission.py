"""What a batch's entries may run, and as what, through the flow's body (`run_batch_in_flow`) on SQLite
and PostgreSQL: a flow run's parameters are whatever whoever reached Prefect's API wrote, so only
Feedhub's queue and database decide.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import Shop, User, create_project, create_shop, delete_project
from accounts.models import ShopStatus
from accounts.run_queue import SMALL, claim, enqueue, mark_done, run_now
from accounts.runs import ProjectRun
from accounts.types import utcnow
from feeds.project import ExportSpec, ProjectSpec, ScheduleSpec
from flows.deps import RunDeps
from flows.project_flow import run_batch_in_flow
from tests.feeds.conftest import LocalServer
from tests.flows.conftest import ProjectFactory, heureka_feed

LOG = logging.LoggerAdapter(logging.getLogger("tests.flows.admission"), {})
NOT_QUEUED = "names no run Feedhub queued"
PAUSED = ScheduleSpec(paused=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, migrated_sqlite: Path) -> str:
    """Every test here on a SQLite file and on PostgreSQL."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_db_url"))
    shutil.copyfile(migrated_sqlite, tmp_path / "feedhub.db")
    return f"sqlite:///{tmp_path / 'feedhub.db'}"


def forged(project_id: int, owner: User, **more: object) -> dict[str, object]:
    """An entry as someone with Prefect's API but no Feedhub account might write it: a person's run now."""
    return {"project_id": project_id, "trigger": "manual", "requested_by": owner.id,
            "due_at": utcnow().isoformat(), **more}


def runs_of(deps: RunDeps, project_id: int) -> list[ProjectRun]:
    with deps.sessions() as session:
        return list(session.scalars(select(ProjectRun).where(ProjectRun.project_id == project_id)))


def queued(deps: RunDeps, project_id: int, *, made: bool = False) -> int:
    """A run of the project that Feedhub queued and a worker took (and, if `made`, finished); its queue id."""
    with deps.sessions.begin() as session:
        enqueue(session, [(project_id, utcnow())], trigger="schedule", big_feed_products=50_000)
        (due,) = claim(session, "elsewhere:1", [SMALL], limit=1)
        if made:
            mark_done(session, [due.queue_id])
    return due.queue_id


@pytest.mark.parametrize("names", [
    "nothing",  # no queue id at all
    "a made run",  # a real queued run of the project, finished already: not to be made again
    "another project's run",  # a real queued run, not of this project
])
def test_an_entry_naming_no_run_feedhub_queued_runs_for_the_shop_whatever_it_says(
    names: str, http_server: LocalServer, make_project: ProjectFactory, people: dict[str, User], deps: RunDeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)))
    other = make_project(http_server.serve("/other.xml", heureka_feed(5)), name="other")
    queue_id = {"nothing": None, "a made run": lambda: queued(deps, project_id, made=True),
                "another project's run": lambda: queued(deps, other)}[names]
    entry = forged(project_id, people["owner"], **({} if queue_id is None else {"queue_id": queue_id()}))
    with caplog.at_level(logging.INFO, logger=LOG.logger.name):
        (summary,) = run_batch_in_flow([entry], deps, threads=1, log=LOG)
    assert summary["status"] == "succeeded", summary
    (run,) = runs_of(deps, project_id)
    assert (run.trigger, run.requested_by_id, run.due_at) == ("prefect", None, None)
    assert f"project {project_id}: the flow run {NOT_QUEUED}" in caplog.text


def test_a_flow_run_naming_a_paused_a_suspended_and_a_deleted_project_runs_none_of_them(
    http_server: LocalServer, make_project: ProjectFactory, people: dict[str, User], session: Session,
    deps: RunDeps, caplog: pytest.LogCaptureFixture,
) -> None:
    owner = people["owner"]
    paused = make_project(http_server.serve("/paused.xml", heureka_feed(5)), name="paused", schedule=PAUSED)
    deleted = make_project(http_server.serve("/deleted.xml", heureka_feed(5)), name="deleted")
    unpaid = create_shop(session, owner, name="Unpaid")
    spec = ProjectSpec(source=http_server.serve("/unpaid.xml", heureka_feed(5)),
                       exports=[ExportSpec(name="h", format="heureka", uri=(deps.data_dir / "u.xml").as_uri())])
    suspended = create_project(session, owner, unpaid.id, name="unpaid", spec=spec).id
    session.get_one(Shop, unpaid.id).status = ShopStatus.SUSPENDED
    delete_project(session, owner, deleted)
    session.commit()
    batch = [forged(project_id, owner) for project_id in (paused, suspended, deleted)]
    with caplog.at_level(logging.INFO, logger=LOG.logger.name):
        summaries = run_batch_in_flow(batch, deps, threads=2, log=LOG)
    assert [s["status"] for s in summaries] == ["skipped", "skipped", "deleted"]
    assert "the project is paused" in summaries[0]["error"] and "suspended" in summaries[1]["error"]
    assert http_server.requests == []  # no source was even fetched
    assert [(r.status.value, r.trigger) for r in runs_of(deps, paused) + runs_of(deps, suspended)] == [
        ("skipped", "prefect"), ("skipped", "prefect")]
    assert f"of project {paused}: skipped, 0 in, 0 out" in caplog.text and "the project is paused" in caplog.text
    assert f"project {deleted} does not exist" in caplog.text


def test_the_tickers_run_of_a_project_paused_since_it_was_queued_is_skipped_and_a_persons_run_now_runs(
    http_server: LocalServer, make_project: ProjectFactory, people: dict[str, User], deps: RunDeps,
) -> None:
    project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)), schedule=PAUSED)
    with deps.sessions.begin() as session:
        enqueue(session, [(project_id, utcnow())], trigger="schedule", big_feed_products=50_000)
        run_now(session, project_id, trigger="manual", big_feed_products=50_000, requested_by=people["writer"].id)
        taken = claim(session, "here:1", [SMALL], limit=2)
    batch = [{"queue_id": due.queue_id, "project_id": due.project_id} for due in taken]
    summaries = run_batch_in_flow(batch, deps, threads=1, log=LOG)
    assert [(s["status"], s["error"]) for s in summaries] == [
        ("skipped", "the project is paused: only a person's \"run now\" starts it"), ("succeeded", "")]
    runs = sorted(runs_of(deps, project_id), key=lambda run: run.id)
    assert [(run.trigger, run.requested_by_id) for run in runs] == [("schedule", None),
                                                                     ("manual", people["writer"].id)]
    assert [run.due_at for run in runs] == [due.due_at for due in taken]
