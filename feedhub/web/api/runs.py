"""Runs of a project: run now, the list, one run with its report, confirm a held run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.access import access_project
from accounts.roles import Action
from accounts.runs import access_run, list_runs
from feedhub.web.api.views import run_view
from feedhub.web.caller import Context, Db, Me
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page

router = APIRouter(tags=["runs"])


@router.post("/projects/{project_id}/runs", status_code=202)
def run_now(project_id: int, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Queue a run now (write); the scheduler or a worker picks it up."""
    access_project(session, user, project_id, Action.RUN_FEEDS)
    session.commit()
    return {"project_id": project_id, "queued": context.launch_run(project_id, user.id)}


@router.get("/projects/{project_id}/runs")
def runs(project_id: int, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> dict[str, Any]:
    """The project's runs, newest first, with counts and errors (read)."""
    found = list_runs(session, user, project_id)
    return page(found, key=lambda r: r.id, newest_first=True, cursor=cursor, limit=limit, render=run_view)


@router.get("/runs/{run_id}")
def run(run_id: int, user: Me, session: Db) -> dict[str, Any]:
    """One run with its whole report (read)."""
    return run_view(access_run(session, user, run_id, Action.VIEW), report=True)


@router.post("/runs/{run_id}/confirm")
def confirm(run_id: int, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Publish a held run's outputs anyway (write)."""
    from flows.confirm import confirm_held_run

    session.commit()  # the confirmation works in transactions of its own, under the project's run lock
    summary = confirm_held_run(context.deps, user, run_id)
    return {"run_id": summary.run_id, "status": summary.status, "products_out": summary.products_out}
